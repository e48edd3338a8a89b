// Test helpers for selectors: a representative spec of every selector, and
// a few SGD steps on random data.
#ifndef RWN_SELECTORS_TESTING_H_
#define RWN_SELECTORS_TESTING_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "selectors/selector.h"

namespace rwn {

// Label -> SelectorSpec text: every example each registered selector gives
// (RWN_REGISTER_PLUGIN), labelled "<name>" for its first and "<name>_<i>"
// for its i-th.
const std::map<std::string, std::string>& SampleSelectorSpecs();

// The plan of a LearnSpec in text format on `network`, or its error.
absl::StatusOr<LearnPlan> PlanFor(const std::string& learn_text, const Network& network);

// How SgdSteps runs its forward pass.
struct StepOptions {
  bool bfloat16 = false;       // forward under the CPU's bfloat16 autocast, as the trainer runs it
  bool channels_last = false;  // channels-last inputs (call UseChannelsLast on the network first)
};

// `steps` SGD steps (lr 0.1, momentum 0.9, weight decay 5e-4) on a fixed
// random batch stream of `channels`x`size`x`size` images and 10 classes,
// run as `options` says. Inputs have the dtype of the network's first
// parameter. When `grad_sum` is given, it receives the summed |gradient| of
// each learned tensor over the steps (undefined for a tensor that never
// received one). Does nothing when nothing is learned.
void SgdSteps(Network& network, const std::vector<LearnedTensor>& learned, int steps,
              int64_t channels, int64_t size, std::vector<at::Tensor>* grad_sum = nullptr,
              const StepOptions& options = {});

}  // namespace rwn

#endif  // RWN_SELECTORS_TESTING_H_
