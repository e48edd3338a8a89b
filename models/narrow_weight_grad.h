// The weight gradient of a conv that learns a few of its filters, computed
// directly on the CPU for channels-last float tensors. oneDNN's kernel costs
// about as much for one filter as for all of them on the thin convs of
// ResNet-20 and DenseNet (12 or 16 filters, 1 learned), so learning 10% of
// the filters saved little there (docs/design.md, "Learn plans and the two
// conv paths").
#ifndef RWN_MODELS_NARROW_WEIGHT_GRAD_H_
#define RWN_MODELS_NARROW_WEIGHT_GRAD_H_

#include <cstdint>

namespace at {
class Tensor;
}

namespace rwn {

// Whether NarrowWeightGradient applies and beats oneDNN: a float,
// channels-last x of at least 8 channels on the CPU, a kernel wider than 1x1
// and at most kNarrowFilters learned filters, where bench/README.md
// ("Learned filters' weight gradient") measured it faster.
inline constexpr int64_t kNarrowFilters = 6;
bool PreferNarrowWeightGradient(const at::Tensor& x, int64_t filters, int64_t kernel);

// The gradient of a square `kernel` conv's weight (ungrouped, no dilation)
// for the filters whose output gradient is `grad` ([N, k, OH, OW]), given
// its input `x` ([N, C, H, W]): a channels-last [k, C, kernel, kernel].
// `grad` may be k filters narrowed from a wider channels-last gradient: it
// is read where it lies.
at::Tensor NarrowWeightGradient(const at::Tensor& grad, const at::Tensor& x, int64_t kernel,
                                int64_t stride, int64_t padding);

}  // namespace rwn

#endif  // RWN_MODELS_NARROW_WEIGHT_GRAD_H_
