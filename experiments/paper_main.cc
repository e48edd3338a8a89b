// The paper's experiments as `bazel run` targets: each target runs one sweep
// of experiments/paper/ (<sweep>.<scale>.pbtxt: paper by default, cpu, or
// cpu_long where it exists) through `rwn sweep`'s workers, then writes its
// report.
// fig6_weights shares table3_tiny_imagenet's sweep (and so its runs) and adds
// the per-layer weight analysis.
//
//   bazel run //experiments:fig1_fractions -- --scale=cpu --out=runs --workers=1
//   bazel run //experiments:table1_layers -- --data_root=/data
//
// Paper-scale specs name their data as DATA_ROOT/...; --data_root replaces
// DATA_ROOT. Relative paths are taken from the folder `bazel run` was started
// in. Runs go to <out>/<sweep name>/..., the report to
// <out>/reports/<sweep name>/.
#include <gflags/gflags.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/exit_code.h"
#include "core/files.h"
#include "core/source_commit.h"
#include "core/text_proto.h"
#include "experiments/sweep.h"
#include "reports/page.h"
#include "reports/report.h"
#include "reports/weights.h"
#include "run/sweep_runner.h"
#include "torch_support/runtime.h"

DEFINE_string(experiment, "", "the experiment; default: the program's name (the bazel target's)");
DEFINE_string(scale, "paper",
              "paper: the paper's grid and data; cpu: the same grid on Fashion-MNIST with small "
              "models; cpu_long (learning_curve, table1_layers, fig1_fractions, precision_check): "
              "all 60,000 Fashion-MNIST images, enough epochs, 3 seeds");
DEFINE_string(data_root, "/data",
              "folder holding cifar-10-batches-bin, cifar-100-binary, tiny-imagenet-200");
DEFINE_string(out, "runs", "folder of the run folders");
DEFINE_int32(workers, 1, "points run at once");
DEFINE_int32(threads, 0, "cores to use in all; 0 = every core");

namespace {

namespace fs = std::filesystem;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", FLAGS_experiment.c_str(), std::string(status.message()).c_str());
  return rwn::ExitCodeFor(status);
}

// A path as the user meant it: relative to where `bazel run` was started.
std::string UserPath(const std::string& path) {
  const char* start = std::getenv("BUILD_WORKING_DIRECTORY");
  if (fs::path(path).is_absolute() || start == nullptr) return fs::absolute(path).string();
  return (fs::path(start) / path).string();
}

// The scales that have a sweep file for `sweep_file` (experiments/paper/
// <sweep_file>.<scale>.pbtxt), sorted.
std::vector<std::string> Scales(const std::string& sweep_file) {
  std::vector<std::string> scales;
  const std::string prefix = sweep_file + ".";
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator("experiments/paper", error)) {
    const std::string file = entry.path().filename().string();
    if (absl::StartsWith(file, prefix) && absl::EndsWith(file, ".pbtxt")) {
      scales.push_back(file.substr(prefix.size(), file.size() - prefix.size() - 6));
    }
  }
  std::sort(scales.begin(), scales.end());
  return scales;
}

// The experiment's sweep file with DATA_ROOT replaced, parsed, and written
// beside the runs (<out>/.sweep/<name>.pbtxt) for the workers to read.
absl::StatusOr<rwn::SweepSpec> LoadSweep(const std::string& sweep_file, const std::string& out,
                                         std::string* resolved) {
  const std::vector<std::string> scales = Scales(sweep_file);
  if (std::find(scales.begin(), scales.end(), FLAGS_scale) == scales.end()) {
    return absl::InvalidArgumentError(absl::StrCat("--scale=", FLAGS_scale, "; allowed for ",
                                                   FLAGS_experiment, ": ",
                                                   absl::StrJoin(scales, ", ")));
  }
  const std::string spec_path =
      absl::StrCat("experiments/paper/", sweep_file, ".", FLAGS_scale, ".pbtxt");
  absl::StatusOr<std::string> text = rwn::ReadFile(spec_path);
  if (!text.ok()) return text.status();
  const std::string resolved_text =
      absl::StrReplaceAll(*text, {{"DATA_ROOT", UserPath(FLAGS_data_root)}});
  rwn::SweepSpec sweep;
  if (absl::Status parsed = rwn::ParseTextProto(resolved_text, spec_path, &sweep); !parsed.ok()) {
    return parsed;
  }
  *resolved = absl::StrCat(out, "/.sweep/", sweep.base().name(), ".pbtxt");
  std::error_code error;
  fs::create_directories(fs::path(*resolved).parent_path(), error);
  if (absl::Status written = rwn::WriteFileAtomically(*resolved, resolved_text); !written.ok()) {
    return written;
  }
  return sweep;
}

// The report of the sweep's finished runs (and Figure 6 with `weights`),
// on one page: <report>/index.md and index.html.
absl::Status Report(const std::string& out, const rwn::SweepSpec& sweep, bool weights) {
  const std::string name = sweep.base().name();
  std::vector<std::string> superseded;
  absl::StatusOr<std::vector<rwn::RunRecord>> runs =
      rwn::ReadRuns(absl::StrCat(out, "/", name), nullptr, &superseded);
  if (!runs.ok() || runs->empty()) return absl::OkStatus();
  rwn::PrintSuperseded("report", superseded);
  const std::string report = absl::StrCat(out, "/reports/", name);
  rwn::ReportOptions options;
  options.titles[name] = sweep.titles();
  rwn::ReportPage page = rwn::MakeReportPage(*runs, options);
  absl::StatusOr<std::vector<std::string>> written =
      rwn::WriteReport(*runs, report, options, &page);
  if (!written.ok()) return written.status();
  std::printf("report: %s (%s)\n", report.c_str(), absl::StrJoin(*written, ", ").c_str());
  if (weights) {
    written = rwn::WriteWeightsReport(*runs, report, sweep.titles().weights_figure(), &page);
    if (!written.ok()) return written.status();
    std::printf("weights: %s (%s)\n", report.c_str(), absl::StrJoin(*written, ", ").c_str());
  }
  absl::StatusOr<std::vector<std::string>> index = page.Write(report);
  if (!index.ok()) return index.status();
  std::printf("page: %s/index.md, index.html\n", report.c_str());
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  const int cores = rwn::InitRuntime(/*threads=*/0);
  rwn::SourceCommit();  // exported to the sweep's workers as $RWN_COMMIT
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  if (FLAGS_experiment.empty()) FLAGS_experiment = fs::path(argv[0]).filename().string();
  // Figure 6 analyzes the weights of Table 3's runs.
  const bool weights = FLAGS_experiment == "fig6_weights";
  const std::string out = UserPath(FLAGS_out);
  rwn::SweepRunOptions options;
  absl::StatusOr<rwn::SweepSpec> sweep =
      LoadSweep(weights ? "table3_tiny_imagenet" : FLAGS_experiment, out, &options.spec_path);
  if (!sweep.ok()) return Fail(sweep.status());
  absl::StatusOr<std::vector<rwn::SweepPoint>> points = rwn::ExpandSweep(*sweep);
  if (!points.ok()) return Fail(points.status());
  options.out = out;
  options.workers = std::max(1, FLAGS_workers);
  options.cores = FLAGS_threads > 0 ? FLAGS_threads : cores;
  options.worker_command = {fs::absolute("cli/rwn").string(), "sweep"};
  std::fprintf(stderr, "%s (%s scale): %zu points, %d workers; runs in %s\n",
               FLAGS_experiment.c_str(), FLAGS_scale.c_str(), points->size(), options.workers,
               out.c_str());
  absl::StatusOr<std::vector<rwn::PointOutcome>> outcomes = rwn::RunSweep(*points, options);
  if (!outcomes.ok()) return Fail(outcomes.status());
  int failed = 0;
  for (const rwn::PointOutcome& o : *outcomes) {
    if (o.state != rwn::PointOutcome::kFailed) continue;
    ++failed;
    std::printf("failed: %s: %s\n", o.name.c_str(), o.reason.c_str());
  }
  if (absl::Status reported = Report(out, *sweep, weights); !reported.ok()) {
    return Fail(reported);
  }
  std::printf("%zu of %zu points finished, %d failed\n", points->size() - failed, points->size(),
              failed);
  return failed > 0 ? 1 : 0;
}
