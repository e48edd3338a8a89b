#include "models/narrow_weight_grad.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>

#include "torch_support/parallel.h"

namespace rwn {
namespace {

// Eight floats, in whatever registers the CPU has: one AVX register, two SSE
// ones. aligned(4): loads from any float address.
typedef float Vec8 __attribute__((vector_size(32), aligned(4)));

#define RWN_UNROLL _Pragma("GCC unroll 16")

// One image's tensors, channels last: x [H, W, C], grad [OH, OW, k], and the
// gradient being summed, [k, KH, KW, C].
struct Image {
  const float* x;
  const float* grad;
  float* out;
  int64_t height, width, channels, out_height, out_width, filters, kernel, stride, padding;
};

// The output columns whose input column ow * stride - padding + kw is inside
// the image.
std::pair<int64_t, int64_t> Columns(const Image& im, int64_t kw) {
  const int64_t first = std::max<int64_t>(0, (im.padding - kw + im.stride - 1) / im.stride);
  const int64_t last =
      std::min<int64_t>(im.out_width, (im.width - 1 + im.padding - kw) / im.stride + 1);
  return {first, last};
}

// Adds to `out` the gradient of filters [f0, f0 + F) at kernel tap (kh, kw),
// channels [c0, c0 + 8 V): a sum over the image's output positions, kept in
// F x V registers, U columns at a time so that enough sums are in flight.
template <int F, int V, int U>
__attribute__((always_inline)) inline void Tap(const Image& im, int64_t kh, int64_t kw, int64_t f0,
                                               int64_t c0) {
  Vec8 sum[U][F][V];
  RWN_UNROLL for (int u = 0; u < U; ++u) RWN_UNROLL for (int f = 0; f < F; ++f)
      RWN_UNROLL for (int v = 0; v < V; ++v) sum[u][f][v] = Vec8{};
  const auto [first, last] = Columns(im, kw);
  const int64_t step = im.stride * im.channels;
  for (int64_t oh = 0; oh < im.out_height; ++oh) {
    const int64_t ih = oh * im.stride - im.padding + kh;
    if (ih < 0 || ih >= im.height) continue;
    const float* x =
        im.x + (ih * im.width + first * im.stride - im.padding + kw) * im.channels + c0;
    const float* g = im.grad + (oh * im.out_width + first) * im.filters + f0;
    int64_t ow = first;
    auto add = [&](int u, const float* x, const float* g) {
      Vec8 xv[V];
      RWN_UNROLL for (int v = 0; v < V; ++v) std::memcpy(&xv[v], x + 8 * v, sizeof(Vec8));
      RWN_UNROLL for (int f = 0; f < F; ++f) {
        const float gf = g[f];
        RWN_UNROLL for (int v = 0; v < V; ++v) sum[u][f][v] += gf * xv[v];
      }
    };
    for (; ow + U <= last; ow += U, x += U * step, g += U * im.filters) {
      RWN_UNROLL for (int u = 0; u < U; ++u) add(u, x + u * step, g + u * im.filters);
    }
    for (; ow < last; ++ow, x += step, g += im.filters) add(0, x, g);
  }
  RWN_UNROLL for (int f = 0; f < F; ++f) {
    float* out = im.out + (((f0 + f) * im.kernel + kh) * im.kernel + kw) * im.channels + c0;
    RWN_UNROLL for (int v = 0; v < V; ++v) {
      Vec8 total;
      std::memcpy(&total, out + 8 * v, sizeof(Vec8));
      RWN_UNROLL for (int u = 0; u < U; ++u) total += sum[u][f][v];
      std::memcpy(out + 8 * v, &total, sizeof(Vec8));
    }
  }
}

// The channels past the last multiple of 8, one float at a time.
void TapTail(const Image& im, int64_t kh, int64_t kw, int64_t c0) {
  const auto [first, last] = Columns(im, kw);
  for (int64_t oh = 0; oh < im.out_height; ++oh) {
    const int64_t ih = oh * im.stride - im.padding + kh;
    if (ih < 0 || ih >= im.height) continue;
    for (int64_t ow = first; ow < last; ++ow) {
      const float* x = im.x + (ih * im.width + ow * im.stride - im.padding + kw) * im.channels;
      const float* g = im.grad + (oh * im.out_width + ow) * im.filters;
      for (int64_t f = 0; f < im.filters; ++f) {
        float* out = im.out + ((f * im.kernel + kh) * im.kernel + kw) * im.channels;
        for (int64_t c = c0; c < im.channels; ++c) out[c] += g[f] * x[c];
      }
    }
  }
}

// Filters [f0, f0 + F) over the channels in blocks of up to kWidest vectors:
// F x V sums stay at most 8, within even AVX2's 16 registers.
template <int F>
__attribute__((always_inline)) inline void Filters(const Image& im, int64_t kh, int64_t kw,
                                                   int64_t f0) {
  constexpr int kWidest = F == 1 ? 6 : 8 / F;
  for (int64_t c = 0; im.channels - c >= 8;) {
    const int64_t v = std::min<int64_t>(kWidest, (im.channels - c) / 8);
    // U: columns at a time, so that at least 4 independent sums are in flight.
#define RWN_TAP(V)                                                                              \
  case V:                                                                                       \
    Tap<F, (V <= kWidest ? V : 1), (F * V >= 4 ? 1 : (F * V >= 2 ? 2 : 4))>(im, kh, kw, f0, c); \
    break;
    switch (v) {
      RWN_TAP(1)
      RWN_TAP(2)
      RWN_TAP(3)
      RWN_TAP(4)
      RWN_TAP(5)
      RWN_TAP(6)
    }
#undef RWN_TAP
    c += 8 * v;
  }
}

// One image's share of the gradient. Compiled for AVX-512, AVX2 and plain
// x86-64, chosen at load time for the CPU at hand.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void AddImage(const Image& im) {
  for (int64_t kh = 0; kh < im.kernel; ++kh) {
    for (int64_t kw = 0; kw < im.kernel; ++kw) {
      int64_t f = 0;
      for (; f + 2 <= im.filters; f += 2) Filters<2>(im, kh, kw, f);
      for (; f < im.filters; ++f) Filters<1>(im, kh, kw, f);
      if (im.channels % 8 != 0) TapTail(im, kh, kw, im.channels - im.channels % 8);
    }
  }
}

}  // namespace

bool PreferNarrowWeightGradient(const at::Tensor& x, int64_t filters, int64_t kernel) {
  return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 4 &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast) && kernel > 1 && filters <= kNarrowFilters;
}

at::Tensor NarrowWeightGradient(const at::Tensor& grad, const at::Tensor& x, int64_t kernel,
                                int64_t stride, int64_t padding) {
  const at::Tensor input = x.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor g = grad.contiguous(at::MemoryFormat::ChannelsLast);
  const int64_t images = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  const int64_t filters = g.size(1), out_height = g.size(2), out_width = g.size(3);
  TORCH_CHECK(g.size(0) == images, "NarrowWeightGradient: ", g.size(0), " gradients for ", images,
              " images");
  // One sum per thread, added up at the end: no thread waits on another.
  const int64_t size = filters * kernel * kernel * channels;
  at::Tensor sums = at::zeros({at::get_num_threads(), size}, x.options());
  const float* xd = input.data_ptr<float>();
  const float* gd = g.data_ptr<float>();
  float* sd = sums.data_ptr<float>();
  ParallelFor(0, images, 1, [&](int64_t begin, int64_t end) {
    float* out = sd + at::get_thread_num() * size;
    for (int64_t n = begin; n < end; ++n) {
      AddImage(Image{xd + n * height * width * channels, gd + n * out_height * out_width * filters,
                     out, height, width, channels, out_height, out_width, filters, kernel, stride,
                     padding});
    }
  });
  return sums.sum(0).view({filters, kernel, kernel, channels}).permute({0, 3, 1, 2});
}

}  // namespace rwn
