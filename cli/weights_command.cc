// rwn weights: the weight analysis of one run or of every run (Figure 6;
// reports/weights.h).
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "cli/shared_flags.h"
#include "core/files.h"
#include "reports/weights.h"
#include "torch_support/runtime.h"

namespace rwn::cli {
namespace {

// --runs=DIR --out=DIR: every finished run, and Figure 6.
int EveryRun() {
  if (gflags::GetCommandLineFlagInfoOrDie("out").is_default) {
    return Fail(absl::InvalidArgumentError("weights --runs=DIR needs --out=DIR"));
  }
  std::vector<std::string> superseded;
  absl::StatusOr<std::vector<RunRecord>> runs = ReadRuns(FLAGS_runs, nullptr, &superseded);
  if (!runs.ok()) return Fail(runs.status());
  PrintSuperseded("weights", superseded);
  absl::StatusOr<std::vector<std::string>> written = WriteWeightsReport(*runs, FLAGS_out);
  if (!written.ok()) return Fail(written.status());
  std::printf("%zu runs analyzed -> %s: %s\n", runs->size(), FLAGS_out.c_str(),
              absl::StrJoin(*written, ", ").c_str());
  return 0;
}

int Weights(const std::vector<std::string>&) {
  InitRuntime(FLAGS_threads);
  if (FLAGS_run.empty() == FLAGS_runs.empty()) {
    return Fail(absl::InvalidArgumentError(
        "weights needs --run=DIR (one run) or --runs=DIR --out=DIR (Figure 6 of every run)"));
  }
  if (!FLAGS_runs.empty()) return EveryRun();
  absl::StatusOr<LoadedRun> run = LoadRun(FLAGS_run);
  if (!run.ok()) return Fail(run.status());
  const std::vector<LayerWeights> rows = AnalyzeWeights(*run);
  if (absl::Status written = WriteFileAtomically(FLAGS_run + "/weights.csv", WeightsCsv(rows));
      !written.ok()) {
    return Fail(written);
  }
  std::printf("%s after %d epochs\n%s", run->spec.name().c_str(), run->epochs,
              WeightsMarkdown(rows).c_str());
  return 0;
}

}  // namespace

const Command kWeights{"weights",
                       "  rwn weights --run=DIR | --runs=DIR --out=DIR\n"
                       "      per conv layer of a trained run: learned and fixed weights, their\n"
                       "      mean |w| and variance (also written to DIR/weights.csv); with\n"
                       "      --runs, every finished run and the paper's Figure 6 (weights.png).\n",
                       __FILE__,
                       {"run", "runs", "out", "threads"},
                       Weights};

}  // namespace rwn::cli
