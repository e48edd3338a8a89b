// Learn plans: the union of selectors, counting, and applying a plan to a
// network (docs/design.md, "Learn plans and the two conv paths").
#ifndef RWN_SELECTORS_PLAN_H_
#define RWN_SELECTORS_PLAN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "selectors/selector.h"
#include "selectors/selector.pb.h"

namespace rwn {

// Parameter name -> shape, from the layer table (valid before and after a
// plan is applied).
std::map<std::string, std::vector<int64_t>> ParamShapes(const Network& network);

// `a` and `b` together: whole wins; slices of one dimension that overlap or
// touch merge into one slice; anything else becomes a mask.
LearnPlan UnionPlans(const LearnPlan& a, const LearnPlan& b, const Network& network);

// The plan of a `learn` block: the union of its selectors' plans, with the
// `batchnorm` and `classifier` selectors added when also_learn_batchnorm /
// also_learn_classifier say so. `learn == nullptr` learns everything. A
// block that sets the old names `batchnorm` or `classifier` is refused with
// the new one.
absl::StatusOr<LearnPlan> BuildPlan(const LearnSpec* learn, const Network& network, uint64_t seed);

// Learned entries of a parameter of `shape` under `plan` (0 when absent).
int64_t LearnedCount(const LearnPlan& plan, const std::string& param,
                     const std::vector<int64_t>& shape);

struct LayerCount {
  std::string layer;  // the layer table's name
  std::string group;
  int64_t params = 0;
  int64_t learned = 0;
};

struct PlanCount {
  std::vector<LayerCount> layers;  // forward order
  int64_t params = 0;
  int64_t learned = 0;  // the paper's "Eff. Params"
};

PlanCount CountPlan(const LearnPlan& plan, const Network& network);

struct ApplyOptions {
  bool zero_fixed = false;  // fixed conv entries are zero (LearnSpec.ZERO)
  bool dense_mask = false;  // never split convs (LearnSpec.dense_mask)
};

// Makes `network` learn exactly `plan` (docs/design.md, "Learn plans and the two conv paths"). A
// conv whose filters (dim 0) or inputs (dim 1) are sliced is split into a learned and a fixed conv
// (models/conv.h); a zeroed fixed part is dropped. Wholly fixed parameters stop requiring
// gradients. Anything else keeps its tensor and gets an update mask (the dense masked path).
// Returns the learned tensors, the only ones an optimizer may receive, named as in the layer table.
absl::StatusOr<std::vector<LearnedTensor>> ApplyPlan(const LearnPlan& plan,
                                                     const ApplyOptions& options, Network* network);

// The current value of layer-table parameter `name` (e.g. "conv1.weight"),
// assembled from its parts when its conv was split.
at::Tensor CurrentValue(const Network& network, const std::string& name);

// The bool mask of the entries of a parameter of `shape` that `plan` learns
// (all false when it is absent).
at::Tensor LearnedMask(const LearnPlan& plan, const std::string& name,
                       const std::vector<int64_t>& shape);

// Turns a network that had a plan applied back into a plain one with the
// same outputs: split convs merge into one weight, every parameter requires
// gradients again.
void ExportPlain(Network* network);

}  // namespace rwn

#endif  // RWN_SELECTORS_PLAN_H_
