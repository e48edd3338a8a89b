// What a whole fc-only run costs with its frozen prefix computed once
// (`cache_frozen_prefix: true`, train/frozen_prefix.h), in forward passes over
// the training set: ResNet-20 on Fashion-MNIST (60,000 train and 10,000 test
// images, not augmented), learning only the classifier, 10 epochs, through
// the same code path as `rwn train`. For comparison, one epoch of the same
// run without the cache.
//
//   bazel run //bench:frozen_prefix_benchmark
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "core/text_proto.h"
#include "datasets/dataset.h"
#include "run/build.h"
#include "run/run.h"
#include "torch_support/runtime.h"
#include "train/trainer.h"

namespace rwn {
namespace {

constexpr char kSpec[] = R"pb(
  name: "bench/resnet-20/fc-only"
  model { resnet { depth: 20 } }
  dataset { fashion_mnist {} }
  learn { also_learn_batchnorm: false also_learn_classifier: true }
  optimizer { sgd { lr: 0.1 momentum: 0.9 weight_decay: 5e-4 } }
  epochs: 10
  batch_size: 128
  augment: false
  cache_frozen_prefix: true
)pb";

std::map<std::string, double> seconds;

ExperimentSpec Spec() {
  ExperimentSpec spec;
  if (!ParseTextProto(kSpec, "spec", &spec).ok()) std::abort();
  return spec;
}

void Run(benchmark::State& state, const std::string& name, const ExperimentSpec& spec) {
  for (auto _ : state) {
    const std::string out =
        (std::filesystem::temp_directory_path() / ("rwn-bench-" + std::to_string(getpid())))
            .string();
    std::filesystem::remove_all(out);
    RunOptions options;
    options.out = out;
    options.quiet = true;
    options.threads = at::get_num_threads();
    const auto start = std::chrono::steady_clock::now();
    auto outcome = RunExperiment(spec, options);
    seconds[name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!outcome.ok()) {
      state.SkipWithError(std::string(outcome.status().message()).c_str());
    } else {
      state.counters["test_top1"] = outcome->summary.final_test_top1();
    }
    std::filesystem::remove_all(out);
  }
}

void ForwardPass(benchmark::State& state) {
  ExperimentSpec spec = Spec();
  auto dataset = *BuildData(spec);
  auto network = *BuildNetwork(spec, ModelContext{dataset->channels(), dataset->height(),
                                                  dataset->width(), dataset->num_classes});
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(Evaluate(*network, *dataset, dataset->train, 500));
    seconds["forward"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);
  benchmark::RegisterBenchmark("forward_pass/train_set", rwn::ForwardPass)
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(
      "fc_only_run/10_epochs_cached",
      [](benchmark::State& state) { rwn::Run(state, "cached", rwn::Spec()); })
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("fc_only_run/1_epoch_uncached",
                               [](benchmark::State& state) {
                                 rwn::ExperimentSpec spec = rwn::Spec();
                                 spec.set_cache_frozen_prefix(false);
                                 spec.set_epochs(1);
                                 rwn::Run(state, "uncached", spec);
                               })
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (rwn::seconds.count("forward") && rwn::seconds.count("cached")) {
    std::printf(
        "10-epoch fc-only run, cached prefix: %.1f s = %.2f forward passes over the "
        "training set (%.1f s each)\n",
        rwn::seconds["cached"], rwn::seconds["cached"] / rwn::seconds["forward"],
        rwn::seconds["forward"]);
  }
  if (rwn::seconds.count("forward") && rwn::seconds.count("uncached")) {
    std::printf("1 epoch without the cache: %.1f s = %.2f forward passes\n",
                rwn::seconds["uncached"], rwn::seconds["uncached"] / rwn::seconds["forward"]);
  }
  return 0;
}
