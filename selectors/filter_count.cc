// Selector `filter_count`: learns k filters of every conv layer, capped at
// the layer's filters (paper Section 3.1, "integer number of filters"; the
// shaded areas of Figures 1 and 4, k = 1, 5, 10). Learning a single filter
// per layer already trains well above chance. A conv bias follows its
// filters.
//
// Example spec:
//   learn { selector { filter_count { count: 1 } } }
#include "absl/strings/str_cat.h"
#include "selectors/filter_count.pb.h"
#include "selectors/selector.h"
#include "selectors/slice.h"

namespace rwn {
namespace {

class FilterCount : public Selector {
 public:
  FilterCount(const FilterCountSpec& spec, uint64_t seed) : spec_(spec), seed_(seed) {}

  std::string SlicedDimension() const override { return "1 filters"; }

  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    absl::StatusOr<std::vector<const Layer*>> convs = ConvLayersIn(network, spec_.group());
    if (!convs.ok()) return convs.status();
    SliceRule rule;
    rule.count = spec_.count();
    rule.end = spec_.end();
    rule.complement = spec_.complement();
    return SliceConvs(*convs, rule, /*dim=*/0, seed_);
  }

 private:
  FilterCountSpec spec_;
  uint64_t seed_;
};

absl::StatusOr<std::unique_ptr<Selector>> CreateFilterCount(const FilterCountSpec& spec,
                                                            const SelectorContext& context) {
  if (!spec.has_count()) return absl::InvalidArgumentError("count is not set; allowed: >= 1");
  absl::Status amount = CheckAmount(false, 0, true, spec.count());
  if (!amount.ok()) return amount;
  return std::unique_ptr<Selector>(new FilterCount(spec, context.seed));
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, filter_count, FilterCountSpec, CreateFilterCount, "count: 2");

}  // namespace rwn
