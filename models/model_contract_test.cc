// The contract every registered model keeps, checked on a small
// configuration of each: forward shapes for 1x28x28, 3x32x32 and 3x64x64
// inputs with any class count; a layer table that covers every parameter
// exactly once; seeded initialization; one SGD step that lowers the loss;
// the same logits in channels-last, rwn's default layout on a CPU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "core/testing.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "models/testing.h"

namespace rwn {
namespace {

std::shared_ptr<Network> Make(const std::string& model, const ModelContext& context) {
  return MakeSmallModel(model, context);
}

class ModelContractTest : public ::testing::TestWithParam<std::string> {};

TEST(ModelContractCoverageTest, EveryRegisteredModelHasASmallSpec) {
  for (const std::string& name : ModelRegistry::Global().Names()) {
    EXPECT_EQ(SmallModelSpecs().count(name), 1u)
        << name << " registers no example spec (its small configuration); give one after its "
        << "factory in RWN_REGISTER_PLUGIN";
  }
}

TEST_P(ModelContractTest, ForwardShapesForEveryInputSize) {
  for (ModelContext context : {ModelContext{1, 28, 28, 10, 1}, ModelContext{3, 32, 32, 100, 1},
                               ModelContext{3, 64, 64, 200, 1}}) {
    auto network = Make(GetParam(), context);
    ASSERT_NE(network, nullptr);
    network->module->eval();
    torch::NoGradGuard no_grad;
    torch::Tensor out =
        network->forward(torch::randn({2, context.channels, context.height, context.width}));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, context.num_classes}))
        << context.channels << "x" << context.height;
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  }
}

TEST_P(ModelContractTest, LayerTableCoversEveryParameterOnce) {
  auto network = Make(GetParam(), ModelContext{});
  std::map<std::string, int> seen;
  for (const Layer& layer : network->layers) {
    ++seen[layer.weight];
    if (!layer.bias.empty()) ++seen[layer.bias];
    EXPECT_FALSE(layer.group.empty()) << layer.name;
    EXPECT_GT(layer.out_channels, 0) << layer.name;
  }
  const auto params = network->module->named_parameters();
  EXPECT_EQ(seen.size(), params.size());
  for (const auto& p : params) EXPECT_EQ(seen[p.key()], 1) << p.key();
  for (const Layer& layer : network->layers) {
    EXPECT_EQ(params[layer.weight].sizes().vec(), layer.shape) << layer.name;
  }
  EXPECT_EQ(network->layers.back().kind, LayerKind::kLinear);
  EXPECT_EQ(network->layers.back().group, "fc");
  EXPECT_EQ(network->layers.front().kind, LayerKind::kConv);
}

TEST_P(ModelContractTest, SeedDeterminesTheWeights) {
  auto a = Make(GetParam(), ModelContext{3, 32, 32, 10, 11});
  auto b = Make(GetParam(), ModelContext{3, 32, 32, 10, 11});
  auto c = Make(GetParam(), ModelContext{3, 32, 32, 10, 12});
  auto pa = a->module->parameters(), pb = b->module->parameters(), pc = c->module->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i]));
    differs = differs || !torch::equal(pa[i], pc[i]);
  }
  EXPECT_TRUE(differs);
}

TEST_P(ModelContractTest, OneSgdStepLowersTheLossAndStaysFinite) {
  auto network = Make(GetParam(), ModelContext{3, 32, 32, 10, 3});
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({8, 3, 32, 32});
  const torch::Tensor y = torch::randint(10, {8}, torch::kInt64);
  network->module->train();
  auto loss_now = [&] { return torch::nn::functional::cross_entropy(network->forward(x), y); };
  torch::Tensor before = loss_now();
  before.backward();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : network->module->parameters()) p.add_(p.grad(), -0.01);
  }
  const double after = loss_now().item<double>();
  EXPECT_LT(after, before.item<double>());
  for (const auto& p : network->module->parameters()) {
    EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
  }
}

TEST_P(ModelContractTest, ChannelsLastGivesTheSameLogits) {
  auto network = Make(GetParam(), ModelContext{3, 32, 32, 10, 1});
  network->module->eval();
  torch::NoGradGuard no_grad;
  torch::manual_seed(6);
  const torch::Tensor x = torch::randn({4, 3, 32, 32});
  const torch::Tensor nchw = network->forward(x);
  UseChannelsLast(network.get());
  for (const auto& p : network->module->parameters()) {
    if (p.dim() == 4) EXPECT_TRUE(p.is_contiguous(at::MemoryFormat::ChannelsLast));
  }
  const torch::Tensor nhwc = network->forward(x.contiguous(at::MemoryFormat::ChannelsLast));
  const double scale = nchw.abs().max().item<double>();
  EXPECT_LE((nhwc - nchw).abs().max().item<double>(), 1e-4 * scale);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ModelContractTest,
                         ::testing::ValuesIn(ModelRegistry::Global().Names()),
                         [](const auto& info) { return info.param; });

TEST(ModelOptionsTest, BadOptionsNameTheValueAndTheAllowedForms) {
  const std::map<std::string, std::string> cases = {
      {"densenet { depth: 50 }", "densenet: depth = 50; allowed with bottleneck: on: 6n + 4"},
      {"densenet { depth: 40 growth_rate: 0 }",
       "densenet: growth_rate = 0; allowed: an integer >= 1"},
      {"resnet { depth: 21 }", "resnet: depth = 21; allowed with basic blocks: 6n + 2"},
      {"resnet { depth: 22 bottleneck: true }",
       "resnet: depth = 22; allowed with bottleneck blocks: 9n + 2"},
      {"vgg { depth: 12 }", "vgg: depth = 12; allowed: 11, 13, 16, 19"},
      {"vgg { width_divisor: 0 }", "vgg: width_divisor = 0; allowed: 1 to 64"},
      {"wide_resnet { depth: 28 widen_factor: 0 }",
       "wide_resnet: widen_factor = 0; allowed: an integer >= 1"},
  };
  for (const auto& [text, message] : cases) {
    ModelSpec spec;
    ASSERT_OK(ParseTextProto(text, "t", &spec));
    auto made = ModelRegistry::Global().CreateFromOneof(spec, ModelContext{});
    ASSERT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(made.status().message()), ::testing::HasSubstr(message));
  }
}

TEST(ModelGroupsTest, GroupsInForwardOrder) {
  auto groups = [](const std::string& text) {
    ModelSpec spec;
    EXPECT_OK(ParseTextProto(text, "t", &spec));
    auto network = *ModelRegistry::Global().CreateFromOneof(spec, ModelContext{});
    std::vector<std::string> out;
    for (const Layer& layer : network->layers) {
      if (out.empty() || out.back() != layer.group) out.push_back(layer.group);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(groups("densenet { depth: 10 growth_rate: 4 }"),
            (V{"conv1", "block1", "trans1", "block2", "trans2", "block3", "fc"}));
  EXPECT_EQ(groups("resnet { depth: 8 }"), (V{"conv1", "block1", "block2", "block3", "fc"}));
  EXPECT_EQ(groups("vgg { depth: 11 width_divisor: 8 }"),
            (V{"stage1", "stage2", "stage3", "stage4", "stage5", "fc"}));
  EXPECT_EQ(groups("alexnet { }"), (V{"stage1", "stage2", "stage3", "fc"}));
}

TEST(ModelInitTest, TorchDefaultIsUniformWithinTheFanInBound) {
  ModelSpec spec;
  ASSERT_OK(ParseTextProto("resnet { depth: 8 init: TORCH_DEFAULT }", "t", &spec));
  auto network = *ModelRegistry::Global().CreateFromOneof(spec, ModelContext{});
  torch::Tensor w = network->module->named_parameters()["layer3.0.conv2.weight"];
  const double bound = 1.0 / std::sqrt(64.0 * 9);
  EXPECT_LE(w.abs().max().item<double>(), bound);
  EXPECT_NEAR(w.std().item<double>(), bound / std::sqrt(3.0), 0.05 * bound);
}

}  // namespace
}  // namespace rwn
