// Selector `classifier`: learns the final fully-connected layer, whole (the
// paper's "fc" row of Table 1 with BN off; the usual fine-tuning baseline).
//
// Example spec:
//   learn { selector { classifier { } } also_learn_batchnorm: false }
#include "selectors/classifier.pb.h"
#include "selectors/selector.h"

namespace rwn {
namespace {

class Classifier : public Selector {
 public:
  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    LearnPlan plan;
    for (auto it = network.layers.rbegin(); it != network.layers.rend(); ++it) {
      if (it->kind != LayerKind::kLinear) continue;
      plan[it->weight] = TensorPlan::All();
      if (!it->bias.empty()) plan[it->bias] = TensorPlan::All();
      break;
    }
    return plan;
  }
};

absl::StatusOr<std::unique_ptr<Selector>> CreateClassifier(const ClassifierSpec&,
                                                           const SelectorContext&) {
  return std::unique_ptr<Selector>(new Classifier());
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, classifier, ClassifierSpec, CreateClassifier, "");

}  // namespace rwn
