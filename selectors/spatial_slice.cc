// Selector `spatial_slice`: learns a slice of every conv kernel's spatial
// extent (paper Section 4.1, dim_slice = 3 and 4 in Figure 2): kernel rows
// (weight dim 2), columns (dim 3), or positions in row-major order. All
// filters and inputs learn, only at the selected places. These slices cannot
// be split into smaller convs, so they train on the dense masked path. Conv
// biases stay fixed.
//
// Example spec:
//   learn { selector { spatial_slice { axis: ROWS count: 1 } } }
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "selectors/selector.h"
#include "selectors/slice.h"
#include "selectors/spatial_slice.pb.h"

namespace rwn {
namespace {

class SpatialSlice : public Selector {
 public:
  SpatialSlice(const SpatialSliceSpec& spec, uint64_t seed) : spec_(spec), seed_(seed) {}

  std::string SlicedDimension() const override {
    switch (spec_.axis()) {
      case SpatialSliceSpec::ROWS:
        return "3 rows";
      case SpatialSliceSpec::COLUMNS:
        return "4 columns";
      case SpatialSliceSpec::POSITIONS:
        break;
    }
    return "3-4 positions";
  }

  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    absl::StatusOr<std::vector<const Layer*>> convs = ConvLayersIn(network, spec_.group());
    if (!convs.ok()) return convs.status();
    const SliceRule rule = SliceRuleOf(spec_);
    if (spec_.axis() != SpatialSliceSpec::POSITIONS) {
      return SliceConvs(*convs, rule, spec_.axis() == SpatialSliceSpec::ROWS ? 2 : 3, seed_);
    }
    // Positions: slice the flattened k*k positions, then view back.
    LearnPlan plan;
    for (const Layer* layer : *convs) {
      const std::vector<int64_t>& shape = layer->shape;
      const std::vector<int64_t> flat = {shape[0], shape[1], shape[2] * shape[3]};
      bool empty = false;
      TensorPlan positions = SlicePlan(rule, /*dim=*/2, flat, seed_, layer->name, &empty);
      if (empty) continue;
      if (positions.kind == TensorPlan::kAll) {
        plan[layer->weight] = positions;
        continue;
      }
      TensorPlan mask;
      mask.kind = TensorPlan::kMask;
      if (positions.kind == TensorPlan::kSlice) {
        mask.mask = torch::zeros(flat, torch::kBool);
        mask.mask.narrow(2, positions.begin, positions.end - positions.begin).fill_(true);
      } else {
        mask.mask = positions.mask;
      }
      mask.mask = mask.mask.view(shape).contiguous();
      plan[layer->weight] = mask;
    }
    return plan;
  }

 private:
  SpatialSliceSpec spec_;
  uint64_t seed_;
};

absl::StatusOr<std::unique_ptr<Selector>> CreateSpatialSlice(const SpatialSliceSpec& spec,
                                                             const SelectorContext& context) {
  absl::Status amount =
      CheckAmount(spec.has_fraction(), spec.fraction(), spec.has_count(), spec.count());
  if (!amount.ok()) return amount;
  return std::unique_ptr<Selector>(new SpatialSlice(spec, context.seed));
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, spatial_slice, SpatialSliceSpec, CreateSpatialSlice,
                    "axis: POSITIONS count: 4 min_one: true", "axis: ROWS count: 1");

}  // namespace rwn
