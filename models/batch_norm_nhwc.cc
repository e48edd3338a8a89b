#include "models/batch_norm_nhwc.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "torch_support/parallel.h"

namespace rwn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The loops below are compiled for AVX-512, AVX2 and plain x86-64, chosen
// at load time. The target is built with -ffp-contract=off, so the
// pre-activation x * a + b rounds the same in forward and in backward (the
// ReLU's mask is recomputed from it) whichever is chosen.
#if defined(__x86_64__) && defined(__GNUC__)
#define RWN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RWN_CLONES
#endif

// The kernels walk rows (pixels) of C channels in groups of `rows` rows, as
// one flat span of up to rows * C floats, with each per-channel vector tiled
// to that length: one row of 16 channels is too short a loop to vectorize
// well, 16 rows are not.
struct Layout {
  explicit Layout(int64_t channels)
      : channels(channels), rows(std::max<int64_t>(1, 256 / channels)), width(rows * channels) {}
  // The floats of rows [r, min(r + rows, end)).
  int64_t Span(int64_t r, int64_t end) const { return std::min(rows, end - r) * channels; }
  int64_t channels, rows, width;
};

// A per-channel vector, as floats tiled to the layout's width. Plain loops
// over the channels: as tensor operations, the per-channel arithmetic of a
// layer's forward and backward took a few milliseconds of a ResNet-20 step.
template <class T>
std::vector<float> Tile(const T* v, const Layout& layout) {
  std::vector<float> tiled(layout.width);
  for (int64_t j = 0; j < layout.width; ++j) tiled[j] = static_cast<float>(v[j % layout.channels]);
  return tiled;
}

// A float tensor's values (contiguous floats; a view when it is one).
const float* Floats(const at::Tensor& t, at::Tensor* keep) {
  *keep = t.to(at::kFloat).contiguous();
  return keep->data_ptr<float>();
}

// A float tensor of size C holding `v`.
template <class T>
at::Tensor ChannelTensor(const std::vector<T>& v) {
  at::Tensor t = at::empty({static_cast<int64_t>(v.size())}, at::kFloat);
  float* d = t.data_ptr<float>();
  for (size_t c = 0; c < v.size(); ++c) d[c] = static_cast<float>(v[c]);
  return t;
}

// Groups whose sums are kept in float before they join the double ones:
// few enough to lose no digits, enough to amortize the join.
constexpr int64_t kGroups = 64;

// A thread's double sums of two per-channel quantities over its rows.
struct Sums {
  explicit Sums(int64_t channels) : first(channels), second(channels) {}
  std::vector<double> first, second;
};

// Runs add(span offset, span length, first, second) over rows [begin, end)
// a group at a time, summing into float lanes of the layout's width, and
// folds the lanes into the thread's per-channel double sums every kGroups
// groups.
template <class Add>
void SumGroups(const Layout& layout, int64_t begin, int64_t end, Sums& sums, Add add) {
  std::vector<float> first(layout.width), second(layout.width);
  for (int64_t block = begin; block < end; block += kGroups * layout.rows) {
    std::fill(first.begin(), first.end(), 0.f);
    std::fill(second.begin(), second.end(), 0.f);
    const int64_t block_end = std::min(end, block + kGroups * layout.rows);
    for (int64_t r = block; r < block_end; r += layout.rows) {
      add(r * layout.channels, layout.Span(r, block_end), first.data(), second.data());
    }
    for (int64_t j = 0; j < layout.width; ++j) {
      sums.first[j % layout.channels] += first[j];
      sums.second[j % layout.channels] += second[j];
    }
  }
}

// Adds (x - pivot) and its square, lane by lane, over n floats.
RWN_CLONES void AddDeviations(const float* __restrict x, int64_t n, const float* __restrict pivot,
                              float* __restrict first, float* __restrict second) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float d = x[j] - pivot[j];
    first[j] += d;
    second[j] += d * d;
  }
}

// Adds the output gradient g (zero where the ReLU was off) and g * (x -
// mean), lane by lane, over n floats.
RWN_CLONES void AddGradients(const float* __restrict x, const float* __restrict g, int64_t n,
                             const float* __restrict a, const float* __restrict b,
                             const float* __restrict mean, bool relu, float* __restrict first,
                             float* __restrict second) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float gj = (!relu || x[j] * a[j] + b[j] > 0.f) ? g[j] : 0.f;
    first[j] += gj;
    second[j] += gj * (x[j] - mean[j]);
  }
}

// y = x * a + b, then max(y, 0) if relu, over n floats.
RWN_CLONES void Normalize(const float* __restrict x, float* __restrict y, int64_t n,
                          const float* __restrict a, const float* __restrict b, bool relu) {
  if (relu) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = std::max(x[j] * a[j] + b[j], 0.f);
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = x[j] * a[j] + b[j];
  }
}

// y = x * a + b + r, then max(y, 0) if relu, over n floats: a residual
// block's batch norm, shortcut and ReLU in one pass.
RWN_CLONES void NormalizeAdd(const float* __restrict x, const float* __restrict r,
                             float* __restrict y, int64_t n, const float* __restrict a,
                             const float* __restrict b, bool relu) {
  if (relu) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = std::max(x[j] * a[j] + b[j] + r[j], 0.f);
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = x[j] * a[j] + b[j] + r[j];
  }
}

// AddGradients with the ReLU's mask read from its output y (the residual
// is in the sum it masks), over n floats.
RWN_CLONES void AddMaskedGradients(const float* __restrict x, const float* __restrict g,
                                   const float* __restrict y, int64_t n,
                                   const float* __restrict mean, float* __restrict first,
                                   float* __restrict second) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float gj = y[j] > 0.f ? g[j] : 0.f;
    first[j] += gj;
    second[j] += gj * (x[j] - mean[j]);
  }
}

// InputGradient with the ReLU's mask read from its output y, writing the
// residual's gradient (the masked g) beside dx, over n floats.
RWN_CLONES void MaskedInputGradient(const float* __restrict x, const float* __restrict g,
                                    const float* __restrict y, float* __restrict dx,
                                    float* __restrict dr, int64_t n, const float* __restrict a,
                                    const float* __restrict mean, const float* __restrict k1,
                                    const float* __restrict k2) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float gj = y[j] > 0.f ? g[j] : 0.f;
    dx[j] = a[j] * gj - k1[j] - (x[j] - mean[j]) * k2[j];
    dr[j] = gj;
  }
}

// dx = a * g - k1 - (x - mean) * k2, g zero where the ReLU was off, over n
// floats.
RWN_CLONES void InputGradient(const float* __restrict x, const float* __restrict g,
                              float* __restrict dx, int64_t n, const float* __restrict a,
                              const float* __restrict b, const float* __restrict mean,
                              const float* __restrict k1, const float* __restrict k2, bool relu) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float gj = (!relu || x[j] * a[j] + b[j] > 0.f) ? g[j] : 0.f;
    dx[j] = a[j] * gj - k1[j] - (x[j] - mean[j]) * k2[j];
  }
}

// Rows per task: about 64 KiB of floats.
int64_t Grain(int64_t channels) { return std::max<int64_t>(1, 16384 / channels); }

// Runs add over the rows on every thread (see SumGroups) and returns the
// per-channel totals of the two sums, in double.
template <class Add>
Sums SumRows(const Layout& layout, int64_t rows, Add add) {
  const int64_t channels = layout.channels;
  std::vector<Sums> sums(at::get_num_threads(), Sums(channels));
  ParallelFor(0, rows, Grain(channels), [&](int64_t begin, int64_t end) {
    SumGroups(layout, begin, end, sums[at::get_thread_num()], add);
  });
  Sums total(channels);
  for (const Sums& thread : sums) {
    for (int64_t c = 0; c < channels; ++c) {
      total.first[c] += thread.first[c];
      total.second[c] += thread.second[c];
    }
  }
  return total;
}

// Runs apply(span offset, span length) over the rows, a group at a time.
template <class Apply>
void ForEachGroup(const Layout& layout, int64_t rows, Apply apply) {
  ParallelFor(0, rows, Grain(layout.channels), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r += layout.rows) {
      apply(r * layout.channels, layout.Span(r, end));
    }
  });
}

// The per-channel scale and shift that fold mean, invstd, weight and bias:
// batch_norm(x) = x * a + b, in float as the kernels use them.
struct Folded {
  std::vector<float> scale, shift;
};
Folded Fold(const at::Tensor& mean, const at::Tensor& invstd, const at::Tensor& weight,
            const at::Tensor& bias) {
  at::Tensor keep[4];
  const float *m = Floats(mean, &keep[0]), *s = Floats(invstd, &keep[1]),
              *w = Floats(weight, &keep[2]), *b = Floats(bias, &keep[3]);
  Folded folded{std::vector<float>(mean.numel()), std::vector<float>(mean.numel())};
  for (int64_t c = 0; c < mean.numel(); ++c) {
    folded.scale[c] = w[c] * s[c];
    const float product = m[c] * folded.scale[c];
    folded.shift[c] = b[c] - product;
  }
  return folded;
}

// Batch norm with the batch's mean and invstd, plus the residual r when it
// is not empty, then ReLU if `relu`.
struct BatchNormNhwc : public torch::autograd::Function<BatchNormNhwc> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, const at::Tensor& mean,
                            const at::Tensor& invstd, const at::Tensor& r, bool relu) {
    const bool residual = r.numel() > 0;
    ctx->saved_data["relu"] = relu;
    ctx->saved_data["residual"] = residual;
    const Layout layout(x.size(1));
    const Folded folded = Fold(mean, invstd, weight, bias);
    const std::vector<float> a = Tile(folded.scale.data(), layout),
                             b = Tile(folded.shift.data(), layout);
    at::Tensor y = at::empty_like(x, at::MemoryFormat::ChannelsLast);
    const float* xd = x.data_ptr<float>();
    const float* rd = residual ? r.data_ptr<float>() : nullptr;
    float* yd = y.data_ptr<float>();
    ForEachGroup(layout, x.numel() / layout.channels, [&](int64_t at, int64_t n) {
      if (residual) {
        NormalizeAdd(xd + at, rd + at, yd + at, n, a.data(), b.data(), relu);
      } else {
        Normalize(xd + at, yd + at, n, a.data(), b.data(), relu);
      }
    });
    // With a residual the ReLU's mask comes from the output, which the next
    // layer keeps anyway; without one, from x * a + b.
    ctx->save_for_backward({x, weight, bias, mean, invstd, residual && relu ? y : at::Tensor()});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &weight = saved[1], &bias = saved[2], &mean = saved[3],
                     &invstd = saved[4], &y = saved[5];
    const bool relu = ctx->saved_data["relu"].toBool();
    const bool residual = ctx->saved_data["residual"].toBool();
    const bool masked = residual && relu;  // the mask read from y
    const at::Tensor grad = grads[0].contiguous(at::MemoryFormat::ChannelsLast);
    const Layout layout(x.size(1));
    const int64_t rows = x.numel() / layout.channels;
    const Folded folded = Fold(mean, invstd, weight, bias);
    at::Tensor keep_mean, keep_invstd;
    const float* mean_d = Floats(mean, &keep_mean);
    const float* invstd_d = Floats(invstd, &keep_invstd);
    const std::vector<float> a = Tile(folded.scale.data(), layout),
                             b = Tile(folded.shift.data(), layout), m = Tile(mean_d, layout);
    const float *xd = x.data_ptr<float>(), *gd = grad.data_ptr<float>();
    const float *ad = a.data(), *bd = b.data(), *md = m.data();
    const float* yd = masked ? y.data_ptr<float>() : nullptr;
    const Sums sums =
        SumRows(layout, rows, [&](int64_t at, int64_t n, float* first, float* second) {
          if (masked) {
            AddMaskedGradients(xd + at, gd + at, yd + at, n, md, first, second);
          } else {
            AddGradients(xd + at, gd + at, n, ad, bd, md, relu, first, second);
          }
        });
    // d weight = sum(g * xhat), d bias = sum(g); dx from both; dr = g masked.
    const std::vector<double>&sum = sums.first, &product = sums.second;
    const int64_t channels = layout.channels;
    at::Tensor grad_x, grad_r;
    if (ctx->needs_input_grad(0) || (masked && ctx->needs_input_grad(5))) {
      std::vector<double> k1c(channels), k2c(channels);
      for (int64_t c = 0; c < channels; ++c) {
        const double scale = folded.scale[c], invstd_c = invstd_d[c];
        k1c[c] = scale * sum[c] / rows;
        k2c[c] = scale * invstd_c * invstd_c * product[c] / rows;
      }
      const std::vector<float> k1 = Tile(k1c.data(), layout), k2 = Tile(k2c.data(), layout);
      const float *k1d = k1.data(), *k2d = k2.data();
      grad_x = at::empty_like(x, at::MemoryFormat::ChannelsLast);
      float* dxd = grad_x.data_ptr<float>();
      if (masked) grad_r = at::empty_like(x, at::MemoryFormat::ChannelsLast);
      float* drd = masked ? grad_r.data_ptr<float>() : nullptr;
      ForEachGroup(layout, rows, [&](int64_t at, int64_t n) {
        if (masked) {
          MaskedInputGradient(xd + at, gd + at, yd + at, dxd + at, drd + at, n, ad, md, k1d, k2d);
        } else {
          InputGradient(xd + at, gd + at, dxd + at, n, ad, bd, md, k1d, k2d, relu);
        }
      });
    }
    if (residual && !relu) grad_r = grad;
    std::vector<double> grad_weight(channels);
    for (int64_t c = 0; c < channels; ++c) grad_weight[c] = product[c] * invstd_d[c];
    return {ctx->needs_input_grad(0) ? grad_x : at::Tensor(),
            ChannelTensor(grad_weight),
            ChannelTensor(sum),
            at::Tensor(),
            at::Tensor(),
            residual ? grad_r : at::Tensor(),
            at::Tensor()};
  }
};

}  // namespace

bool TrainingBatchNormNhwcApplies(const at::Tensor& x) {
  return x.dim() == 4 && x.device().is_cpu() && x.scalar_type() == at::kFloat &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast) && x.numel() > x.size(1);
}

std::pair<at::Tensor, at::Tensor> ChannelsLastStatistics(const at::Tensor& x) {
  const Layout layout(x.size(1));
  const int64_t rows = x.numel() / layout.channels;
  const float* xd = x.data_ptr<float>();
  // Deviations from the first pixel, which keep the variance's digits where
  // E[x^2] - E[x]^2 would lose them.
  const std::vector<float> pivot = Tile(xd, layout);
  const float* pd = pivot.data();
  const Sums sums = SumRows(layout, rows, [&](int64_t at, int64_t n, float* first, float* second) {
    AddDeviations(xd + at, n, pd, first, second);
  });
  std::vector<double> mean(layout.channels), var(layout.channels);
  for (int64_t c = 0; c < layout.channels; ++c) {
    const double shift = sums.first[c] / rows;
    var[c] = std::max(sums.second[c] / rows - shift * shift, 0.0);
    mean[c] = static_cast<double>(xd[c]) + shift;
  }
  return {ChannelTensor(mean), ChannelTensor(var)};
}

at::Tensor TrainingBatchNormNhwc(const at::Tensor& x, const at::Tensor& weight,
                                 const at::Tensor& bias, const at::Tensor& running_mean,
                                 const at::Tensor& running_var, double factor, double eps,
                                 bool relu, const at::Tensor& residual) {
  // No operator of libtorch's: named, the profiler shows it.
  RECORD_FUNCTION(residual.defined() ? (relu ? "rwn::batch_norm_add_relu" : "rwn::batch_norm_add")
                                     : (relu ? "rwn::batch_norm_relu" : "rwn::batch_norm"),
                  std::vector<c10::IValue>());
  at::Tensor mean, var;
  {
    at::NoGradGuard no_grad;
    std::tie(mean, var) = ChannelsLastStatistics(x);
    const double count = static_cast<double>(x.numel() / x.size(1));
    if (running_mean.defined()) running_mean.mul_(1 - factor).add_(mean, factor);
    if (running_var.defined()) {
      running_var.mul_(1 - factor).add_(var, factor * count / (count - 1));
    }
  }
  const at::Tensor invstd = (var + eps).rsqrt();
  const int64_t channels = x.size(1);
  // A Function takes no undefined tensors: no affine parameters are ones and
  // zeros that need no gradient.
  const at::Tensor w = weight.defined() ? weight : at::ones({channels}, x.options());
  const at::Tensor b = bias.defined() ? bias : at::zeros({channels}, x.options());
  const at::Tensor r = residual.defined() ? residual.contiguous(at::MemoryFormat::ChannelsLast)
                                          : at::empty({0}, x.options());
  return BatchNormNhwc::apply(x, w, b, mean, invstd, r, relu);
}

}  // namespace rwn
