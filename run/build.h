// Building a run from its spec: the one way rwn turns an ExperimentSpec into
// what training needs (docs/design.md, "Runs"). Nothing here trains or
// writes a file; every error names the spec block it comes from
// ("dataset.", "model.", "learn.", "optimizer.", "schedule.").
#ifndef RWN_RUN_BUILD_H_
#define RWN_RUN_BUILD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "models/model.h"
#include "selectors/plan.h"
#include "selectors/selector.h"

namespace rwn {

class Dataset;
class Optimizer;
class Schedule;

struct BuiltRun {
  std::shared_ptr<const Dataset> dataset;  // with its validation split, if any
  std::shared_ptr<Network> network;        // the learn plan applied
  LearnPlan plan;
  PlanCount count;
  std::unique_ptr<Optimizer> optimizer;  // over the learned tensors only
  std::unique_ptr<Schedule> schedule;    // null: the rate stays constant
  BuiltRun();
  BuiltRun(BuiltRun&&);
  BuiltRun& operator=(BuiltRun&&);
  ~BuiltRun();
};

struct BuildOptions {
  // Weights to start from instead of the seeded initialization (a spec's
  // init_from, loaded by LoadRun): a plain network (no plan applied) of the
  // same model and dataset. Null: the initialization.
  const Network* initial_weights = nullptr;
  std::string initial_weights_source;  // where they came from, for errors
  std::string device = "cpu";          // "cpu" or "cuda:N"
};

// The spec's dataset, with its validation split held out.
absl::StatusOr<std::shared_ptr<const Dataset>> BuildData(const ExperimentSpec& spec);

// The spec's model, initialized from its seed, for inputs and classes of
// `context` (its seed is the spec's).
absl::StatusOr<std::shared_ptr<Network>> BuildNetwork(const ExperimentSpec& spec,
                                                      ModelContext context);

// The spec's learn plan on `network` (everything when it has no learn block).
absl::StatusOr<LearnPlan> BuildLearnPlan(const ExperimentSpec& spec, const Network& network);

// Everything `spec` names, built and checked: the data, the network with
// its plan applied, the optimizer and the schedule. The spec's own fields
// are not checked here (ValidateSpec).
absl::StatusOr<BuiltRun> BuildRun(const ExperimentSpec& spec, const BuildOptions& options = {});

}  // namespace rwn

#endif  // RWN_RUN_BUILD_H_
