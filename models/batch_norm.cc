#include "models/batch_norm.h"

#include <torch/torch.h>

#include <algorithm>
#include <ostream>

#include "models/batch_norm_nhwc.h"
#include "torch_support/parallel.h"

namespace rwn {
namespace {

// Whether forward may take the no-gradient path: training statistics of a
// float NCHW input on the CPU that no gradient flows through.
bool NoGradientTrainingForward(const BatchNormImpl& bn, const at::Tensor& x) {
  if (!bn.is_training() || !bn.options.track_running_stats()) return false;
  if (x.dim() != 4 || !x.device().is_cpu() || x.scalar_type() != at::kFloat) return false;
  if (!x.is_contiguous() || x.numel() <= x.size(1)) return false;  // libtorch names that error
  if (!at::GradMode::is_enabled()) return true;
  auto needs_grad = [](const at::Tensor& t) { return t.defined() && t.requires_grad(); };
  return !needs_grad(x) && !needs_grad(bn.weight) && !needs_grad(bn.bias);
}

// Sum and sum of squared deviations from the row's mean of one row, in float
// (a row is one image's channel, at most a few thousand values, in L1).
void RowMoments(const float* row, int64_t size, double* mean, double* m2) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < size; ++i) sum += row[i];
  const float row_mean = sum / size;
  float squares = 0;
#pragma omp simd reduction(+ : squares)
  for (int64_t i = 0; i < size; ++i) squares += (row[i] - row_mean) * (row[i] - row_mean);
  *mean = row_mean;
  *m2 = squares;
}

// Whether the shortcut can join x in the channels-last kernel: the same
// shape and dtype, on the CPU.
bool SameLayout(const at::Tensor& x, const at::Tensor& shortcut) {
  return shortcut.sizes() == x.sizes() && shortcut.scalar_type() == x.scalar_type() &&
         shortcut.device() == x.device();
}

}  // namespace

std::pair<at::Tensor, at::Tensor> BatchStatistics(const at::Tensor& x) {
  const int64_t images = x.size(0), channels = x.size(1);
  const int64_t size = x.numel() / (images * channels);
  at::Tensor means = at::empty({images, channels}, x.options().dtype(at::kDouble));
  at::Tensor m2s = at::empty({images, channels}, x.options().dtype(at::kDouble));
  const float* data = x.data_ptr<float>();
  double* mean = means.data_ptr<double>();
  double* m2 = m2s.data_ptr<double>();
  const int64_t grain = std::max<int64_t>(1, 32768 / size);
  ParallelFor(0, images * channels, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) RowMoments(data + r * size, size, mean + r, m2 + r);
  });
  // Rows of equal size combine (Chan, Golub and LeVeque): the mean of their
  // means, and their squared deviations plus size x those of their means.
  const at::Tensor channel_mean = means.mean(0);
  const at::Tensor channel_m2 = m2s.sum(0) + (means - channel_mean).square().sum(0) * size;
  return {channel_mean.to(at::kFloat), (channel_m2 / (images * size)).to(at::kFloat)};
}

at::Tensor BatchNormImpl::forward(const at::Tensor& x) {
  return Forward(x, /*relu=*/false, at::Tensor());
}

at::Tensor BatchNormImpl::ForwardRelu(const at::Tensor& x) {
  return Forward(x, /*relu=*/true, at::Tensor());
}

at::Tensor BatchNormImpl::ForwardAddRelu(const at::Tensor& x, const at::Tensor& shortcut) {
  return Forward(x, /*relu=*/true, shortcut);
}

at::Tensor BatchNormImpl::Forward(const at::Tensor& x, bool relu, const at::Tensor& shortcut) {
  _check_input_dim(x);
  // The running averages' weight of this batch, as torch::nn::BatchNorm2d
  // sets it: the momentum, or 1 / batches seen for a cumulative average.
  double factor = options.momentum().value_or(0.0);
  const bool update = is_training() && options.track_running_stats();
  if (update && num_batches_tracked.defined()) {
    num_batches_tracked += 1;
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
  }
  const bool batch_statistics = is_training() || !options.track_running_stats();
  if (batch_statistics && TrainingBatchNormNhwcApplies(x) &&
      (!shortcut.defined() || SameLayout(x, shortcut))) {
    return TrainingBatchNormNhwc(x, weight, bias, update ? running_mean : at::Tensor(),
                                 update ? running_var : at::Tensor(), factor, options.eps(), relu,
                                 shortcut);
  }
  if (!NoGradientTrainingForward(*this, x)) {
    namespace F = torch::nn::functional;
    const at::Tensor out = F::batch_norm(x, running_mean, running_var,
                                         F::BatchNormFuncOptions()
                                             .weight(weight)
                                             .bias(bias)
                                             .training(batch_statistics)
                                             .momentum(factor)
                                             .eps(options.eps()));
    if (shortcut.defined()) return torch::relu(out + shortcut);
    return relu ? torch::relu(out) : out;
  }
  at::Tensor out;
  {
    at::NoGradGuard no_grad;
    const auto [mean, var] = BatchStatistics(x);
    const double count = static_cast<double>(x.numel() / x.size(1));
    running_mean.mul_(1 - factor).add_(mean, factor);
    running_var.mul_(1 - factor).add_(var, factor * count / (count - 1));
    out = at::batch_norm(x, weight, bias, mean, var, /*training=*/false, 0.0, options.eps(),
                         /*cudnn_enabled=*/false);
  }
  // The shortcut may need a gradient where x does not.
  if (shortcut.defined()) return torch::relu(out + shortcut);
  return relu ? out.relu_() : out;
}

void BatchNormImpl::pretty_print(std::ostream& stream) const {
  stream << "rwn::BatchNorm(" << options.num_features() << ", eps=" << options.eps()
         << ", momentum=";
  if (options.momentum()) {
    stream << *options.momentum();
  } else {
    stream << "None";
  }
  stream << ", affine=" << std::boolalpha << options.affine()
         << ", track_running_stats=" << options.track_running_stats() << ")";
}

void BatchNormImpl::_check_input_dim(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 4, "expected 4D input (got ", x.dim(), "D input)");
}

}  // namespace rwn
