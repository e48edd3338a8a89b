// Selector `input_slice`: learns a slice of every conv filter's input
// channels (weight dim 1; paper Section 4.1, dim_slice = 2 in Figure 2). All
// filters learn, each only for the selected inputs. The paper finds this
// worse than learning whole filters at the same parameter count. Conv biases
// stay fixed (biases only split along dim 0).
//
// Example spec:
//   learn { selector { input_slice { fraction: 0.1 min_one: true } } }
#include "absl/strings/str_cat.h"
#include "selectors/input_slice.pb.h"
#include "selectors/selector.h"
#include "selectors/slice.h"

namespace rwn {
namespace {

class InputSlice : public Selector {
 public:
  InputSlice(const InputSliceSpec& spec, uint64_t seed) : spec_(spec), seed_(seed) {}

  std::string SlicedDimension() const override { return "2 inputs"; }

  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    absl::StatusOr<std::vector<const Layer*>> convs = ConvLayersIn(network, spec_.group());
    if (!convs.ok()) return convs.status();
    const SliceRule rule = SliceRuleOf(spec_);
    return SliceConvs(*convs, rule, /*dim=*/1, seed_);
  }

 private:
  InputSliceSpec spec_;
  uint64_t seed_;
};

absl::StatusOr<std::unique_ptr<Selector>> CreateInputSlice(const InputSliceSpec& spec,
                                                           const SelectorContext& context) {
  absl::Status amount =
      CheckAmount(spec.has_fraction(), spec.fraction(), spec.has_count(), spec.count());
  if (!amount.ok()) return amount;
  return std::unique_ptr<Selector>(new InputSlice(spec, context.seed));
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, input_slice, InputSliceSpec, CreateInputSlice,
                    "fraction: 0.5 min_one: true");

}  // namespace rwn
