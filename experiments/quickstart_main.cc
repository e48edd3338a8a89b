// The quick start: trains a small wide ResNet on Fashion-MNIST twice, with
// every weight learned and with 10% of the filters learned (the rest fixed at
// their random init), and prints a comparison table.
//
//   bazel run //experiments:quickstart [-- --out=DIR --threads=N]
//
// Runs go to <workspace>/runs by default; finished runs are reused.
#include <gflags/gflags.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/exit_code.h"
#include "core/table.h"
#include "run/run.h"
#include "torch_support/runtime.h"

DEFINE_string(out, "", "folder of run folders (default: <workspace>/runs)");
DEFINE_int32(threads, 0, "libtorch threads; 0 = every core");
DEFINE_string(specs_dir, "experiments/specs/quickstart", "folder of the two quick-start specs");

int main(int argc, char** argv) {
  const int threads_default = rwn::InitRuntime(/*threads=*/0);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  rwn::RunOptions options;
  options.threads = FLAGS_threads > 0 ? rwn::InitRuntime(FLAGS_threads) : threads_default;
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");  // set by `bazel run`
  options.out = !FLAGS_out.empty() ? FLAGS_out : std::string(workspace ? workspace : ".") + "/runs";
  std::vector<rwn::RunOutcome> outcomes;
  for (const char* spec : {"all_learned.pbtxt", "filters_0.1.pbtxt"}) {
    absl::StatusOr<rwn::RunOutcome> outcome =
        rwn::RunExperimentFile(FLAGS_specs_dir + "/" + spec, options);
    if (!outcome.ok()) {
      std::fprintf(stderr, "quickstart: %s\n", std::string(outcome.status().message()).c_str());
      return rwn::ExitCodeFor(outcome.status());
    }
    outcomes.push_back(*outcome);
  }
  std::printf("\n%s, %s, %d threads\n\n", outcomes[0].summary.model().c_str(),
              outcomes[0].summary.dataset().c_str(), options.threads);
  rwn::Table table({"run", "learned / total parameters", "learned", "test top-1", "wall time"},
                   {rwn::Table::kLeft, rwn::Table::kRight, rwn::Table::kRight, rwn::Table::kRight,
                    rwn::Table::kRight});
  for (const rwn::RunOutcome& o : outcomes) {
    const rwn::RunSummary& s = o.summary;
    table.AddRow({s.name(),
                  absl::StrFormat("%s / %s", rwn::WithCommas(s.learned_params()),
                                  rwn::WithCommas(s.params())),
                  absl::StrFormat("%.2f%%", 100.0 * s.learned_params() / s.params()),
                  absl::StrFormat("%.2f%%", 100 * s.final_test_top1()),
                  absl::StrFormat("%.0f s%s", s.wall_seconds(),
                                  o.already_finished ? " (earlier run)" : "")});
  }
  std::fputs(table.ToMarkdown().c_str(), stdout);
  std::printf(
      "\nRun folders (metrics.jsonl, summary.json, log.txt; TensorBoard: tensorboard "
      "--logdir=runs):\n");
  for (const rwn::RunOutcome& o : outcomes) std::printf("  %s\n", o.dir.c_str());
  return 0;
}
