// Conv: the 2-d convolution every rwn model uses. It computes what
// torch::nn::Conv2d computes, and it can be split so that only a slice of its
// weight is learned (docs/design.md, "Learn plans and the two conv paths"):
//
//  - along dim 0 (output filters): one convolution with the whole weight, whose
//    backward computes the input gradient and the weight gradient of the
//    learned filters only (the fixed filters' weight gradient is never
//    computed); a zeroed fixed part is not computed at all: only the learned
//    filters are convolved and the zero channels are padding;
//  - along dim 1 (input channels): the sum of a learned conv over the learned
//    input channels and a fixed conv over the others (skipped when zeroed).
//
// After a split, the parameter `weight` is replaced by `weight_learned` (and
// `bias` by `bias_learned` for a dim-0 split); the fixed parts are constants
// outside the parameter list. Merge() turns it back into a plain conv with
// identical outputs.
#ifndef RWN_MODELS_CONV_H_
#define RWN_MODELS_CONV_H_

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace rwn {

struct ConvOptions {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t kernel = 3;
  int64_t stride = 1;
  int64_t padding = 0;
  bool bias = false;
};

class ConvImpl : public torch::nn::Module {
 public:
  explicit ConvImpl(const ConvOptions& options);
  // in -> out channels, kernel x kernel, padding kernel / 2.
  ConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, bool bias = false);

  at::Tensor forward(const at::Tensor& x);

  const ConvOptions& options() const { return options_; }

  // The whole weight and bias (undefined without bias), assembled from the
  // parts after a split; zeroed parts read as zeros.
  at::Tensor whole_weight() const;
  at::Tensor whole_bias() const;

  // Learns entries [begin, end) along `dim` (0: filters, 1: input channels)
  // and fixes the rest at their current values, or drops them as zero with
  // `zero_fixed`. For dim 0 the bias follows the filters when `learn_bias`;
  // otherwise it stays whole: learned when `learn_bias`, else fixed. Returns
  // the learned tensors: the weight slice, then the learned bias if any. With
  // `zero_fixed`, an empty slice (begin == end) drops the whole conv: its
  // output is zeros and nothing of it is computed.
  std::vector<at::Tensor> Split(int64_t dim, int64_t begin, int64_t end, bool zero_fixed,
                                bool learn_bias);
  // Back to one `weight` (and `bias`) parameter with the same values.
  void Merge();

  bool is_split() const { return split_dim_ >= 0; }
  int64_t split_dim() const { return split_dim_; }
  // Output height and width of the last forward call (0 before any).
  int64_t last_output_height() const { return last_height_; }
  int64_t last_output_width() const { return last_width_; }

  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;
  // Stores the weights (learned and fixed parts) channels-last.
  void UseChannelsLast();

  at::Tensor weight;
  at::Tensor bias;

 private:
  struct Part {
    int64_t begin = 0, end = 0;
    at::Tensor weight;  // undefined: zero, not computed
    at::Tensor bias;    // dim-0 split only
    bool learned = false;
  };
  at::Tensor Convolve(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) const;
  // forward of a split conv: along dim 0 with every part computed, along
  // dim 0 with dropped parts (ForwardWithGaps when one lies between computed
  // ones), along dim 1.
  at::Tensor ForwardFixedFilters(const at::Tensor& x) const;
  at::Tensor ForwardDroppedFilters(const at::Tensor& x) const;
  at::Tensor ForwardWithGaps(const at::Tensor& x) const;
  at::Tensor ForwardInputSplit(const at::Tensor& x) const;
  void Forget(const std::string& name);

  ConvOptions options_;
  int64_t split_dim_ = -1;
  bool any_dropped_ = false;  // a zeroed fixed part that is not computed
  std::vector<Part> parts_;   // in index order along split_dim_
  int64_t last_height_ = 0, last_width_ = 0;
};
TORCH_MODULE(Conv);

}  // namespace rwn

#endif  // RWN_MODELS_CONV_H_
