// How close libtorch's convs run to the arithmetic peak of the cores they
// run on: every conv of WRN-16-4 at batch 128 in channels-last float, its
// forward and its input gradient (what the fc-only and BN-only steps are
// made of), in GFLOP/s beside the float32 FMA peak of the same threads,
// measured with chains of independent AVX-512 (or AVX2) FMAs on each.
// A step that is nearly all convs can only beat a loop running the same
// convs by doing fewer multiplications.
//
//   bazel run //bench:conv_peak_benchmark
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "torch_support/parallel.h"
#include "torch_support/runtime.h"

namespace rwn {
namespace {

// Independent chains: enough to keep both FMA ports busy through their
// latency.
constexpr int kChains = 16;
constexpr int64_t kRounds = 50'000'000;

#if defined(__x86_64__) && defined(__GNUC__)
// kChains chains of y = y * a + b on vectors V, summed at the end so that
// none is optimized away. Inlined into a caller compiled for an ISA with
// FMA, each step is one FMA instruction.
template <class V>
inline __attribute__((always_inline)) float Chains(int64_t rounds) {
  V acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = V{} + 0.001f * i;
  const V a = V{} + 0.999999f, b = V{} + 1e-7f;
  for (int64_t k = 0; k < rounds; ++k) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * a + b;
  }
  float sum = 0;
  for (int i = 0; i < kChains; ++i) {
    for (size_t lane = 0; lane < sizeof(V) / sizeof(float); ++lane) sum += acc[i][lane];
  }
  return sum;
}

typedef float Floats16 __attribute__((vector_size(64)));
typedef float Floats8 __attribute__((vector_size(32)));
__attribute__((target("avx512f"))) float Avx512Fmas(int64_t rounds) {
  return Chains<Floats16>(rounds);
}
__attribute__((target("avx2,fma"))) float Avx2Fmas(int64_t rounds) {
  return Chains<Floats8>(rounds);
}

// Floats per FMA instruction on this CPU, 0 if it has neither.
int FmaWidth() {
  if (__builtin_cpu_supports("avx512f")) return 16;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 8;
  return 0;
}

float Fmas(int64_t rounds) { return FmaWidth() == 16 ? Avx512Fmas(rounds) : Avx2Fmas(rounds); }
#else
int FmaWidth() { return 0; }
float Fmas(int64_t) { return 0; }
#endif

// GFLOP/s of every libtorch thread running FMA chains at once: the best of
// several tries, since a short one can lose its core to the machine now and
// then (single tries on a 2-vCPU machine moved between 360 and 420).
double PeakGflops() {
  const int threads = at::get_num_threads();
  std::vector<float> sink(threads);
  double best = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto start = std::chrono::steady_clock::now();
    ParallelFor(0, threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) sink[t] = Fmas(kRounds);
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(sink.data());
    best = std::max(best, 2.0 * FmaWidth() * kChains * kRounds * threads / seconds / 1e9);
  }
  return best;
}

struct Conv {
  std::string label;
  int64_t in, out, size, kernel, stride;  // channels, input H = W
  int count;                              // in the network
  bool input_grad;                        // needed: not for the image's conv
};

std::vector<Conv> Wrn164Convs() {
  return {
      {"3->16 3x3, 32x32", 3, 16, 32, 3, 1, 1, false},
      {"16->64 3x3, 32x32", 16, 64, 32, 3, 1, 1, true},
      {"64->64 3x3, 32x32", 64, 64, 32, 3, 1, 3, true},
      {"16->64 1x1, 32x32", 16, 64, 32, 1, 1, 1, true},
      {"64->128 3x3 stride 2, 32x32", 64, 128, 32, 3, 2, 1, true},
      {"128->128 3x3, 16x16", 128, 128, 16, 3, 1, 3, true},
      {"64->128 1x1 stride 2, 32x32", 64, 128, 32, 1, 2, 1, true},
      {"128->256 3x3 stride 2, 16x16", 128, 256, 16, 3, 2, 1, true},
      {"256->256 3x3, 8x8", 256, 256, 8, 3, 1, 3, true},
      {"128->256 1x1 stride 2, 16x16", 128, 256, 16, 1, 2, 1, true},
  };
}

constexpr int64_t kBatch = 128;

int64_t OutSize(const Conv& conv) {
  return (conv.size + 2 * (conv.kernel / 2) - conv.kernel) / conv.stride + 1;
}

double Gflop(const Conv& conv) {
  const double out = OutSize(conv);
  return 2.0 * kBatch * out * out * conv.out * conv.in * conv.kernel * conv.kernel / 1e9;
}

std::map<std::string, double> milliseconds;  // "<label>/forward" or "/input_grad"

void Run(benchmark::State& state, const Conv& conv, bool input_grad) {
  const auto layout = at::MemoryFormat::ChannelsLast;
  const int64_t padding = conv.kernel / 2, out = OutSize(conv);
  const torch::Tensor x = torch::randn({kBatch, conv.in, conv.size, conv.size}).contiguous(layout);
  const torch::Tensor w =
      torch::randn({conv.out, conv.in, conv.kernel, conv.kernel}).contiguous(layout);
  const torch::Tensor grad = torch::randn({kBatch, conv.out, out, out}).contiguous(layout);
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    if (input_grad) {
      benchmark::DoNotOptimize(at::convolution_backward(
          grad, x, w, c10::nullopt, {conv.stride, conv.stride}, {padding, padding}, {1, 1}, false,
          {0, 0}, 1, {true, false, false}));
    } else {
      benchmark::DoNotOptimize(at::conv2d(x, w, {}, conv.stride, padding));
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double ms = 1000 * seconds / state.iterations();
  state.counters["GFLOP/s"] = Gflop(conv) / ms * 1000;
  milliseconds[conv.label + (input_grad ? "/input_grad" : "/forward")] = ms;
}

// One row per conv and the network's totals, each conv counted as often as
// the network has it.
void PrintTable(double peak) {
  std::printf("\nfloat32 FMA peak of %d threads: %.0f GFLOP/s\n\n", at::get_num_threads(), peak);
  std::printf(
      "| WRN-16-4 conv, batch 128, channels-last | in the network | forward (ms) | forward, %% of "
      "peak | input gradient (ms) | input gradient, %% of peak "
      "|\n|---|---:|---:|---:|---:|---:|\n");
  double gflop[2] = {0, 0}, ms[2] = {0, 0};
  bool every = true;
  for (const Conv& conv : Wrn164Convs()) {
    if (!milliseconds.count(conv.label + "/forward") ||
        (conv.input_grad && !milliseconds.count(conv.label + "/input_grad"))) {
      every = false;
      continue;
    }
    const double f = milliseconds[conv.label + "/forward"];
    const double g = conv.input_grad ? milliseconds[conv.label + "/input_grad"] : 0;
    const double rate = Gflop(conv) / peak * 100000;
    std::printf("| %s | %d | %.1f | %.0f%% | ", conv.label.c_str(), conv.count, f, rate / f);
    if (conv.input_grad) {
      std::printf("%.1f | %.0f%% |\n", g, rate / g);
    } else {
      std::printf("not needed | |\n");
    }
    gflop[0] += conv.count * Gflop(conv), ms[0] += conv.count * f;
    if (conv.input_grad) gflop[1] += conv.count * Gflop(conv), ms[1] += conv.count * g;
  }
  if (!every) {
    std::printf("\n(the network's totals need every conv: run without --benchmark_filter)\n");
    return;
  }
  std::printf("| all, per step | | %.1f | %.0f%% | %.1f | %.0f%% |\n", ms[0],
              gflop[0] / peak * 100000 / ms[0], ms[1], gflop[1] / peak * 100000 / ms[1]);
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);
  if (rwn::FmaWidth() == 0) {
    std::fprintf(stderr, "conv_peak_benchmark: this CPU has neither AVX-512 nor AVX2 FMA\n");
    return 2;
  }
  for (const rwn::Conv& conv : rwn::Wrn164Convs()) {
    for (bool input_grad : {false, true}) {
      if (input_grad && !conv.input_grad) continue;
      benchmark::RegisterBenchmark(
          ("wrn16_4/" + conv.label + (input_grad ? "/input_grad" : "/forward")).c_str(),
          [conv, input_grad](benchmark::State& state) { rwn::Run(state, conv, input_grad); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rwn::PrintTable(rwn::PeakGflops());
  return 0;
}
