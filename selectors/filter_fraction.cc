// Selector `filter_fraction`: learns int(p * out_channels) filters of every
// conv layer (paper Section 3.1, "fractional layers"; Figures 1, 3, 4, 5 and
// Tables 2, 3). A conv bias, where there is one, follows its filters. A
// layer where int(p * out_channels) is 0 learns nothing unless `min_one`
// (the paper stops at p = 0.07 because WRN's 16-filter layers would get
// none). Batch norm and fc are added at the spec level (LearnSpec.batchnorm,
// LearnSpec.classifier).
//
// Example spec:
//   learn { selector { filter_fraction { fraction: 0.1 end: LAST } } }
#include "absl/strings/str_cat.h"
#include "selectors/filter_fraction.pb.h"
#include "selectors/selector.h"
#include "selectors/slice.h"

namespace rwn {
namespace {

class FilterFraction : public Selector {
 public:
  FilterFraction(const FilterFractionSpec& spec, uint64_t seed) : spec_(spec), seed_(seed) {}

  std::string SlicedDimension() const override { return "1 filters"; }

  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    absl::StatusOr<std::vector<const Layer*>> convs = ConvLayersIn(network, spec_.group());
    if (!convs.ok()) return convs.status();
    SliceRule rule;
    rule.fraction = spec_.fraction();
    rule.min_one = spec_.min_one();
    rule.end = spec_.end();
    rule.complement = spec_.complement();
    return SliceConvs(*convs, rule, /*dim=*/0, seed_);
  }

 private:
  FilterFractionSpec spec_;
  uint64_t seed_;
};

absl::StatusOr<std::unique_ptr<Selector>> CreateFilterFraction(const FilterFractionSpec& spec,
                                                               const SelectorContext& context) {
  if (!spec.has_fraction()) {
    return absl::InvalidArgumentError("fraction is not set; allowed: 0 < fraction <= 1");
  }
  absl::Status amount = CheckAmount(true, spec.fraction(), false, 0);
  if (!amount.ok()) return amount;
  return std::unique_ptr<Selector>(new FilterFraction(spec, context.seed));
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, filter_fraction, FilterFractionSpec, CreateFilterFraction,
                    "fraction: 0.25", "fraction: 0.5 end: LAST", "fraction: 0.5 end: RANDOM",
                    "fraction: 0.75 complement: true");

}  // namespace rwn
