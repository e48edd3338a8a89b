// Selector `batchnorm`: learns gamma and beta of every batch-norm layer
// (paper Table 1, "BN": far above chance on its own for DenseNet). Running
// statistics always update. A model without batch norm selects nothing.
//
// Example spec:
//   learn { selector { batchnorm { } } also_learn_batchnorm: false also_learn_classifier: false }
#include "selectors/batchnorm.pb.h"
#include "selectors/selector.h"

namespace rwn {
namespace {

class Batchnorm : public Selector {
 public:
  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    LearnPlan plan;
    for (const Layer& layer : network.layers) {
      if (layer.kind != LayerKind::kBatchNorm) continue;
      plan[layer.weight] = TensorPlan::All();
      plan[layer.bias] = TensorPlan::All();
    }
    return plan;
  }
};

absl::StatusOr<std::unique_ptr<Selector>> CreateBatchnorm(const BatchnormSpec&,
                                                          const SelectorContext&) {
  return std::unique_ptr<Selector>(new Batchnorm());
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, batchnorm, BatchnormSpec, CreateBatchnorm, "");

}  // namespace rwn
