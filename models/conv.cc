#include "models/conv.h"

#include <torch/torch.h>

#include <tuple>

#include "models/narrow_weight_grad.h"

namespace rwn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A conv whose filters [begin, begin + k) are learned and the others fixed
// (random, not zero): one convolution forward with the whole weight, and in
// backward the input gradient with the whole weight but the weight (and
// bias) gradient of the k learned filters only. This is what learning few
// filters saves; splitting into two convs instead runs oneDNN on odd filter
// counts and costs more than it saves. A few filters' weight gradient on a
// channels-last input is rwn's own kernel (models/narrow_weight_grad.h).
struct LearnedFilters : public torch::autograd::Function<LearnedFilters> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& learned_weight,
                               const torch::Tensor& learned_bias, const torch::Tensor& whole_weight,
                               const torch::Tensor& whole_bias, int64_t begin, int64_t stride,
                               int64_t padding) {
    // Empty tensors stand for "no bias": a Function takes no undefined ones.
    torch::Tensor out = torch::conv2d(
        x, whole_weight, whole_bias.numel() > 0 ? whole_bias : torch::Tensor(), stride, padding);
    // Under autocast the conv ran in bfloat16, and backward runs outside it:
    // save its operands in the dtype it ran in, so that backward's convs see
    // one dtype (the engine casts the learned weight's gradient back).
    const at::ScalarType dtype = out.scalar_type();
    ctx->save_for_backward({x.to(dtype), whole_weight.to(dtype), learned_weight.to(dtype)});
    ctx->saved_data["begin"] = begin;
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["learn_bias"] = learned_bias.numel() > 0;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& whole_weight = saved[1];
    const torch::Tensor& learned_weight = saved[2];
    const int64_t begin = ctx->saved_data["begin"].toInt();
    const int64_t stride = ctx->saved_data["stride"].toInt();
    const int64_t padding = ctx->saved_data["padding"].toInt();
    const bool learn_bias = ctx->saved_data["learn_bias"].toBool();
    // In the input's layout: converting a channels-last gradient to NCHW
    // cost a copy and oneDNN reorders each step.
    const at::MemoryFormat format = x.suggest_memory_format();
    const torch::Tensor grad = grads[0].contiguous(format);
    torch::Tensor grad_x;
    if (ctx->needs_input_grad(0)) {
      grad_x = std::get<0>(at::convolution_backward(
          grad, x, whole_weight, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1},
          /*transposed=*/false, {0, 0}, /*groups=*/1, {true, false, false}));
    }
    const int64_t k = learned_weight.size(0);
    const torch::Tensor grad_k = grad.narrow(1, begin, k);  // read in place by rwn's kernel
    torch::Tensor grad_w, grad_b;
    const int64_t kernel = learned_weight.size(2);
    if (PreferNarrowWeightGradient(x, k, kernel)) {
      grad_w = NarrowWeightGradient(grad_k, x, kernel, stride, padding);
      if (learn_bias) grad_b = grad_k.sum({0, 2, 3});
    } else {
      std::tie(std::ignore, grad_w, grad_b) = at::convolution_backward(
          grad_k.contiguous(format), x, learned_weight,
          learn_bias ? c10::optional<at::IntArrayRef>(at::IntArrayRef{k}) : c10::nullopt,
          {stride, stride}, {padding, padding}, {1, 1}, false, {0, 0}, 1,
          {false, true, learn_bias});
    }
    return {grad_x,          grad_w,          learn_bias ? grad_b : torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

ConvImpl::ConvImpl(const ConvOptions& options) : options_(options) {
  weight = register_parameter("weight", torch::empty({options.out_channels, options.in_channels,
                                                      options.kernel, options.kernel}));
  if (options.bias) bias = register_parameter("bias", torch::zeros({options.out_channels}));
}

ConvImpl::ConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool bias)
    : ConvImpl(ConvOptions{in, out, kernel, stride, kernel / 2, bias}) {}

at::Tensor ConvImpl::Convolve(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const {
  return torch::conv2d(x, w, b, options_.stride, options_.padding);
}

at::Tensor ConvImpl::forward(const at::Tensor& x) {
  torch::Tensor out;
  if (split_dim_ < 0) {
    out = Convolve(x, weight, bias);
  } else if (split_dim_ == 0 && !any_dropped_) {
    out = ForwardFixedFilters(x);
  } else if (split_dim_ == 0) {
    out = ForwardDroppedFilters(x);
  } else {
    out = ForwardInputSplit(x);
  }
  last_height_ = out.size(2);
  last_width_ = out.size(3);
  return out;
}

at::Tensor ConvImpl::ForwardFixedFilters(const at::Tensor& x) const {
  // Fixed random filters: one conv, weight gradient of the learned ones only.
  const Part* learned = nullptr;
  for (const Part& part : parts_) {
    if (part.learned) learned = &part;
  }
  if (learned == nullptr) return Convolve(x, whole_weight(), whole_bias());
  const torch::Tensor none = torch::empty({0}, x.options());
  const torch::Tensor whole_w = whole_weight().detach();
  const torch::Tensor whole_b = whole_bias().defined() ? whole_bias().detach() : none;
  const bool learn_bias = learned->bias.defined() && learned->bias.requires_grad();
  return LearnedFilters::apply(x, learned->weight, learn_bias ? learned->bias : none, whole_w,
                               whole_b, learned->begin, options_.stride, options_.padding);
}

at::Tensor ConvImpl::ForwardDroppedFilters(const at::Tensor& x) const {
  // Computed parts, and zero channels before / after them for dropped ones.
  std::vector<torch::Tensor> pieces;
  int64_t zeros_before = 0, zeros_after = 0;
  bool gap = false;  // a dropped part between computed ones
  for (const Part& part : parts_) {
    if (part.weight.defined()) {
      if (zeros_after > 0) gap = true;
      pieces.push_back(Convolve(x, part.weight, part.bias));
    } else if (pieces.empty()) {
      zeros_before += part.end - part.begin;
    } else {
      zeros_after += part.end - part.begin;
    }
  }
  if (pieces.empty()) {  // everything zero: not computed at all
    const int64_t k = options_.kernel, p = options_.padding, st = options_.stride;
    return torch::zeros({x.size(0), options_.out_channels, (x.size(2) + 2 * p - k) / st + 1,
                         (x.size(3) + 2 * p - k) / st + 1},
                        x.options());
  }
  if (gap) return ForwardWithGaps(x);
  torch::Tensor out = pieces.size() == 1 ? pieces[0] : torch::cat(pieces, 1);
  if (zeros_before == 0 && zeros_after == 0) return out;
  return torch::constant_pad_nd(out, {0, 0, 0, 0, zeros_before, zeros_after});
}

at::Tensor ConvImpl::ForwardWithGaps(const at::Tensor& x) const {
  // Rare: a dropped part between computed ones, zeroed by concatenation.
  std::vector<torch::Tensor> pieces;
  for (const Part& part : parts_) {
    pieces.push_back(part.weight.defined() ? Convolve(x, part.weight, part.bias) : torch::Tensor());
  }
  const auto shape = (pieces[0].defined() ? pieces[0] : pieces[1]).sizes().vec();
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (!pieces[i].defined()) {
      auto zeros_shape = shape;
      zeros_shape[1] = parts_[i].end - parts_[i].begin;
      pieces[i] = torch::zeros(zeros_shape, x.options());
    }
  }
  return torch::cat(pieces, 1);
}

at::Tensor ConvImpl::ForwardInputSplit(const at::Tensor& x) const {
  // The sum of a conv per computed stretch of input channels.
  torch::Tensor out;
  for (const Part& part : parts_) {
    if (!part.weight.defined()) continue;
    torch::Tensor piece =
        Convolve(x.narrow(1, part.begin, part.end - part.begin), part.weight, torch::Tensor());
    out = out.defined() ? out + piece : piece;
  }
  if (bias.defined()) out = out + bias.view({1, -1, 1, 1});
  return out;
}

at::Tensor ConvImpl::whole_weight() const {
  if (split_dim_ < 0) return weight;
  std::vector<torch::Tensor> pieces;
  for (const Part& part : parts_) {
    if (part.weight.defined()) {
      pieces.push_back(part.weight);
    } else {
      auto shape = weight.sizes().vec();
      shape[split_dim_] = part.end - part.begin;
      pieces.push_back(torch::zeros(shape, weight.options()));
    }
  }
  return torch::cat(pieces, split_dim_);
}

at::Tensor ConvImpl::whole_bias() const {
  if (split_dim_ != 0 || !options_.bias) return bias;
  std::vector<torch::Tensor> pieces;
  for (const Part& part : parts_) {
    pieces.push_back(part.bias.defined() ? part.bias
                                         : torch::zeros({part.end - part.begin}, weight.options()));
  }
  return torch::cat(pieces, 0);
}

void ConvImpl::Forget(const std::string& name) {
  if (parameters_.contains(name)) parameters_.erase(name);
}

std::vector<at::Tensor> ConvImpl::Split(int64_t dim, int64_t begin, int64_t end, bool zero_fixed,
                                        bool learn_bias) {
  TORCH_CHECK(!is_split(), "conv is already split");
  TORCH_CHECK(dim == 0 || dim == 1, "a conv splits along dim 0 or 1, not ", dim);
  const int64_t size = weight.size(dim);
  TORCH_CHECK(0 <= begin && begin <= end && end <= size && (begin < end || zero_fixed),
              "bad slice [", begin, ", ", end, ") of ", size);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> learned;
  const torch::Tensor full_weight = weight.detach();
  const torch::Tensor full_bias = bias.defined() ? bias.detach() : torch::Tensor();
  for (auto [from, to, is_learned] : {std::tuple<int64_t, int64_t, bool>{0, begin, false},
                                      {begin, end, true},
                                      {end, size, false}}) {
    if (from == to) continue;
    Part part{from, to, {}, {}, is_learned};
    if (!is_learned && zero_fixed) any_dropped_ = true;
    if (is_learned || !zero_fixed) {
      part.weight = full_weight.narrow(dim, from, to - from).clone();
      if (dim == 0 && full_bias.defined()) part.bias = full_bias.narrow(0, from, to - from).clone();
    }
    if (is_learned) {
      part.weight.requires_grad_(true);
      if (part.bias.defined()) part.bias.requires_grad_(learn_bias);
    }
    parts_.push_back(part);
  }
  split_dim_ = dim;
  Forget("weight");
  for (Part& part : parts_) {
    if (!part.learned) continue;
    part.weight = register_parameter("weight_learned", part.weight);
    learned.push_back(part.weight);
    if (dim == 0 && part.bias.defined() && learn_bias) {
      part.bias = register_parameter("bias_learned", part.bias);
      learned.push_back(part.bias);
    }
  }
  if (dim == 0) {
    Forget("bias");  // the bias now lives in the parts
  } else if (bias.defined()) {
    if (zero_fixed && !learn_bias) bias.zero_();
    bias.requires_grad_(learn_bias);
    if (learn_bias) learned.push_back(bias);
  }
  return learned;
}

void ConvImpl::Merge() {
  if (!is_split()) return;
  torch::NoGradGuard no_grad;
  torch::Tensor merged_weight = whole_weight().detach().clone();
  torch::Tensor merged_bias =
      whole_bias().defined() ? whole_bias().detach().clone() : torch::Tensor();
  Forget("weight_learned");
  Forget("bias_learned");
  Forget("bias");
  parts_.clear();
  split_dim_ = -1;
  any_dropped_ = false;
  weight = register_parameter("weight", merged_weight);
  if (merged_bias.defined()) bias = register_parameter("bias", merged_bias);
}

void ConvImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  for (Part& part : parts_) {
    if (part.learned) continue;  // parameters moved above
    if (part.weight.defined()) part.weight = part.weight.to(device, dtype, non_blocking);
    if (part.bias.defined()) part.bias = part.bias.to(device, dtype, non_blocking);
  }
}

void ConvImpl::UseChannelsLast() {
  torch::NoGradGuard no_grad;
  for (auto& param : named_parameters(/*recurse=*/false)) {
    if (param.value().dim() != 4) continue;  // a bias has no layout to change
    param.value().set_data(param.value().data().contiguous(at::MemoryFormat::ChannelsLast));
  }
  for (Part& part : parts_) {
    if (!part.learned && part.weight.defined()) {
      part.weight = part.weight.contiguous(at::MemoryFormat::ChannelsLast);
    }
  }
}

void ConvImpl::to(torch::Dtype dtype, bool non_blocking) {
  to(weight.device(), dtype, non_blocking);
}

void ConvImpl::to(torch::Device device, bool non_blocking) {
  to(device, weight.scalar_type(), non_blocking);
}

}  // namespace rwn
