// Training-mode batch norm, and the ReLU after it, on channels-last float
// tensors on the CPU, in as few passes over memory as the arithmetic allows
// (docs/design.md, "Batch norm in channels-last"): the statistics in one
// read, the normalization, a residual block's shortcut and the ReLU in one
// read (two with the shortcut) and one write, and in
// backward the ReLU's mask recomputed from the input instead of a pass of
// its own. On the thin networks batch norm and ReLU are over a third of a
// step, and libtorch reads each tensor once more for each of them.
#ifndef RWN_MODELS_BATCH_NORM_NHWC_H_
#define RWN_MODELS_BATCH_NORM_NHWC_H_

#include <utility>

namespace at {
class Tensor;
}

namespace rwn {

// Whether TrainingBatchNormNhwc takes x: a 4-D channels-last float tensor
// on the CPU with more than one value per channel.
bool TrainingBatchNormNhwcApplies(const at::Tensor& x);

// batch_norm(x) with the batch's statistics, plus `residual` when it is
// defined (a tensor of x's shape: a residual block's shortcut), then ReLU if
// `relu`, with gradients for x, weight, bias and residual as they require.
// Updates the running statistics (when defined) by `factor`, as
// torch::nn::BatchNorm2d does: the mean, and the unbiased variance. weight
// and bias may be undefined (no affine parameters).
at::Tensor TrainingBatchNormNhwc(const at::Tensor& x, const at::Tensor& weight,
                                 const at::Tensor& bias, const at::Tensor& running_mean,
                                 const at::Tensor& running_var, double factor, double eps,
                                 bool relu, const at::Tensor& residual);

// The per-channel mean and biased variance of a channels-last float tensor,
// as float tensors of size C, read once.
std::pair<at::Tensor, at::Tensor> ChannelsLastStatistics(const at::Tensor& x);

}  // namespace rwn

#endif  // RWN_MODELS_BATCH_NORM_NHWC_H_
