#include "models/narrow_weight_grad.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "torch_support/parallel.h"

namespace rwn {
namespace {

// Eight floats, in whatever registers the CPU has: one AVX register, two SSE
// ones. aligned(4): loads from any float address.
typedef float Vec8 __attribute__((vector_size(32), aligned(4)));

#define RWN_UNROLL _Pragma("GCC unroll 16")

// One image's tensors, channels last: x [H, W, C], grad [OH, OW, k] with
// `grad_step` floats from one position's k gradients to the next (k when
// dense, more when they are k filters of a wider conv's gradient), and the
// gradient being summed, [k, KH, KW, C].
struct Image {
  const float* x;
  const float* grad;
  float* out;
  int64_t height, width, channels, out_height, out_width, filters, grad_step, kernel, stride,
      padding;
  const float* next_x;  // the next image's x, fetched into cache meanwhile; null: none
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
    const float* g = im.grad + (oh * im.out_width + first) * im.grad_step + f0;
    int64_t ow = first;
    auto add = [&](int u, const float* x, const float* g) {
      Vec8 xv[V];
      RWN_UNROLL for (int v = 0; v < V; ++v) std::memcpy(&xv[v], x + 8 * v, sizeof(Vec8));
      RWN_UNROLL for (int f = 0; f < F; ++f) {
        const float gf = g[f];
        RWN_UNROLL for (int v = 0; v < V; ++v) sum[u][f][v] += gf * xv[v];
      }
    };
    for (; ow + U <= last; ow += U, x += U * step, g += U * im.grad_step) {
      RWN_UNROLL for (int u = 0; u < U; ++u) add(u, x + u * step, g + u * im.grad_step);
    }
    for (; ow < last; ++ow, x += step, g += im.grad_step) add(0, x, g);
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
      const float* g = im.grad + (oh * im.out_width + ow) * im.grad_step;
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

// A 3-wide kernel row at once: adds the gradient of filters [f0, f0 + F)
// at taps (kh, 0..2), channels [c0, c0 + 8 V), in 3 x F x V registers. Each
// output column loads its F gradients once for the three taps, and a row
// pass serves three taps, where Tap makes one pass per tap.
template <int F, int V>
__attribute__((always_inline)) inline void Row3(const Image& im, int64_t kh, int64_t f0,
                                                int64_t c0) {
  Vec8 sum[3][F][V];
  RWN_UNROLL for (int kw = 0; kw < 3; ++kw) RWN_UNROLL for (int f = 0; f < F; ++f)
      RWN_UNROLL for (int v = 0; v < V; ++v) sum[kw][f][v] = Vec8{};
  // Columns whose three taps all lie inside the image: [inner_first, inner_last).
  const int64_t inner_first = std::min(im.out_width, Columns(im, 0).first);
  const int64_t inner_last = std::max(inner_first, Columns(im, 2).second);
  // Adds output column ow; `inner` (std::true_type): no tap needs a bounds check.
  auto column = [&](auto inner, const float* x_row, const float* g, int64_t ow) {
    const int64_t iw = ow * im.stride - im.padding;
    float gf[F];
    RWN_UNROLL for (int f = 0; f < F; ++f) gf[f] = g[f];
    RWN_UNROLL for (int kw = 0; kw < 3; ++kw) {
      if (!decltype(inner)::value && (iw + kw < 0 || iw + kw >= im.width)) continue;
      const float* x = x_row + (iw + kw) * im.channels;
      Vec8 xv[V];
      RWN_UNROLL for (int v = 0; v < V; ++v) std::memcpy(&xv[v], x + 8 * v, sizeof(Vec8));
      RWN_UNROLL for (int f = 0; f < F; ++f) RWN_UNROLL for (int v = 0; v < V; ++v) sum[kw][f][v] +=
          gf[f] * xv[v];
    }
  };
  // The first pass over the image also fetches the next one, a share per
  // row: a pass that reads x from memory waits on it, one that finds it in
  // cache runs twice as fast (bench/README.md, "Learned filters' weight
  // gradient").
  const bool fetch = im.next_x != nullptr && kh == 0 && f0 == 0 && c0 == 0;
  const int64_t image_bytes = im.height * im.width * im.channels * sizeof(float);
  const int64_t share = (image_bytes + im.out_height - 1) / im.out_height;
  for (int64_t oh = 0; oh < im.out_height; ++oh) {
    if (fetch) {
      const char* next = reinterpret_cast<const char*>(im.next_x);
      for (int64_t b = oh * share; b < std::min(image_bytes, (oh + 1) * share); b += 64) {
        __builtin_prefetch(next + b, /*rw=*/0, /*locality=*/2);
      }
    }
    const int64_t ih = oh * im.stride - im.padding + kh;
    if (ih < 0 || ih >= im.height) continue;
    const float* x_row = im.x + ih * im.width * im.channels + c0;
    const float* g_row = im.grad + oh * im.out_width * im.grad_step + f0;
    int64_t ow = 0;
    for (; ow < inner_first; ++ow) column(std::false_type{}, x_row, g_row + ow * im.grad_step, ow);
    for (; ow < inner_last; ++ow) column(std::true_type{}, x_row, g_row + ow * im.grad_step, ow);
    for (; ow < im.out_width; ++ow) column(std::false_type{}, x_row, g_row + ow * im.grad_step, ow);
  }
  RWN_UNROLL for (int kw = 0; kw < 3; ++kw) RWN_UNROLL for (int f = 0; f < F; ++f) {
    float* out = im.out + (((f0 + f) * 3 + kh) * 3 + kw) * im.channels + c0;
    RWN_UNROLL for (int v = 0; v < V; ++v) {
      Vec8 total;
      std::memcpy(&total, out + 8 * v, sizeof(Vec8));
      total += sum[kw][f][v];
      std::memcpy(out + 8 * v, &total, sizeof(Vec8));
    }
  }
}

// Row3 for filters [f0, f0 + F) over the channels in blocks of up to
// 4 / F vectors: 3 x F x V sums stay at most 12, within AVX2's 16 registers.
template <int F>
__attribute__((always_inline)) inline void Filters3(const Image& im, int64_t kh, int64_t f0) {
  constexpr int kWidest = 4 / F;
  for (int64_t c = 0; im.channels - c >= 8;) {
    const int64_t v = std::min<int64_t>(kWidest, (im.channels - c) / 8);
    switch (v) {
      case 1:
        Row3<F, 1>(im, kh, f0, c);
        break;
      case 2:
        Row3<F, 2>(im, kh, f0, c);
        break;
      case 3:
        Row3<F, (kWidest >= 3 ? 3 : 1)>(im, kh, f0, c);
        break;
      case 4:
        Row3<F, (kWidest >= 4 ? 4 : 1)>(im, kh, f0, c);
        break;
    }
    c += 8 * v;
  }
}

// One image's share of the gradient.
__attribute__((always_inline)) inline void AddImageBody(const Image& im) {
  if (im.kernel == 3) {
    for (int64_t kh = 0; kh < 3; ++kh) {
      int64_t f = 0;
      for (; f + 2 <= im.filters; f += 2) Filters3<2>(im, kh, f);
      for (; f < im.filters; ++f) Filters3<1>(im, kh, f);
      for (int64_t kw = 0; kw < 3 && im.channels % 8 != 0; ++kw) {
        TapTail(im, kh, kw, im.channels - im.channels % 8);
      }
    }
    return;
  }
  for (int64_t kh = 0; kh < im.kernel; ++kh) {
    for (int64_t kw = 0; kw < im.kernel; ++kw) {
      int64_t f = 0;
      for (; f + 2 <= im.filters; f += 2) Filters<2>(im, kh, kw, f);
      for (; f < im.filters; ++f) Filters<1>(im, kh, kw, f);
      if (im.channels % 8 != 0) TapTail(im, kh, kw, im.channels - im.channels % 8);
    }
  }
}

using AddImageFunction = void (*)(const Image&);

#if defined(__x86_64__) && defined(__GNUC__)
// Compiled for AVX-512 and for AVX2, each with FMA, and for plain x86-64;
// picked once for the CPU at hand. Not target_clones: its "avx512f" and
// "avx2" clones have no FMA (each product and sum two instructions), and its
// "arch=" clones match CPU models, not features.
__attribute__((target("avx512f,avx512vl,fma"))) void AddImageAvx512(const Image& im) {
  AddImageBody(im);
}
__attribute__((target("avx2,fma"))) void AddImageAvx2(const Image& im) { AddImageBody(im); }
#endif
void AddImagePlain(const Image& im) { AddImageBody(im); }

AddImageFunction PickAddImage() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  const bool fma = __builtin_cpu_supports("fma");
  if (fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
    return AddImageAvx512;
  }
  if (fma && __builtin_cpu_supports("avx2")) return AddImageAvx2;
#endif
  return AddImagePlain;
}

// Whether `grad` is laid out as the kernel reads it without a copy: each
// position's filters side by side, positions evenly apart (channels-last, or
// a run of filters of a channels-last gradient).
bool ReadableInPlace(const at::Tensor& grad) {
  return grad.dim() == 4 && grad.stride(1) == 1 && grad.stride(3) >= grad.size(1) &&
         grad.stride(2) == grad.stride(3) * grad.size(3) &&
         grad.stride(0) == grad.stride(2) * grad.size(2);
}

}  // namespace

bool PreferNarrowWeightGradient(const at::Tensor& x, int64_t filters, int64_t kernel) {
  return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 4 &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast) && x.size(1) >= 8 && kernel > 1 &&
         filters <= kNarrowFilters;
}

at::Tensor NarrowWeightGradient(const at::Tensor& grad, const at::Tensor& x, int64_t kernel,
                                int64_t stride, int64_t padding) {
  // No operator of libtorch's: named, the profiler shows it.
  RECORD_FUNCTION("rwn::narrow_weight_grad", std::vector<c10::IValue>());
  const at::Tensor input = x.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor g =
      ReadableInPlace(grad) ? grad : grad.contiguous(at::MemoryFormat::ChannelsLast);
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
  static const AddImageFunction add_image = PickAddImage();
  ParallelFor(0, images, 1, [&](int64_t begin, int64_t end) {
    float* out = sd + at::get_thread_num() * size;
    for (int64_t n = begin; n < end; ++n) {
      const float* image_x = xd + n * height * width * channels;
      add_image(Image{image_x, gd + n * g.stride(0), out, height, width, channels, out_height,
                      out_width, filters, g.stride(3), kernel, stride, padding,
                      n + 1 < end ? image_x + height * width * channels : nullptr});
    }
  });
  return sums.sum(0).view({filters, kernel, kernel, channels}).permute({0, 3, 1, 2});
}

}  // namespace rwn
