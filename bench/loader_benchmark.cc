// Loading plus augmentation on one core: batches of CIFAR-shaped data
// (50,000 uint8 3x32x32 images in memory, as the cifar10 reader leaves
// them), shuffled, random-cropped with padding 4, flipped and normalized
// into float batches, exactly as training draws them. items/s is images per
// second; training reads far fewer, so loading never bounds it.
//
//   bazel run //bench:loader_benchmark
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "datasets/loader.h"
#include "datasets/prefetcher.h"
#include "torch_support/runtime.h"

namespace rwn {
namespace {

Split CifarShaped() {
  torch::manual_seed(1);
  return {torch::randint(256, {50000, 3, 32, 32}, torch::kUInt8),
          torch::randint(10, {50000}, torch::kInt64)};
}

void Load(benchmark::State& state, bool augment, bool prefetch) {
  static const Split split = CifarShaped();
  const int64_t batch_size = state.range(0);
  BatchLoader loader(split, {0.49, 0.48, 0.45}, {0.25, 0.24, 0.26}, batch_size, /*shuffle=*/true, 1,
                     augment ? Augmentation{4, true} : Augmentation());
  Prefetcher prefetcher(&loader);
  int64_t epoch = 0, images = 0;
  Batch batch;
  auto next = [&] { return prefetch ? prefetcher.Next(&batch) : loader.Next(&batch); };
  prefetch ? prefetcher.Start(epoch) : loader.Reset(epoch);
  for (auto _ : state) {
    if (!next()) {
      ++epoch;
      prefetch ? prefetcher.Start(epoch) : loader.Reset(epoch);
      next();
    }
    images += batch.labels.size(0);
    benchmark::DoNotOptimize(batch.images.data_ptr());
  }
  state.SetItemsProcessed(images);
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/1);  // one core, as the issue asks
  for (auto [name, augment, prefetch] :
       {std::tuple<const char*, bool, bool>{"load/plain", false, false},
        {"load/crop_flip", true, false},
        {"load/crop_flip_prefetched", true, true}}) {
    benchmark::RegisterBenchmark(name,
                                 [augment = augment, prefetch = prefetch](benchmark::State& state) {
                                   rwn::Load(state, augment, prefetch);
                                 })
        ->Arg(128)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
