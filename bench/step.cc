#include "bench/step.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "core/text_proto.h"
#include "models/model.pb.h"
#include "optim/optimizer.pb.h"
#include "selectors/plan.h"
#include "selectors/selector.pb.h"

namespace rwn {
namespace {

template <class T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s\n", std::string(value.status().message()).c_str());
    std::abort();
  }
  return std::move(*value);
}

}  // namespace

const std::vector<StepConfig>& StepConfigs() {
  static const auto* configs = [] {
    auto* list = new std::vector<StepConfig>{
        {"all_learned", nullptr, true},
        {"bn_only", "also_learn_classifier: false", true},
        {"fc_only", "also_learn_batchnorm: false", true},
        {"last_block", "selector { layer_group { group: 'block3' } } also_learn_batchnorm: false",
         true},
        {"filters10_fast", "selector { filter_fraction { fraction: 0.1 } }", true},
        {"filters10_masked", "selector { filter_fraction { fraction: 0.1 } } dense_mask: true",
         true},
        {"filters10_zeroed", "selector { filter_fraction { fraction: 0.1 } } fixed: ZERO", true},
        {"all_learned_bf16", nullptr, true, {false, true}},
        {"filters10_fast_bf16",
         "selector { filter_fraction { fraction: 0.1 } }",
         true,
         {false, true}},
        {"forward_only", nullptr, false},
    };
    // Each configuration again in channels-last, rwn's default layout on a
    // CPU (run/train_run.cc, ChannelsLast).
    const size_t plain = list->size();
    for (size_t i = 0; i < plain; ++i) {
      StepConfig twin = (*list)[i];
      twin.name += kChannelsLast;
      twin.compute.channels_last = true;
      list->push_back(twin);
    }
    return list;
  }();
  return *configs;
}

const std::vector<std::pair<std::string, std::string>>& StepModels() {
  static const auto* models = new std::vector<std::pair<std::string, std::string>>{
      {"ResNet-20", "resnet { depth: 20 }"},
      {"WRN-16-4", "wide_resnet { depth: 16 widen_factor: 4 }"},
      {"DenseNet-BC-40-12", "densenet { depth: 40 growth_rate: 12 }"},
  };
  return *models;
}

TrainStep::TrainStep(const std::string& model_text, const StepConfig& config, int64_t batch)
    : config_(config) {
  ModelSpec model;
  if (!ParseTextProto(model_text, "model", &model).ok()) std::abort();
  network_ = OrDie(ModelRegistry::Global().CreateFromOneof(model, ModelContext{3, 32, 32, 10, 1}));
  LearnSpec learn;
  if (config.learn && !ParseTextProto(config.learn, "learn", &learn).ok()) std::abort();
  LearnPlan plan = OrDie(BuildPlan(config.learn ? &learn : nullptr, *network_, 1));
  auto learned = OrDie(ApplyPlan(
      plan, ApplyOptions{learn.fixed() == LearnSpec::ZERO, learn.dense_mask()}, network_.get()));
  OptimizerSpec sgd;
  sgd.mutable_sgd();
  optimizer_ = OrDie(OptimizerRegistry::Global().CreateFromOneof(sgd, OptimizerContext{learned}));
  if (config.compute.channels_last) UseChannelsLast(network_.get());
  const PlanCount count = CountPlan(plan, *network_);
  learned_fraction_ = static_cast<double>(count.learned) / count.params;
  torch::manual_seed(1);
  x_ = torch::randn({batch, 3, 32, 32});
  y_ = torch::randint(10, {batch}, torch::kInt64);
  if (config.train) {
    network_->module->train();
  } else {
    network_->module->eval();
  }
}

void TrainStep::Run() {
  if (!config_.train) {
    c10::InferenceMode inference;
    Forward(*network_, x_, config_.compute);
    return;
  }
  optimizer_->ZeroGrad();
  torch::Tensor loss =
      torch::nn::functional::cross_entropy(Forward(*network_, x_, config_.compute), y_);
  loss.backward();
  optimizer_->Step(0.1);
}

}  // namespace rwn
