#include "models/model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

#include "models/conv.h"
#include "models/init.pb.h"

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
    if (auto* conv = child.as<ConvImpl>()) {
      layer.kind = LayerKind::kConv;
      layer.shape = conv->whole_weight().sizes().vec();
      layer.out_channels = layer.shape[0];
      if (conv->options().bias) layer.bias = name + ".bias";
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

void Initialize(torch::nn::Module& module, int scheme, uint64_t seed, LinearInit linear_init) {
  torch::NoGradGuard no_grad;
  const bool reference = scheme == REFERENCE;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& child : module.modules(/*include_self=*/false)) {
    if (auto* bn = child->as<torch::nn::BatchNorm2d>()) {
      if (bn->options.affine()) {
        bn->weight.fill_(1.0);
        bn->bias.zero_();
      }
      continue;
    }
    torch::Tensor weight, bias;
    bool is_conv = false;
    if (auto* conv = child->as<ConvImpl>()) {
      weight = conv->weight;
      bias = conv->bias;
      is_conv = true;
    } else if (auto* linear = child->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else {
      continue;
    }
    const int64_t fan_in = FanIn(weight);
    if (!reference) {
      UniformFanIn(weight, fan_in, generator);
      if (bias.defined()) UniformFanIn(bias, fan_in, generator);
    } else if (is_conv) {
      const int64_t n = weight.size(0) * weight.size(2) * weight.size(3);
      weight.normal_(0.0, std::sqrt(2.0 / static_cast<double>(n)), generator);
      if (bias.defined()) bias.zero_();
    } else if (linear_init == LinearInit::kNormal) {
      weight.normal_(0.0, 0.01, generator);
      if (bias.defined()) bias.zero_();
    } else {
      UniformFanIn(weight, fan_in, generator);
      if (bias.defined()) {
        if (linear_init == LinearInit::kZeroBias) {
          bias.zero_();
        } else {
          UniformFanIn(bias, fan_in, generator);
        }
      }
    }
  }
}

at::Tensor GlobalAveragePool(const at::Tensor& x) {
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

}  // namespace rwn

namespace rwn {

void UseChannelsLast(Network* network) {
  torch::NoGradGuard no_grad;
  for (const auto& item : network->module->named_modules()) {
    if (auto* conv = item.value()->as<ConvImpl>()) {
      conv->UseChannelsLast();
      continue;
    }
    for (auto& param : item.value()->named_parameters(/*recurse=*/false)) {
      if (param.value().dim() == 4) {
        param.value().set_data(param.value().data().contiguous(at::MemoryFormat::ChannelsLast));
      }
    }
  }
}

}  // namespace rwn
