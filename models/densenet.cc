// Model `densenet`: DenseNet-BC (and plain DenseNet) following the CIFAR
// definition of bearpaw/pytorch-classification: a 3x3 stem conv of 2k
// filters, three dense blocks of n layers each joined by transitions
// (BN-ReLU-1x1 conv-2x2 average pool, compressing the channels), then
// BN-ReLU, global average pooling and fc. The paper's best performer
// (DenseNet-BC-100-12: Sections 4.1-4.3, Figures 1-5, Tables 1, 2 and 4).
//
// Groups: `conv1`, `block1`, `trans1`, `block2`, `trans2`, `block3` (the
// final BN belongs to it), `fc`. The transitions are groups of their own
// because the paper's Table 1 block counts exclude them.
//
// Parameters on 3x32x32: DenseNet-BC-100-12 769,162 (10 classes) / 800,032
// (100); DenseNet-BC-40-12 176,122 / 188,092.
//
// Example spec:
//   model { densenet { depth: 100 growth_rate: 12 } }
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "models/batch_norm.h"
#include "models/conv.h"
#include "models/densenet.pb.h"
#include "models/model.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

// One dense layer: [BN-ReLU-1x1 conv to 4k] BN-ReLU-3x3 conv to k, then the
// input and the k new channels concatenated.
class DenseLayerImpl : public torch::nn::Module {
 public:
  DenseLayerImpl(int64_t in, int64_t growth, bool bottleneck, double dropout) : dropout_(dropout) {
    int64_t width = in;
    if (bottleneck) {
      bn0_ = register_module("bn1", BatchNorm(in));
      conv0_ = register_module("conv1", Conv(in, 4 * growth, 1));
      width = 4 * growth;
    }
    bn_ = register_module(bottleneck ? "bn2" : "bn1", BatchNorm(width));
    conv_ = register_module(bottleneck ? "conv2" : "conv1", Conv(width, growth, 3));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor out = x;
    if (conv0_) out = conv0_->forward(bn0_->ForwardRelu(out));
    out = conv_->forward(bn_->ForwardRelu(out));
    if (dropout_ > 0) out = torch::dropout(out, dropout_, is_training());
    return torch::cat({x, out}, 1);
  }

 private:
  double dropout_;
  BatchNorm bn0_{nullptr}, bn_{nullptr};
  Conv conv0_{nullptr}, conv_{nullptr};
};
TORCH_MODULE(DenseLayer);

class TransitionImpl : public torch::nn::Module {
 public:
  TransitionImpl(int64_t in, int64_t out)
      : bn_(register_module("bn1", BatchNorm(in))),
        conv_(register_module("conv1", Conv(in, out, 1))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    return torch::avg_pool2d(conv_->forward(bn_->ForwardRelu(x)), 2);
  }

 private:
  BatchNorm bn_;
  Conv conv_;
};
TORCH_MODULE(Transition);

class DensenetImpl : public torch::nn::Module {
 public:
  DensenetImpl(const DensenetSpec& spec, const ModelContext& context) {
    const int64_t n = spec.bottleneck() ? (spec.depth() - 4) / 6 : (spec.depth() - 4) / 3;
    const int64_t growth = spec.growth_rate();
    int64_t channels = 2 * growth;
    conv1_ = register_module("conv1", Conv(context.channels, channels, 3));
    for (int stage = 1; stage <= 3; ++stage) {
      torch::nn::Sequential block;
      for (int64_t i = 0; i < n; ++i) {
        block->push_back(DenseLayer(channels, growth, spec.bottleneck(), spec.dropout()));
        channels += growth;
      }
      blocks_.push_back(register_module(absl::StrCat("dense", stage), block));
      if (stage < 3) {
        const int64_t out = channels / spec.compression();
        transitions_.push_back(
            register_module(absl::StrCat("trans", stage), Transition(channels, out)));
        channels = out;
      }
    }
    bn_ = register_module("bn", BatchNorm(channels));
    fc_ = register_module("fc", torch::nn::Linear(channels, context.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = conv1_->forward(x);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      x = blocks_[i]->forward(x);
      if (i < transitions_.size()) x = transitions_[i]->forward(x);
    }
    return fc_->forward(GlobalAveragePool(bn_->ForwardRelu(x)));
  }

  // conv1, dense1, trans1, dense2, trans2, dense3, pool (the final BN, ReLU
  // and average pooling), fc.
  std::vector<Stage> Stages() {
    auto self = std::static_pointer_cast<DensenetImpl>(shared_from_this());
    std::vector<Stage> stages = {
        {"conv1", {"conv1"}, [self](const torch::Tensor& x) { return self->conv1_->forward(x); }}};
    for (size_t i = 0; i < blocks_.size(); ++i) {
      const std::string dense = absl::StrCat("dense", i + 1);
      stages.push_back({dense, {dense}, [self, i](const torch::Tensor& x) {
                          return self->blocks_[i]->forward(x);
                        }});
      if (i < transitions_.size()) {
        const std::string trans = absl::StrCat("trans", i + 1);
        stages.push_back({trans, {trans}, [self, i](const torch::Tensor& x) {
                            return self->transitions_[i]->forward(x);
                          }});
      }
    }
    stages.push_back({"pool", {"bn"}, [self](const torch::Tensor& x) {
                        return GlobalAveragePool(self->bn_->ForwardRelu(x));
                      }});
    stages.push_back(
        {"fc", {"fc"}, [self](const torch::Tensor& x) { return self->fc_->forward(x); }});
    return stages;
  }

 private:
  Conv conv1_{nullptr};
  std::vector<torch::nn::Sequential> blocks_;
  std::vector<Transition> transitions_;
  BatchNorm bn_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(Densenet);

std::string GroupOf(const std::string& name) {
  const std::string top = std::vector<std::string>(absl::StrSplit(name, '.'))[0];
  if (top.rfind("dense", 0) == 0) return "block" + top.substr(5);
  if (top == "bn") return "block3";
  return top;  // conv1, trans1, trans2, fc
}

absl::StatusOr<std::shared_ptr<Network>> CreateDensenet(const DensenetSpec& spec,
                                                        const ModelContext& context) {
  const int per_layer = spec.bottleneck() ? 6 : 3;
  if (spec.depth() < 4 + per_layer || (spec.depth() - 4) % per_layer != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "depth = ", spec.depth(), "; allowed with bottleneck: ", spec.bottleneck() ? "on" : "off",
        ": ", per_layer, "n + 4 with n >= 1 (",
        spec.bottleneck() ? "10, 16, 22, 40, 100, 190, ..." : "7, 10, 13, 40, 100, ...", ")"));
  }
  if (spec.growth_rate() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("growth_rate = ", spec.growth_rate(), "; allowed: an integer >= 1"));
  }
  if (spec.compression() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("compression = ", spec.compression(), "; allowed: an integer >= 1"));
  }
  if (!(spec.dropout() >= 0 && spec.dropout() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dropout = ", spec.dropout(), "; allowed: 0 <= dropout < 1"));
  }
  return GuardTorch("densenet", [&]() -> absl::StatusOr<std::shared_ptr<Network>> {
    Densenet model(spec, context);
    Initialize(*model, spec.init(), context.seed, LinearInit::kTorchDefault);
    const bool bc = spec.bottleneck() && spec.compression() > 1;
    auto network = MakeNetwork(
        model,
        absl::StrCat(bc ? "DenseNet-BC-" : "DenseNet-", spec.depth(), "-", spec.growth_rate()),
        GroupOf);
    network->stages = model->Stages();
    // bearpaw's names are rwn's.
    network->reference = {
        "densenet",
        absl::StrFormat(R"({"depth": %d, "growth_rate": %d, "compression_rate": %d, )"
                        R"("bottleneck": %s, "drop_rate": %.17g, "num_classes": %d, )"
                        R"("in_channels": %d})",
                        spec.depth(), spec.growth_rate(), spec.compression(),
                        spec.bottleneck() ? "true" : "false", spec.dropout(), context.num_classes,
                        context.channels),
        nullptr};
    return network;
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(ModelRegistry, densenet, DensenetSpec, CreateDensenet,
                    "depth: 10 growth_rate: 4");  // the small configuration of contract tests

}  // namespace rwn
