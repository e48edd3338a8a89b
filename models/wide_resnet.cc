// Model `wide_resnet`: wide residual networks, WRN-<depth>-<k>, following the
// CIFAR definition of bearpaw/pytorch-classification (pre-activation basic
// blocks, 1x1 shortcut conv where the width or stride changes). The paper
// uses WRN-28-4 (Sections 4.2, 4.3, Table 1), WRN-28-10 (Table 2, Fig. 5) and
// widen factor 4 on Tiny-ImageNet (Table 3).
//
// Groups: `conv1` (the stem conv), `block1`..`block3` (the three stages,
// shortcut convs included; the final BN before pooling belongs to `block3`),
// `fc`. Global average pooling replaces bearpaw's fixed 8x8 pooling, which is
// the same on 32x32 inputs and lets 28x28 and 64x64 inputs work.
//
// Parameters on 3x32x32: WRN-28-4 5,849,050 (10 classes) / 5,872,180 (100).
//
// Example spec:
//   model { wide_resnet { depth: 28 widen_factor: 4 } }
#include <torch/torch.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "models/batch_norm.h"
#include "models/conv.h"
#include "models/model.h"
#include "models/wide_resnet.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride, double dropout, bool batch_norm)
      : equal_in_out_(in == out && stride == 1), dropout_(dropout) {
    if (batch_norm) bn1_ = register_module("bn1", BatchNorm(in));
    conv1_ = register_module("conv1", Conv(in, out, 3, stride));
    if (batch_norm) bn2_ = register_module("bn2", BatchNorm(out));
    conv2_ = register_module("conv2", Conv(out, out, 3, 1));
    if (!equal_in_out_) shortcut_ = register_module("shortcut", Conv(in, out, 1, stride));
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor activated = bn1_ ? bn1_->ForwardRelu(x) : torch::relu(x);
    torch::Tensor out = conv1_->forward(activated);
    out = bn2_ ? bn2_->ForwardRelu(out) : torch::relu(out);
    if (dropout_ > 0) out = torch::dropout(out, dropout_, is_training());
    out = conv2_->forward(out);
    // bearpaw: with equal widths the residual is the raw input; otherwise the
    // shortcut conv sees the activated input.
    return out + (equal_in_out_ ? x : shortcut_->forward(activated));
  }

 private:
  bool equal_in_out_;
  double dropout_;
  BatchNorm bn1_{nullptr}, bn2_{nullptr};
  Conv conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};
};
TORCH_MODULE(BasicBlock);

class WideResnetImpl : public torch::nn::Module {
 public:
  WideResnetImpl(const WideResnetSpec& spec, const ModelContext& context) {
    const int64_t n = (spec.depth() - 4) / 6;
    const int64_t k = spec.widen_factor();
    const int64_t widths[] = {16, 16 * k, 32 * k, 64 * k};
    conv1_ = register_module("conv1", Conv(context.channels, widths[0], 3, 1));
    for (int stage = 0; stage < 3; ++stage) {
      torch::nn::Sequential blocks;
      for (int64_t i = 0; i < n; ++i) {
        blocks->push_back(BasicBlock(i == 0 ? widths[stage] : widths[stage + 1], widths[stage + 1],
                                     i == 0 && stage > 0 ? 2 : 1, spec.dropout(),
                                     spec.batch_norm()));
      }
      stages_.push_back(register_module(absl::StrCat("block", stage + 1), blocks));
    }
    if (spec.batch_norm()) bn_ = register_module("bn1", BatchNorm(widths[3]));
    fc_ = register_module("fc", torch::nn::Linear(widths[3], context.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = conv1_->forward(x);
    for (auto& stage : stages_) x = stage->forward(x);
    return fc_->forward(Pool(x));
  }

  // conv1, block1..3, pool (the final BN, ReLU and average pooling), fc.
  std::vector<Stage> Stages() {
    auto self = std::static_pointer_cast<WideResnetImpl>(shared_from_this());
    std::vector<Stage> stages = {
        {"conv1", {"conv1"}, [self](const torch::Tensor& x) { return self->conv1_->forward(x); }}};
    for (size_t i = 0; i < stages_.size(); ++i) {
      const std::string name = absl::StrCat("block", i + 1);
      stages.push_back({name, {name}, [self, i](const torch::Tensor& x) {
                          return self->stages_[i]->forward(x);
                        }});
    }
    stages.push_back({"pool", {"bn1"}, [self](const torch::Tensor& x) { return self->Pool(x); }});
    stages.push_back(
        {"fc", {"fc"}, [self](const torch::Tensor& x) { return self->fc_->forward(x); }});
    return stages;
  }

 private:
  Conv conv1_{nullptr};
  std::vector<torch::nn::Sequential> stages_;
  BatchNorm bn_{nullptr};
  torch::nn::Linear fc_{nullptr};

  torch::Tensor Pool(const torch::Tensor& x) {
    return GlobalAveragePool(bn_ ? bn_->ForwardRelu(x) : torch::relu(x));
  }
};
TORCH_MODULE(WideResnet);

std::string GroupOf(const std::string& name) {
  const std::string top = std::vector<std::string>(absl::StrSplit(name, '.'))[0];
  if (top == "bn1") return "block3";
  return top;
}

// bearpaw's names: its blocks sit in `blockN.layer`, its shortcut is
// `convShortcut`.
std::string ReferenceName(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '.');
  if (parts.size() > 2 && absl::StartsWith(parts[0], "block")) {
    parts.insert(parts.begin() + 1, "layer");
    if (parts[3] == "shortcut") parts[3] = "convShortcut";
  }
  return absl::StrJoin(parts, ".");
}

absl::StatusOr<std::shared_ptr<Network>> CreateWideResnet(const WideResnetSpec& spec,
                                                          const ModelContext& context) {
  if (spec.depth() < 10 || (spec.depth() - 4) % 6 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "depth = ", spec.depth(), "; allowed: 6n + 4 with n >= 1 (10, 16, 22, 28, 34, 40, ...)"));
  }
  if (spec.widen_factor() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("widen_factor = ", spec.widen_factor(), "; allowed: an integer >= 1"));
  }
  if (!(spec.dropout() >= 0 && spec.dropout() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dropout = ", spec.dropout(), "; allowed: 0 <= dropout < 1"));
  }
  return GuardTorch("wide_resnet", [&]() -> absl::StatusOr<std::shared_ptr<Network>> {
    WideResnet model(spec, context);
    // bearpaw's WRN zeroes the classifier's bias.
    Initialize(*model, spec.init(), context.seed, LinearInit::kZeroBias);
    auto network = MakeNetwork(model,
                               absl::StrCat("WRN-", spec.depth(), "-", spec.widen_factor(),
                                            spec.batch_norm() ? "" : " (no BN)"),
                               GroupOf);
    network->stages = model->Stages();
    network->reference = {
        "wrn",
        absl::StrFormat(
            R"({"depth": %d, "widen_factor": %d, "num_classes": %d, "in_channels": %d, )"
            R"("drop_rate": %.17g, "batch_norm": %s})",
            spec.depth(), spec.widen_factor(), context.num_classes, context.channels,
            spec.dropout(), spec.batch_norm() ? "true" : "false"),
        ReferenceName};
    return network;
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(ModelRegistry, wide_resnet, WideResnetSpec, CreateWideResnet,
                    "depth: 10 widen_factor: 1");  // the small configuration of contract tests

}  // namespace rwn
