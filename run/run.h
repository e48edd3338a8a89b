// Running an experiment spec into its run folder (run/run_folder.h): one
// training run (run/train_run.h) or a cheap ensemble (run/ensemble.h).
#ifndef RWN_RUN_RUN_H_
#define RWN_RUN_RUN_H_

#include <string>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "run/run_options.h"

namespace rwn {

// Checks the spec and everything it names (dataset, model, learn plan,
// optimizer), without training or writing anything; init_from is not
// loaded.
absl::Status CheckSpec(const ExperimentSpec& spec);

// Trains `spec` (or reads its finished run) under `options.out`.
absl::StatusOr<RunOutcome> RunExperiment(const ExperimentSpec& spec, const RunOptions& options);

// Parses `path` and checks its values (ValidateSpec, and for `device`),
// without building anything; errors are prefixed with the path.
absl::StatusOr<ExperimentSpec> ReadExperimentFile(const std::string& path,
                                                  const std::string& device);

// Parses `path` and runs it; errors are prefixed with the path.
absl::StatusOr<RunOutcome> RunExperimentFile(const std::string& path, const RunOptions& options);

}  // namespace rwn

#endif  // RWN_RUN_RUN_H_
