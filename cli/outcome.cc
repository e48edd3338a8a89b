#include "cli/outcome.h"

#include <cstdio>

#include "cli/command.h"

namespace rwn::cli {
namespace {

void PrintEnsemble(const RunOutcome& outcome) {
  const RunSummary& s = outcome.summary;
  std::printf(
      "%s %s: ensemble of %d test top-1 %.2f%%, mean member %.2f%%, base %.2f%%; "
      "members learned %d parameters in all (each model has %d), %.0fs\n%s\n",
      s.name().c_str(), outcome.already_finished ? "already finished" : "finished",
      s.ensemble().members(), 100 * s.ensemble().ensemble_test_top1(),
      100 * s.ensemble().mean_member_test_top1(), 100 * s.ensemble().base_test_top1(),
      s.learned_params(), s.params(), s.wall_seconds(), outcome.dir.c_str());
  std::fflush(stdout);
}

}  // namespace

int PrintOutcome(const absl::StatusOr<RunOutcome>& outcome) {
  if (!outcome.ok()) return Fail(outcome.status());
  const RunSummary& s = outcome->summary;
  if (outcome->resumed_after > 0) {
    std::printf("resumed after epoch %d of %d\n", outcome->resumed_after, s.epochs());
  }
  if (s.has_ensemble()) {
    PrintEnsemble(*outcome);
    return 0;
  }
  std::printf(
      "%s %s: test top-1 %.2f%% (best %.2f%% at epoch %d), learned %d of %d "
      "parameters, %.0fs\n%s\n",
      s.name().c_str(), outcome->already_finished ? "already finished" : "finished",
      100 * s.final_test_top1(), 100 * s.best_test_top1(), s.best_epoch(), s.learned_params(),
      s.params(), s.wall_seconds(), outcome->dir.c_str());
  std::fflush(stdout);  // a Slurm task's log is a file: show the result before exit
  return 0;
}

}  // namespace rwn::cli
