// Loading a trained run back from its folder: the network rebuilt from the
// spec and seed (and, for a run started from another, that run's weights),
// its learned weights restored from the checkpoint.
#ifndef RWN_RUN_LOAD_H_
#define RWN_RUN_LOAD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "models/model.h"
#include "selectors/selector.h"

namespace rwn {

class Dataset;

struct LoadedRun {
  ExperimentSpec spec;
  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<Network> network;  // fixed weights regenerated, learned ones restored
  LearnPlan plan;
  int epochs = 0;  // epochs the checkpoint had completed
};

// Loads run folder `dir`, after checking the regenerated fixed weights
// against the checkpoint's checksum (DataLoss when they differ).
absl::StatusOr<LoadedRun> LoadRun(const std::string& dir);

// The plain network `spec` starts from when it has init_from (the run it
// names, loaded, its plan undone), or null. A relative init_from is taken
// from `run_dir`.
absl::StatusOr<std::shared_ptr<Network>> LoadInitialWeights(const ExperimentSpec& spec,
                                                            const std::string& run_dir);

}  // namespace rwn

#endif  // RWN_RUN_LOAD_H_
