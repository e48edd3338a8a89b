#include "models/model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace rwn {

const char* LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv: return "conv";
    case LayerKind::kBatchNorm: return "batch_norm";
    case LayerKind::kLinear: return "linear";
  }
  return "?";
}

std::vector<Layer> BuildLayerTable(
    torch::nn::Module& module, const std::function<std::string(const std::string&)>& group_of) {
  std::vector<Layer> layers;
  for (const auto& item : module.named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
    const std::string& name = item.key();
    torch::nn::Module& child = *item.value();
    Layer layer;
    layer.name = name;
    layer.group = group_of(name);
    if (auto* conv = child.as<torch::nn::Conv2d>()) {
      layer.kind = LayerKind::kConv;
      layer.shape = conv->weight.sizes().vec();
      layer.out_channels = conv->weight.size(0);
      if (conv->bias.defined()) layer.bias = name + ".bias";
    } else if (auto* bn = child.as<torch::nn::BatchNorm2d>()) {
      if (!bn->options.affine()) continue;
      layer.kind = LayerKind::kBatchNorm;
      layer.shape = bn->weight.sizes().vec();
      layer.out_channels = bn->weight.size(0);
      layer.bias = name + ".bias";
    } else if (auto* linear = child.as<torch::nn::Linear>()) {
      layer.kind = LayerKind::kLinear;
      layer.shape = linear->weight.sizes().vec();
      layer.out_channels = linear->weight.size(0);
      if (linear->bias.defined()) layer.bias = name + ".bias";
    } else {
      continue;
    }
    layer.weight = name + ".weight";
    layers.push_back(std::move(layer));
  }
  return layers;
}

namespace {

// fan_in of a conv or linear weight: in_channels * kernel elements.
int64_t FanIn(const torch::Tensor& weight) { return weight.numel() / weight.size(0); }

void UniformFanIn(torch::Tensor& tensor, int64_t fan_in, at::Generator& generator) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  tensor.uniform_(-bound, bound, generator);
}

}  // namespace

void InitReference(torch::nn::Module& module, uint64_t seed, bool zero_linear_bias) {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& child : module.modules(/*include_self=*/false)) {
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      const int64_t n = conv->weight.size(0) * conv->weight.size(2) * conv->weight.size(3);
      conv->weight.normal_(0.0, std::sqrt(2.0 / static_cast<double>(n)), generator);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* bn = child->as<torch::nn::BatchNorm2d>()) {
      if (bn->options.affine()) {
        bn->weight.fill_(1.0);
        bn->bias.zero_();
      }
    } else if (auto* linear = child->as<torch::nn::Linear>()) {
      // libtorch's default: kaiming_uniform(a = sqrt(5)) = U(+-1/sqrt(fan_in)).
      UniformFanIn(linear->weight, FanIn(linear->weight), generator);
      if (linear->bias.defined()) {
        if (zero_linear_bias) {
          linear->bias.zero_();
        } else {
          UniformFanIn(linear->bias, FanIn(linear->weight), generator);
        }
      }
    }
  }
}

void InitTorchDefault(torch::nn::Module& module, uint64_t seed) {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& child : module.modules(/*include_self=*/false)) {
    torch::Tensor weight, bias;
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* linear = child->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else if (auto* bn = child->as<torch::nn::BatchNorm2d>()) {
      if (bn->options.affine()) {
        bn->weight.fill_(1.0);
        bn->bias.zero_();
      }
      continue;
    } else {
      continue;
    }
    UniformFanIn(weight, FanIn(weight), generator);
    if (bias.defined()) UniformFanIn(bias, FanIn(weight), generator);
  }
}

}  // namespace rwn
