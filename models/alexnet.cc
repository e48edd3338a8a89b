// Model `alexnet`: bearpaw/pytorch-classification's CIFAR AlexNet: conv
// 11x11/4 (64) - pool - conv 5x5 (192) - pool - conv 3x3 (384) - conv 3x3
// (256) - conv 3x3 (256) - pool - linear, all convs with bias and ReLU, no
// batch norm. The paper finds it fails to learn with few filters (Section
// 4.2, Figure 1).
//
// Pooling uses ceil mode and the classifier sees globally averaged
// features. On 32x32 inputs this is exactly bearpaw's network. It also lets
// 28x28 and 64x64 inputs work.
//
// Groups: `stage1` (conv1), `stage2` (conv2), `stage3` (conv3..conv5), `fc`:
// the stretches between poolings.
//
// Parameters on 3x32x32: 2,472,266 (10 classes) / 2,495,396 (100).
//
// Example spec:
//   model { alexnet { } }
#include <torch/torch.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/alexnet.pb.h"
#include "models/conv.h"
#include "models/model.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

Conv MakeConv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return Conv(ConvOptions{in, out, kernel, stride, padding, /*bias=*/true});
}

torch::Tensor Pool(const torch::Tensor& x) {
  return torch::max_pool2d(x, /*kernel_size=*/2, /*stride=*/2, /*padding=*/0, /*dilation=*/1,
                           /*ceil_mode=*/true);
}

class AlexnetImpl : public torch::nn::Module {
 public:
  AlexnetImpl(const ModelContext& context, int64_t d)
      : conv1_(register_module("conv1", MakeConv(context.channels, 64 / d, 11, 4, 5))),
        conv2_(register_module("conv2", MakeConv(64 / d, 192 / d, 5, 1, 2))),
        conv3_(register_module("conv3", MakeConv(192 / d, 384 / d, 3, 1, 1))),
        conv4_(register_module("conv4", MakeConv(384 / d, 256 / d, 3, 1, 1))),
        conv5_(register_module("conv5", MakeConv(256 / d, 256 / d, 3, 1, 1))),
        fc_(register_module("fc", torch::nn::Linear(256 / d, context.num_classes))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = Pool(torch::relu(conv1_->forward(x)));
    x = Pool(torch::relu(conv2_->forward(x)));
    x = torch::relu(conv3_->forward(x));
    x = torch::relu(conv4_->forward(x));
    x = Pool(torch::relu(conv5_->forward(x)));
    return fc_->forward(GlobalAveragePool(x));
  }

 private:
  Conv conv1_, conv2_, conv3_, conv4_, conv5_;
  torch::nn::Linear fc_;
};
TORCH_MODULE(Alexnet);

std::string GroupOf(const std::string& name) {
  if (name == "conv1") return "stage1";
  if (name == "conv2") return "stage2";
  if (name == "fc") return "fc";
  return "stage3";
}

// bearpaw's names: the convs are `features` 0, 3, 6, 8 and 10 (between
// them ReLUs and max pools), fc is `classifier`.
std::string ReferenceName(const std::string& name) {
  static const auto* const kModules = new std::map<std::string, std::string>{
      {"conv1", "features.0"}, {"conv2", "features.3"},  {"conv3", "features.6"},
      {"conv4", "features.8"}, {"conv5", "features.10"}, {"fc", "classifier"}};
  const size_t dot = name.find('.');
  return kModules->at(name.substr(0, dot)) + name.substr(dot);
}

absl::StatusOr<std::shared_ptr<Network>> CreateAlexnet(const AlexnetSpec& spec,
                                                       const ModelContext& context) {
  if (spec.width_divisor() < 1 || spec.width_divisor() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("width_divisor = ", spec.width_divisor(), "; allowed: 1 to 64"));
  }
  return GuardTorch("alexnet", [&]() -> absl::StatusOr<std::shared_ptr<Network>> {
    Alexnet model(context, spec.width_divisor());
    // bearpaw's AlexNet is initialized by libtorch's defaults alone.
    Initialize(*model, TORCH_DEFAULT, context.seed, LinearInit::kTorchDefault);
    auto network = MakeNetwork(
        model,
        spec.width_divisor() > 1 ? absl::StrCat("AlexNet/", spec.width_divisor()) : "AlexNet",
        GroupOf);
    network->reference = {
        "alexnet",
        absl::StrFormat(R"({"width_divisor": %d, "num_classes": %d, "in_channels": %d})",
                        spec.width_divisor(), context.num_classes, context.channels),
        ReferenceName};
    return network;
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(ModelRegistry, alexnet, AlexnetSpec, CreateAlexnet,
                    "width_divisor: 4");  // the small configuration of contract tests

}  // namespace rwn
