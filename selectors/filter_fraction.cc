// Selector `filter_fraction`: learns the first int(p * out_channels) filters
// of every conv layer (paper Section 3.1, "fractional layers"; Figures 1, 3,
// 4, 5 and Tables 2, 3). A conv bias, where there is one, follows its
// filters. A layer where int(p * out_channels) is 0 learns nothing (the paper
// stops at p = 0.07 because WRN's 16-filter layers would get none). Batch
// norm and fc are added at the spec level (LearnSpec.batchnorm, .classifier).
//
// Example spec:
//   learn { selector { filter_fraction { fraction: 0.1 } } }
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "selectors/filter_fraction.pb.h"
#include "selectors/selector.h"

namespace rwn {
namespace {

class FilterFraction : public Selector {
 public:
  explicit FilterFraction(double fraction) : fraction_(fraction) {}

  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    LearnPlan plan;
    for (const Layer& layer : network.layers) {
      if (layer.kind != LayerKind::kConv) continue;
      // int(p * out) exactly as the paper's code computes it (double, truncated).
      const int64_t count = static_cast<int64_t>(fraction_ * layer.out_channels);
      if (count == 0) continue;
      const TensorPlan filters = count >= layer.out_channels
                                     ? TensorPlan::All()
                                     : TensorPlan::Slice(/*dim=*/0, /*begin=*/0, count);
      plan[layer.weight] = filters;
      if (!layer.bias.empty()) plan[layer.bias] = filters;
    }
    return plan;
  }

 private:
  double fraction_;
};

absl::StatusOr<std::unique_ptr<Selector>> CreateFilterFraction(const FilterFractionSpec& spec,
                                                               const SelectorContext&) {
  if (!spec.has_fraction()) {
    return absl::InvalidArgumentError("fraction is not set; allowed: 0 < fraction <= 1");
  }
  if (!(spec.fraction() > 0 && spec.fraction() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fraction = ", spec.fraction(), "; allowed: 0 < fraction <= 1"));
  }
  return std::unique_ptr<Selector>(new FilterFraction(spec.fraction()));
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, filter_fraction, FilterFractionSpec, CreateFilterFraction);

}  // namespace rwn
