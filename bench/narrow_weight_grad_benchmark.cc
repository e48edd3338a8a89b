// The weight gradient of a conv's few learned filters (models/
// narrow_weight_grad.h) against oneDNN's (at::convolution_backward), side by
// side, at batch 128 in channels-last float, on inputs read from memory as
// in a training step: the learned-filter convs of
// ResNet-20, DenseNet-BC-40-12 and WRN-16-4 at 10% of filters, and a sweep
// of the filter count on two shapes, which sets kNarrowFilters.
//
//   bazel run //bench:narrow_weight_grad_benchmark
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "models/narrow_weight_grad.h"
#include "torch_support/runtime.h"

namespace rwn {
namespace {

struct Shape {
  std::string label;
  int64_t channels, size, kernel, stride, filters;  // input C, H = W; learned filters
};

std::vector<Shape> Shapes() {
  std::vector<Shape> shapes = {
      {"ResNet-20 3x3 3 ch, 32x32", 3, 32, 3, 1, 1},
      {"ResNet-20 3x3 16 ch, 32x32", 16, 32, 3, 1, 1},
      {"ResNet-20 3x3 16 ch, 32x32, stride 2", 16, 32, 3, 2, 3},
      {"ResNet-20 3x3 32 ch, 16x16", 32, 16, 3, 1, 3},
      {"ResNet-20 3x3 32 ch, 16x16, stride 2", 32, 16, 3, 2, 6},
      {"ResNet-20 3x3 64 ch, 8x8", 64, 8, 3, 1, 6},
      {"DenseNet 3x3 48 ch, 32x32", 48, 32, 3, 1, 1},
      {"DenseNet 3x3 48 ch, 16x16", 48, 16, 3, 1, 1},
      {"DenseNet 3x3 48 ch, 8x8", 48, 8, 3, 1, 1},
      {"DenseNet 1x1 60 ch, 32x32", 60, 32, 1, 1, 4},
      {"WRN-16-4 3x3 64 ch, 32x32", 64, 32, 3, 1, 6},
      {"WRN-16-4 3x3 128 ch, 16x16", 128, 16, 3, 1, 12},
      {"WRN-16-4 3x3 256 ch, 8x8", 256, 8, 3, 1, 25},
  };
  for (int64_t filters : {2, 4, 6, 8, 12, 16}) {
    shapes.push_back({"3x3 48 ch, 32x32", 48, 32, 3, 1, filters});
    shapes.push_back({"3x3 128 ch, 16x16", 128, 16, 3, 1, filters});
  }
  return shapes;
}

std::map<std::string, double> milliseconds;

std::string Name(const Shape& shape) {
  return shape.label + ", " + std::to_string(shape.filters) + " filter" +
         (shape.filters > 1 ? "s" : "");
}

void Gradient(benchmark::State& state, const Shape& shape, bool narrow) {
  const auto layout = at::MemoryFormat::ChannelsLast;
  const int64_t padding = shape.kernel / 2;
  const int64_t out = (shape.size + 2 * padding - shape.kernel) / shape.stride + 1;
  // In a training step a conv's input was written a whole forward pass
  // earlier and is read from memory, not cache: each call reads the next of
  // enough copies to fill 256 MB.
  const int64_t x_bytes = 128 * shape.channels * shape.size * shape.size * sizeof(float);
  const int64_t copies = std::min<int64_t>(128, (256 << 20) / x_bytes + 1);
  std::vector<torch::Tensor> xs, grads;
  for (int64_t i = 0; i < copies; ++i) {
    xs.push_back(torch::randn({128, shape.channels, shape.size, shape.size}).contiguous(layout));
    grads.push_back(torch::randn({128, shape.filters, out, out}).contiguous(layout));
  }
  const torch::Tensor weight =
      torch::randn({shape.filters, shape.channels, shape.kernel, shape.kernel}).contiguous(layout);
  double seconds = 0;
  int64_t call = 0;
  for (auto _ : state) {
    const torch::Tensor& x = xs[call % copies];
    const torch::Tensor& grad = grads[call++ % copies];
    const auto start = std::chrono::steady_clock::now();
    if (narrow) {
      benchmark::DoNotOptimize(NarrowWeightGradient(grad, x, shape.kernel, shape.stride, padding));
    } else {
      benchmark::DoNotOptimize(at::convolution_backward(
          grad, x, weight, c10::nullopt, {shape.stride, shape.stride}, {padding, padding}, {1, 1},
          false, {0, 0}, 1, {false, true, false}));
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  milliseconds[Name(shape) + (narrow ? "/narrow" : "/onednn")] =
      1000 * seconds / state.iterations();
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);
  for (const rwn::Shape& shape : rwn::Shapes()) {
    for (bool narrow : {false, true}) {
      benchmark::RegisterBenchmark(
          ("weight_grad/" + rwn::Name(shape) + (narrow ? "/narrow" : "/onednn")).c_str(),
          [shape, narrow](benchmark::State& state) { rwn::Gradient(state, shape, narrow); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf(
      "\n| conv, batch 128, channels-last | oneDNN (ms) | rwn's kernel (ms) | speed-up |\n");
  std::printf("|---|---:|---:|---:|\n");
  for (const rwn::Shape& shape : rwn::Shapes()) {
    const std::string name = rwn::Name(shape);
    if (!rwn::milliseconds.count(name + "/onednn") || !rwn::milliseconds.count(name + "/narrow")) {
      continue;
    }
    const double onednn = rwn::milliseconds[name + "/onednn"];
    const double narrow = rwn::milliseconds[name + "/narrow"];
    std::printf("| %s | %.2f | %.2f | %.2fx |\n", name.c_str(), onednn, narrow, onednn / narrow);
  }
  return 0;
}
