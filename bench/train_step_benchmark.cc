// One training step (forward, backward, SGD update) per iteration, on random
// 3x32x32 input, for the paper's small CIFAR models under different learn
// plans. items/s is images per second.
//
//   bazel run //bench:train_step_benchmark -- --benchmark_min_time=1
//
// (.bazelrc already compiles with -O2.)
//
// Configurations: all learned; 10% of filters on the fast (split conv) path,
// on the dense masked path, and with the fixed part zeroed; BN only; fc
// only; and a forward pass alone for reference.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/runtime.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

struct Config {
  const char* name;
  const char* learn;  // LearnSpec text; nullptr: everything learned
  bool train;         // false: forward only (eval mode, inference mode)
};

const Config kConfigs[] = {
    {"all_learned", nullptr, true},
    {"filters10_fast", "selector { filter_fraction { fraction: 0.1 } }", true},
    {"filters10_masked", "selector { filter_fraction { fraction: 0.1 } } dense_mask: true", true},
    {"filters10_zeroed", "selector { filter_fraction { fraction: 0.1 } } fixed: ZERO", true},
    {"bn_only", "classifier: false", true},
    {"fc_only", "batchnorm: false", true},
    {"forward_only", nullptr, false},
};

const std::pair<const char*, const char*> kModels[] = {
    {"ResNet-20", "resnet { depth: 20 }"},
    {"WRN-16-4", "wide_resnet { depth: 16 widen_factor: 4 }"},
    {"DenseNet-BC-40-12", "densenet { depth: 40 growth_rate: 12 }"},
};

template <class T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s\n", std::string(value.status().message()).c_str());
    std::abort();
  }
  return std::move(*value);
}

void TrainStep(benchmark::State& state, const std::string& model_text, const Config& config) {
  const int64_t batch = state.range(0);
  ModelSpec model;
  if (!ParseTextProto(model_text, "model", &model).ok()) std::abort();
  auto network = OrDie(ModelRegistry::Global().CreateFromOneof(model, ModelContext{3, 32, 32, 10, 1}));
  LearnSpec learn;
  if (config.learn && !ParseTextProto(config.learn, "learn", &learn).ok()) std::abort();
  LearnPlan plan = OrDie(BuildPlan(config.learn ? &learn : nullptr, *network, 1));
  auto learned = OrDie(ApplyPlan(
      plan, ApplyOptions{learn.fixed() == LearnSpec::ZERO, learn.dense_mask()}, network.get()));
  OptimizerSpec sgd;
  sgd.mutable_sgd();
  auto optimizer = OrDie(OptimizerRegistry::Global().CreateFromOneof(sgd, OptimizerContext{learned}));
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({batch, 3, 32, 32});
  const torch::Tensor y = torch::randint(10, {batch}, torch::kInt64);
  const PlanCount count = CountPlan(plan, *network);
  if (config.train) {
    network->module->train();
    for (auto _ : state) {
      optimizer->ZeroGrad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(network->forward(x), y);
      loss.backward();
      optimizer->Step(0.1);
    }
  } else {
    network->module->eval();
    c10::InferenceMode inference;
    for (auto _ : state) benchmark::DoNotOptimize(network->forward(x));
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["learned_fraction"] = static_cast<double>(count.learned) / count.params;
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  const int threads = rwn::InitRuntime(/*threads=*/0);
  for (const auto& [model, text] : rwn::kModels) {
    for (const rwn::Config& config : rwn::kConfigs) {
      const std::string spec = text;
      benchmark::RegisterBenchmark(
          (std::string("train_step/") + model + "/" + config.name).c_str(),
          [spec, config](benchmark::State& state) { rwn::TrainStep(state, spec, config); })
          ->Arg(64)
          ->Arg(128)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  std::fprintf(stderr, "libtorch threads: %d\n", threads);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
