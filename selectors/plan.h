// Learn plans: the union of selectors, counting, and applying a plan to a
// network (DESIGN.md section 5).
#ifndef RWN_SELECTORS_PLAN_H_
#define RWN_SELECTORS_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "selectors/selector.h"
#include "selectors/selector.pb.h"

namespace rwn {

// `a` and `b` together: whole wins; slices of one dimension that overlap or
// touch merge into one slice; anything else becomes a mask. `network` gives
// the parameter shapes.
LearnPlan UnionPlans(const LearnPlan& a, const LearnPlan& b, const Network& network);

// The plan of a `learn` block: the union of its selectors, plus every batch
// norm layer and the final linear layer when `learn.batchnorm` /
// `learn.classifier` say so. `learn == nullptr` learns everything.
absl::StatusOr<LearnPlan> BuildPlan(const LearnSpec* learn, const Network& network,
                                    uint64_t seed);

// Learned entries of `param` under `plan` (0 when absent).
int64_t LearnedCount(const LearnPlan& plan, const std::string& param, const at::Tensor& tensor);

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

// Makes `network` learn exactly `plan`: fixed parameters stop requiring
// gradients; a parameter learned in part gets a gradient mask (and the
// optimizer an update mask); with `zero_fixed`, the fixed entries of conv
// layers are set to zero. Returns the learned tensors, the only ones an
// optimizer may receive.
absl::StatusOr<std::vector<LearnedTensor>> ApplyPlan(const LearnPlan& plan, bool zero_fixed,
                                                     Network* network);

}  // namespace rwn

#endif  // RWN_SELECTORS_PLAN_H_
