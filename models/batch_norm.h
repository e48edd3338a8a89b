// BatchNorm: the 2-d batch norm every rwn model uses. It computes what
// torch::nn::BatchNorm2d computes, with the same options, parameters and
// buffers, and a faster training-mode forward on the CPU when nothing needs
// its gradient: a fixed network's batch norms when only fc is learned, the
// fixed blocks before a learned one, the frozen prefix's calibration. There
// libtorch's kernel reads the input three times, accumulating in double; this
// one reads it once for the statistics (docs/design.md, "Batch norm without
// gradients").
#ifndef RWN_MODELS_BATCH_NORM_H_
#define RWN_MODELS_BATCH_NORM_H_

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/pimpl.h>

#include <iosfwd>
#include <utility>

namespace rwn {

class BatchNormImpl
    : public torch::nn::NormImplBase<2, BatchNormImpl, torch::nn::BatchNormOptions> {
 public:
  using NormImplBase::NormImplBase;

  at::Tensor forward(const at::Tensor& x);
  // relu(forward(x)), in one pass over memory where it can
  // (models/batch_norm_nhwc.h).
  at::Tensor ForwardRelu(const at::Tensor& x);
  // relu(forward(x) + shortcut): the end of a residual block, in one pass
  // over memory where it can.
  at::Tensor ForwardAddRelu(const at::Tensor& x, const at::Tensor& shortcut);
  void pretty_print(std::ostream& stream) const override;

 private:
  at::Tensor Forward(const at::Tensor& x, bool relu, const at::Tensor& shortcut);
  void _check_input_dim(const at::Tensor& x) override;
};
TORCH_MODULE(BatchNorm);

// Calls `visit(bn)` when `module` is a batch norm, rwn's or a model plugin's
// own torch::nn::BatchNorm2d (both have options, weight, bias and the running
// statistics); returns whether it was one.
template <class Visit>
bool VisitBatchNorm(torch::nn::Module& module, Visit&& visit) {
  if (auto* bn = module.as<BatchNormImpl>()) {
    visit(*bn);
    return true;
  }
  if (auto* bn = module.as<torch::nn::BatchNorm2dImpl>()) {
    visit(*bn);
    return true;
  }
  return false;
}

// The per-channel mean and biased variance of a contiguous float NCHW tensor
// on the CPU, as float tensors of size C.
std::pair<at::Tensor, at::Tensor> BatchStatistics(const at::Tensor& x);

}  // namespace rwn

#endif  // RWN_MODELS_BATCH_NORM_H_
