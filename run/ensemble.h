// Cheap ensembles (paper section 4.3; ExperimentSpec.ensemble): a base model
// learns everything for a few epochs, then every member starts from the
// base's weights and learns only the spec's selection. The run folder:
//
//   <run>/spec.pbtxt    the ensemble spec
//   <run>/log.txt       the base's and each member's accuracy, the ensemble's
//   <run>/summary.json  RunSummary with `ensemble` set; written last
//   <run>/base/         the base model's run folder (every weight learned)
//   <run>/member-1/ ... each member's run folder; its checkpoint holds only
//                       the member's learned entries, buffers and optimizer
//                       state, its fixed weights are the base's
//
// Members train one after another, each resumable like any run. Evaluation
// keeps one copy of the base's weights in memory and applies one member's
// learned delta at a time, then averages the members' softmax outputs.
#ifndef RWN_RUN_ENSEMBLE_H_
#define RWN_RUN_ENSEMBLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "run/run_options.h"

namespace rwn {

// The base model's spec: everything learned for ensemble.base_epochs.
ExperimentSpec EnsembleBaseSpec(const ExperimentSpec& spec);

// Member `index`'s (1-based) spec: the ensemble spec's selection and epochs,
// init_from "../base", variation_seed 1000 * seed + index.
ExperimentSpec EnsembleMemberSpec(const ExperimentSpec& spec, int index);

struct EnsembleEvaluation {
  double base_top1 = 0;
  std::vector<double> member_top1;  // each member alone
  double ensemble_top1 = 0;         // the averaged softmax outputs
};

// Evaluates the trained ensemble in run folder `dir` (spec `spec`) on its
// test split.
absl::StatusOr<EnsembleEvaluation> EvaluateEnsemble(const ExperimentSpec& spec,
                                                    const std::string& dir);

// Trains, resumes or reads the ensemble of `spec` (a spec with an `ensemble`
// block); the base and members are trained by TrainRun (run/train_run.h).
absl::StatusOr<RunOutcome> RunEnsemble(const ExperimentSpec& spec, const RunOptions& options);

}  // namespace rwn

#endif  // RWN_RUN_ENSEMBLE_H_
