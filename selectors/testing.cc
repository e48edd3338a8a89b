#include "selectors/testing.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "core/text_proto.h"
#include "optim/optimizer.pb.h"
#include "selectors/plan.h"
#include "torch_support/compat.h"

namespace rwn {

const std::map<std::string, std::string>& SampleSelectorSpecs() {
  static const auto* specs =
      new std::map<std::string, std::string>(SelectorRegistry::Global().ExampleSpecs());
  return *specs;
}

absl::StatusOr<LearnPlan> PlanFor(const std::string& learn_text, const Network& network) {
  LearnSpec learn;
  absl::Status parsed = ParseTextProto(learn_text, "learn", &learn);
  if (!parsed.ok()) return parsed;
  return BuildPlan(&learn, network, /*seed=*/1);
}

void SgdSteps(Network& network, const std::vector<LearnedTensor>& learned, int steps,
              int64_t channels, int64_t size, std::vector<at::Tensor>* grad_sum,
              const StepOptions& options) {
  OptimizerSpec spec;
  spec.mutable_sgd()->set_lr(0.1);
  spec.mutable_sgd()->set_momentum(0.9);
  spec.mutable_sgd()->set_weight_decay(5e-4);
  auto sgd = OptimizerRegistry::Global().CreateFromOneof(spec, OptimizerContext{learned});
  if (!sgd.ok()) std::abort();
  if (grad_sum) grad_sum->assign(learned.size(), torch::Tensor());
  if (learned.empty()) return;
  const auto dtype = network.module->parameters()[0].scalar_type();
  torch::manual_seed(3);
  network.module->train();
  for (int step = 0; step < steps; ++step) {
    torch::Tensor x = torch::randn({4, channels, size, size}).to(dtype);
    if (options.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    torch::Tensor y = torch::randint(10, {4}, torch::kInt64);
    (*sgd)->ZeroGrad();
    torch::Tensor logits;
    if (options.bfloat16) {
      Autocast autocast(c10::DeviceType::CPU, at::kBFloat16);
      logits = network.forward(x).to(torch::kFloat32);
    } else {
      logits = network.forward(x);
    }
    torch::nn::functional::cross_entropy(logits, y).backward();
    if (grad_sum) {
      for (size_t i = 0; i < learned.size(); ++i) {
        const torch::Tensor grad = learned[i].tensor.grad();
        if (!grad.defined()) continue;
        torch::Tensor& sum = (*grad_sum)[i];
        sum = sum.defined() ? sum + grad.abs() : grad.abs();
      }
    }
    (*sgd)->Step(0.1);
  }
}

}  // namespace rwn
