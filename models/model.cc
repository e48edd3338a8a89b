#include "models/model.h"

#include <torch/torch.h>

#include <cmath>

#include "core/philox.h"
#include "models/batch_norm.h"
#include "models/conv.h"
#include "models/init.pb.h"
#include "torch_support/parallel.h"

namespace rwn {

const char* LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv:
      return "conv";
    case LayerKind::kBatchNorm:
      return "batch_norm";
    case LayerKind::kLinear:
      return "linear";
  }
  return "?";
}

std::vector<Layer> BuildLayerTable(torch::nn::Module& module,
                                   const std::function<std::string(const std::string&)>& group_of) {
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
    } else if (bool affine = false; VisitBatchNorm(child, [&](auto& bn) {
                 affine = bn.options.affine();
                 if (affine) layer.shape = bn.weight.sizes().vec();
               })) {
      if (!affine) continue;
      layer.kind = LayerKind::kBatchNorm;
      layer.out_channels = layer.shape[0];
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

// Fills `tensor` from the next stream of `seed`: each tensor drawn has its
// own stream, numbered in drawing order, and is drawn on the CPU in parallel
// pieces (core/philox.h: the values depend on the seed alone).
class Draws {
 public:
  explicit Draws(uint64_t seed) : seed_(seed) {}

  void Uniform(torch::Tensor& tensor, double bound) {
    Fill(tensor, [bound](const RandomStream& s, int64_t begin, int64_t end, float* out) {
      s.Uniform(begin, end, -bound, bound, out);
    });
  }
  void Normal(torch::Tensor& tensor, double std) {
    Fill(tensor, [std](const RandomStream& s, int64_t begin, int64_t end, float* out) {
      s.Normal(begin, end, 0.0, std, out);
    });
  }

 private:
  template <class F>
  void Fill(torch::Tensor& tensor, F draw) {
    const RandomStream stream(seed_, next_stream_++);
    torch::Tensor values = torch::empty(tensor.sizes(), torch::kFloat32);
    float* out = values.data_ptr<float>();
    ParallelFor(0, values.numel(), /*grain_size=*/1 << 15,
                [&](int64_t begin, int64_t end) { draw(stream, begin, end, out + begin); });
    tensor.copy_(values);
  }

  uint64_t seed_;
  uint32_t next_stream_ = 0;
};

void UniformFanIn(torch::Tensor& tensor, int64_t fan_in, Draws& draws) {
  draws.Uniform(tensor, 1.0 / std::sqrt(static_cast<double>(fan_in)));
}

}  // namespace

void Initialize(torch::nn::Module& module, int scheme, uint64_t seed, LinearInit linear_init) {
  torch::NoGradGuard no_grad;
  const bool reference = scheme == REFERENCE;
  Draws draws(seed);
  for (const auto& child : module.modules(/*include_self=*/false)) {
    const bool batch_norm = VisitBatchNorm(*child, [](auto& bn) {
      if (bn.options.affine()) {
        bn.weight.fill_(1.0);
        bn.bias.zero_();
      }
    });
    if (batch_norm) continue;
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
      UniformFanIn(weight, fan_in, draws);
      if (bias.defined()) UniformFanIn(bias, fan_in, draws);
    } else if (is_conv) {
      const int64_t n = weight.size(0) * weight.size(2) * weight.size(3);
      draws.Normal(weight, std::sqrt(2.0 / static_cast<double>(n)));
      if (bias.defined()) bias.zero_();
    } else if (linear_init == LinearInit::kNormal) {
      draws.Normal(weight, 0.01);
      if (bias.defined()) bias.zero_();
    } else {
      UniformFanIn(weight, fan_in, draws);
      if (bias.defined()) {
        if (linear_init == LinearInit::kZeroBias) {
          bias.zero_();
        } else {
          UniformFanIn(bias, fan_in, draws);
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

c10::Device DeviceOf(const Network& network) {
  for (const auto& param : network.module->parameters()) return param.device();
  return torch::kCPU;
}

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
