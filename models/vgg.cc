// Model `vgg`: VGG-11/13/16/19, with or without batch norm, following the
// CIFAR definition of bearpaw/pytorch-classification: 3x3 convs with bias
// (each followed by BN when on, and ReLU) in five stages separated by 2x2 max
// pooling, then one linear layer on 512 features. The paper runs VGG-19 with
// and without BN (Figures 1, 3, 4).
//
// Pooling uses ceil mode and the classifier sees globally averaged
// features. On 32x32 inputs this is exactly bearpaw's network. It also lets
// 28x28 inputs (which floor pooling would shrink to nothing) and 64x64 inputs
// work.
//
// Groups: `stage1`..`stage5` (the convs, and their BNs, between poolings),
// `fc`.
//
// Parameters on 3x32x32: VGG-19-BN 20,040,522 (10 classes) / 20,086,692 (100).
//
// Example spec:
//   model { vgg { depth: 19 batch_norm: false } }
#include <torch/torch.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "models/batch_norm.h"
#include "models/conv.h"
#include "models/model.h"
#include "models/vgg.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

// Filters of each conv, stage by stage (configurations A, B, D, E).
const std::map<int, std::vector<std::vector<int64_t>>>& Configurations() {
  static const auto* configurations = new std::map<int, std::vector<std::vector<int64_t>>>{
      {11, {{64}, {128}, {256, 256}, {512, 512}, {512, 512}}},
      {13, {{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}}},
      {16, {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}}},
      {19,
       {{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512, 512, 512, 512}}},
  };
  return *configurations;
}

class VggImpl : public torch::nn::Module {
 public:
  VggImpl(const VggSpec& spec, const ModelContext& context) {
    int64_t channels = context.channels;
    const auto& stages = Configurations().at(spec.depth());
    for (size_t s = 0; s < stages.size(); ++s) {
      torch::nn::Sequential stage;
      for (size_t i = 0; i < stages[s].size(); ++i) {
        const int64_t filters = stages[s][i] / spec.width_divisor();
        stage->push_back(absl::StrCat("conv", i + 1),
                         Conv(channels, filters, /*kernel=*/3, /*stride=*/1, /*bias=*/true));
        if (spec.batch_norm()) {
          stage->push_back(absl::StrCat("bn", i + 1), BatchNorm(filters));
        }
        stage->push_back(absl::StrCat("relu", i + 1), torch::nn::ReLU());
        channels = filters;
      }
      stage->push_back("pool",
                       torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).ceil_mode(true)));
      stages_.push_back(register_module(absl::StrCat("stage", s + 1), stage));
    }
    fc_ = register_module("fc", torch::nn::Linear(channels, context.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) {
    for (auto& stage : stages_) x = stage->forward(x);
    return fc_->forward(GlobalAveragePool(x));
  }

 private:
  std::vector<torch::nn::Sequential> stages_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(Vgg);

std::string GroupOf(const std::string& name) {
  return std::vector<std::string>(absl::StrSplit(name, '.'))[0];  // stageN, fc
}

// bearpaw's names: one `features` Sequential of conv[, bn], relu per conv
// and a max pool per stage, and `classifier` for fc.
std::function<std::string(const std::string&)> ReferenceNames(const VggSpec& spec) {
  std::map<std::string, std::string> modules = {{"fc", "classifier"}};
  int index = 0;
  const auto& stages = Configurations().at(spec.depth());
  for (size_t s = 0; s < stages.size(); ++s) {
    for (size_t i = 0; i < stages[s].size(); ++i) {
      const std::string prefix = absl::StrCat("stage", s + 1, ".");
      modules[absl::StrCat(prefix, "conv", i + 1)] = absl::StrCat("features.", index++);
      if (spec.batch_norm())
        modules[absl::StrCat(prefix, "bn", i + 1)] = absl::StrCat("features.", index++);
      ++index;  // relu
    }
    ++index;  // max pool
  }
  return [modules](const std::string& name) {
    const size_t dot = name.rfind('.');
    return modules.at(name.substr(0, dot)) + name.substr(dot);
  };
}

absl::StatusOr<std::shared_ptr<Network>> CreateVgg(const VggSpec& spec,
                                                   const ModelContext& context) {
  if (Configurations().count(spec.depth()) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("depth = ", spec.depth(), "; allowed: 11, 13, 16, 19"));
  }
  if (spec.width_divisor() < 1 || spec.width_divisor() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("width_divisor = ", spec.width_divisor(), "; allowed: 1 to 64"));
  }
  return GuardTorch("vgg", [&]() -> absl::StatusOr<std::shared_ptr<Network>> {
    Vgg model(spec, context);
    // bearpaw's VGG draws the classifier from normal(0, 0.01), bias 0.
    Initialize(*model, spec.init(), context.seed, LinearInit::kNormal);
    auto network = MakeNetwork(
        model,
        absl::StrCat("VGG-", spec.depth(), spec.batch_norm() ? "-BN" : "",
                     spec.width_divisor() > 1 ? absl::StrCat("/", spec.width_divisor()) : ""),
        GroupOf);
    network->reference = {
        "vgg",
        absl::StrFormat(R"({"depth": %d, "batch_norm": %s, "width_divisor": %d, )"
                        R"("num_classes": %d, "in_channels": %d})",
                        spec.depth(), spec.batch_norm() ? "true" : "false", spec.width_divisor(),
                        context.num_classes, context.channels),
        ReferenceNames(spec)};
    return network;
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(ModelRegistry, vgg, VggSpec, CreateVgg,
                    "depth: 11 width_divisor: 8");  // the small configuration of contract tests

}  // namespace rwn
