// The training step the benchmarks measure and profile: one of the paper's
// small CIFAR models, a learn configuration, random 3x32x32 input.
#ifndef RWN_BENCH_STEP_H_
#define RWN_BENCH_STEP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model.h"
#include "optim/optimizer.h"
#include "train/trainer.h"

namespace rwn {

struct StepConfig {
  std::string name;
  const char* learn;  // LearnSpec text; nullptr: everything learned
  bool train;         // false: forward only (eval mode, inference mode)
  ComputeOptions compute = {};
};

// all_learned, bn_only, fc_only, last_block, filters10_{fast,masked,zeroed},
// all_learned_bf16, filters10_fast_bf16, forward_only; then each of them in
// channels-last, named with the suffix kChannelsLast
// (all_learned_channels_last, ...).
inline constexpr char kChannelsLast[] = "_channels_last";
const std::vector<StepConfig>& StepConfigs();

// (name, ModelSpec text): ResNet-20, WRN-16-4, DenseNet-BC-40-12.
const std::vector<std::pair<std::string, std::string>>& StepModels();

class TrainStep {
 public:
  // Dies with a message on a bad model or config.
  TrainStep(const std::string& model_text, const StepConfig& config, int64_t batch);
  // One step: forward, cross-entropy, backward, SGD update (or a forward pass).
  void Run();
  double learned_fraction() const { return learned_fraction_; }

 private:
  StepConfig config_;
  std::shared_ptr<Network> network_;
  std::unique_ptr<Optimizer> optimizer_;
  at::Tensor x_, y_;
  double learned_fraction_ = 1;
};

}  // namespace rwn

#endif  // RWN_BENCH_STEP_H_
