// One training step (forward, backward, SGD update) per iteration, on random
// 3x32x32 input, for the paper's small CIFAR models under different learn
// plans, at batch 64 and 128. items/s is images per second.
//
//   bazel run //bench:train_step_benchmark -- --markdown=$PWD/bench/train_step.md
//
// (.bazelrc already compiles with -O2.) --markdown=F also writes the results
// as Markdown tables: img/s, the cost of a step in forward passes of the
// same model and batch, and the speed-up over learning everything.
//
// Configurations: all learned; BN only; fc only; the last block (block3, and
// fc); 10% of filters on the fast (split conv) path, on the dense masked
// path, and with the fixed part zeroed; all learned with channels-last
// layout and with bfloat16 autocast; and a forward pass alone.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/runtime.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "selectors/plan.h"
#include "train/trainer.h"

namespace rwn {
namespace {

struct Config {
  const char* name;
  const char* learn;  // LearnSpec text; nullptr: everything learned
  bool train;         // false: forward only (eval mode, inference mode)
  ComputeOptions compute = {};
};

const Config kConfigs[] = {
    {"all_learned", nullptr, true},
    {"bn_only", "classifier: false", true},
    {"fc_only", "batchnorm: false", true},
    {"last_block", "selector { layer_group { group: 'block3' } } batchnorm: false", true},
    {"filters10_fast", "selector { filter_fraction { fraction: 0.1 } }", true},
    {"filters10_masked", "selector { filter_fraction { fraction: 0.1 } } dense_mask: true", true},
    {"filters10_zeroed", "selector { filter_fraction { fraction: 0.1 } } fixed: ZERO", true},
    {"all_learned_channels_last", nullptr, true, {true, false}},
    {"all_learned_bf16", nullptr, true, {false, true}},
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
  if (config.compute.channels_last) UseChannelsLast(network.get());
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({batch, 3, 32, 32});
  const torch::Tensor y = torch::randint(10, {batch}, torch::kInt64);
  const PlanCount count = CountPlan(plan, *network);
  if (config.train) {
    network->module->train();
    for (auto _ : state) {
      optimizer->ZeroGrad();
      torch::Tensor loss =
          torch::nn::functional::cross_entropy(Forward(*network, x, config.compute), y);
      loss.backward();
      optimizer->Step(0.1);
    }
  } else {
    network->module->eval();
    c10::InferenceMode inference;
    for (auto _ : state) benchmark::DoNotOptimize(Forward(*network, x, config.compute));
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["learned_fraction"] = static_cast<double>(count.learned) / count.params;
}

// The console output, and the same results as Markdown tables (one per batch
// size) in the file given by --markdown.
class MarkdownReporter : public benchmark::ConsoleReporter {
 public:
  explicit MarkdownReporter(std::string path) : path_(std::move(path)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      // train_step/<model>/<config>/<batch>/real_time
      std::vector<std::string> parts = absl::StrSplit(run.benchmark_name(), '/');
      if (parts.size() < 4) continue;
      auto rate = run.counters.find("items_per_second");
      if (rate == run.counters.end()) continue;
      results_[std::stoi(parts[3])][parts[1]][parts[2]] = rate->second.value;
      if (std::find(models_.begin(), models_.end(), parts[1]) == models_.end()) {
        models_.push_back(parts[1]);
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    if (path_.empty()) return;
    std::string out;
    for (const auto& [batch, by_model] : results_) {
      absl::StrAppend(&out, "\n### Batch ", batch, "\n\n",
                      "| model | configuration | img/s | step cost in forward passes | speed-up over all learned |\n"
                      "|---|---|---:|---:|---:|\n");
      for (const std::string& model : models_) {
        auto found = by_model.find(model);
        if (found == by_model.end()) continue;
        const auto& rates = found->second;
        for (const Config& config : kConfigs) {
          auto rate = rates.find(config.name);
          if (rate == rates.end()) continue;
          auto ratio = [&](const char* other, bool inverse) -> std::string {
            auto it = rates.find(other);
            if (it == rates.end()) return "–";
            return absl::StrFormat("%.2f", inverse ? it->second / rate->second : rate->second / it->second);
          };
          absl::StrAppend(&out, "| ", model, " | ", config.name, " | ",
                          absl::StrFormat("%.0f", rate->second), " | ",
                          ratio("forward_only", true), " | ", ratio("all_learned", false), " |\n");
        }
      }
    }
    std::ofstream(path_) << out;
  }

 private:
  std::string path_;
  std::map<int, std::map<std::string, std::map<std::string, double>>> results_;
  std::vector<std::string> models_;
};

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  const int threads = rwn::InitRuntime(/*threads=*/0);
  std::string markdown;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--markdown=", 0) == 0) {
      markdown = std::string(argv[i]).substr(11);
      std::copy(argv + i + 1, argv + argc, argv + i);
      --argc;
      break;
    }
  }
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
  rwn::MarkdownReporter reporter(markdown);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
