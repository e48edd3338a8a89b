// Model `resnet`: residual networks following the CIFAR definition of
// bearpaw/pytorch-classification: a 3x3 stem conv of 16 filters with BN,
// three stages of n blocks (16, 32, 64 filters; x4 with bottleneck blocks),
// a 1x1 conv + BN downsampling shortcut where shape changes, global average
// pooling and fc. The paper's plain ResNets (Figures 1, 3, 4).
//
// Groups: `conv1` (stem conv and its BN), `block1`..`block3` (the three
// stages, shortcuts included), `fc`.
//
// Parameters on 3x32x32: ResNet-20 272,474 (10 classes) / 278,324 (100).
//
// Example spec:
//   model { resnet { depth: 56 } }
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "models/batch_norm.h"
#include "models/conv.h"
#include "models/model.h"
#include "models/resnet.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

// A basic (3x3, 3x3) or bottleneck (1x1, 3x3, 1x1 x4) block with its
// shortcut; post-activation as in the original ResNet.
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(int64_t in, int64_t planes, int64_t stride, bool bottleneck) {
    const int64_t out = bottleneck ? 4 * planes : planes;
    if (bottleneck) {
      convs_ = {Conv(in, planes, 1, 1), Conv(planes, planes, 3, stride), Conv(planes, out, 1, 1)};
    } else {
      convs_ = {Conv(in, planes, 3, stride), Conv(planes, planes, 3, 1)};
    }
    for (size_t i = 0; i < convs_.size(); ++i) {
      register_module(absl::StrCat("conv", i + 1), convs_[i]);
      bns_.push_back(
          register_module(absl::StrCat("bn", i + 1), BatchNorm(convs_[i]->options().out_channels)));
    }
    if (stride != 1 || in != out) {
      downsample_ = register_module(
          "downsample", torch::nn::Sequential(Conv(in, out, 1, stride), BatchNorm(out)));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor out = x;
    for (size_t i = 0; i + 1 < convs_.size(); ++i)
      out = bns_[i]->ForwardRelu(convs_[i]->forward(out));
    out = convs_.back()->forward(out);
    return bns_.back()->ForwardAddRelu(out, downsample_ ? downsample_->forward(x) : x);
  }

 private:
  std::vector<Conv> convs_;
  std::vector<BatchNorm> bns_;
  torch::nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(Block);

class ResnetImpl : public torch::nn::Module {
 public:
  ResnetImpl(const ResnetSpec& spec, const ModelContext& context) {
    const int64_t n = spec.bottleneck() ? (spec.depth() - 2) / 9 : (spec.depth() - 2) / 6;
    const int64_t expansion = spec.bottleneck() ? 4 : 1;
    conv1_ = register_module("conv1", Conv(context.channels, 16, 3, 1));
    bn1_ = register_module("bn1", BatchNorm(16));
    int64_t channels = 16;
    for (int stage = 0; stage < 3; ++stage) {
      const int64_t planes = 16 << stage;
      torch::nn::Sequential blocks;
      for (int64_t i = 0; i < n; ++i) {
        blocks->push_back(Block(channels, planes, i == 0 && stage > 0 ? 2 : 1, spec.bottleneck()));
        channels = planes * expansion;
      }
      stages_.push_back(register_module(absl::StrCat("layer", stage + 1), blocks));
    }
    fc_ = register_module("fc", torch::nn::Linear(channels, context.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = bn1_->ForwardRelu(conv1_->forward(x));
    for (auto& stage : stages_) x = stage->forward(x);
    return fc_->forward(GlobalAveragePool(x));
  }

  // stem (conv1, bn1, ReLU), layer1..3, pool, fc.
  std::vector<Stage> Stages() {
    auto self = std::static_pointer_cast<ResnetImpl>(shared_from_this());
    std::vector<Stage> stages = {{"stem", {"conv1", "bn1"}, [self](const torch::Tensor& x) {
                                    return self->bn1_->ForwardRelu(self->conv1_->forward(x));
                                  }}};
    for (size_t i = 0; i < stages_.size(); ++i) {
      const std::string name = absl::StrCat("layer", i + 1);
      stages.push_back({name, {name}, [self, i](const torch::Tensor& x) {
                          return self->stages_[i]->forward(x);
                        }});
    }
    stages.push_back({"pool", {}, [](const torch::Tensor& x) { return GlobalAveragePool(x); }});
    stages.push_back(
        {"fc", {"fc"}, [self](const torch::Tensor& x) { return self->fc_->forward(x); }});
    return stages;
  }

 private:
  Conv conv1_{nullptr};
  BatchNorm bn1_{nullptr};
  std::vector<torch::nn::Sequential> stages_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(Resnet);

std::string GroupOf(const std::string& name) {
  const std::string top = std::vector<std::string>(absl::StrSplit(name, '.'))[0];
  if (top.rfind("layer", 0) == 0) return "block" + top.substr(5);
  if (top == "bn1") return "conv1";
  return top;  // conv1, fc
}

absl::StatusOr<std::shared_ptr<Network>> CreateResnet(const ResnetSpec& spec,
                                                      const ModelContext& context) {
  const int per_block = spec.bottleneck() ? 9 : 6;
  if (spec.depth() < per_block + 2 || (spec.depth() - 2) % per_block != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "depth = ", spec.depth(), "; allowed with ", spec.bottleneck() ? "bottleneck" : "basic",
        " blocks: ", per_block, "n + 2 with n >= 1 (",
        spec.bottleneck() ? "11, 20, 29, 47, 164, ..." : "8, 14, 20, 32, 44, 56, 110, ...", ")"));
  }
  return GuardTorch("resnet", [&]() -> absl::StatusOr<std::shared_ptr<Network>> {
    Resnet model(spec, context);
    Initialize(*model, spec.init(), context.seed, LinearInit::kTorchDefault);
    auto network = MakeNetwork(
        model, absl::StrCat("ResNet-", spec.depth(), spec.bottleneck() ? " (bottleneck)" : ""),
        GroupOf);
    network->stages = model->Stages();
    // bearpaw's names are rwn's.
    network->reference = {
        "resnet",
        absl::StrFormat(
            R"({"depth": %d, "num_classes": %d, "in_channels": %d, "block_name": "%s"})",
            spec.depth(), context.num_classes, context.channels,
            spec.bottleneck() ? "Bottleneck" : "BasicBlock"),
        nullptr};
    return network;
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(ModelRegistry, resnet, ResnetSpec, CreateResnet,
                    "depth: 8");  // the small configuration of contract tests

}  // namespace rwn
