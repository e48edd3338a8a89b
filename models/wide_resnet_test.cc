#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "core/testing.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<Network> Make(const std::string& text, ModelContext context) {
  ModelSpec spec;
  absl::Status parsed = ParseTextProto(text, "test", &spec);
  EXPECT_OK(parsed);
  absl::StatusOr<std::shared_ptr<Network>> network =
      ModelRegistry::Global().CreateFromOneof(spec, context);
  EXPECT_OK(network);
  return network.ok() ? *network : nullptr;
}

int64_t CountParameters(const Network& network) {
  int64_t total = 0;
  for (const auto& p : network.module->parameters()) total += p.numel();
  return total;
}

ModelContext Cifar(int64_t classes) { return ModelContext{3, 32, 32, classes, 1}; }

TEST(WideResnetTest, PaperParameterCounts) {
  EXPECT_EQ(CountParameters(*Make("wide_resnet { depth: 28 widen_factor: 4 }", Cifar(10))),
            5849050);
  EXPECT_EQ(CountParameters(*Make("wide_resnet { depth: 28 widen_factor: 4 }", Cifar(100))),
            5872180);
}

TEST(WideResnetTest, LayerTableCoversEveryParameterOnce) {
  auto network = Make("wide_resnet { depth: 16 widen_factor: 2 }", Cifar(10));
  std::map<std::string, int> seen;
  for (const Layer& layer : network->layers) {
    ++seen[layer.weight];
    if (!layer.bias.empty()) ++seen[layer.bias];
  }
  const auto params = network->module->named_parameters();
  EXPECT_EQ(seen.size(), params.size());
  for (const auto& p : params) EXPECT_EQ(seen[p.key()], 1) << p.key();

  // Groups in forward order, as the paper names them.
  std::vector<std::string> groups;
  for (const Layer& layer : network->layers) {
    if (groups.empty() || groups.back() != layer.group) groups.push_back(layer.group);
  }
  EXPECT_EQ(groups, (std::vector<std::string>{"conv1", "block1", "block2", "block3", "fc"}));
  EXPECT_EQ(network->layers.front().name, "conv1");
  EXPECT_EQ(network->layers.front().kind, LayerKind::kConv);
  EXPECT_EQ(network->layers.back().kind, LayerKind::kLinear);
  EXPECT_EQ(network->layers.back().shape, (std::vector<int64_t>{10, 128}));
  EXPECT_EQ(network->description, "WRN-16-2");
}

TEST(WideResnetTest, ForwardShapesForEveryInputSize) {
  for (ModelContext context : {ModelContext{1, 28, 28, 10, 1}, ModelContext{3, 32, 32, 100, 1},
                               ModelContext{3, 64, 64, 200, 1}}) {
    auto network = Make("wide_resnet { depth: 10 widen_factor: 1 }", context);
    network->module->eval();
    torch::Tensor out =
        network->forward(torch::randn({2, context.channels, context.height, context.width}));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, context.num_classes}));
  }
}

TEST(WideResnetTest, SeedDeterminesWeights) {
  auto a = Make("wide_resnet { depth: 10 widen_factor: 1 }", ModelContext{3, 32, 32, 10, 5});
  auto b = Make("wide_resnet { depth: 10 widen_factor: 1 }", ModelContext{3, 32, 32, 10, 5});
  auto c = Make("wide_resnet { depth: 10 widen_factor: 1 }", ModelContext{3, 32, 32, 10, 6});
  auto pa = a->module->parameters(), pb = b->module->parameters(), pc = c->module->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i]));
    any_differs = any_differs || !torch::equal(pa[i], pc[i]);
  }
  EXPECT_TRUE(any_differs);
}

TEST(WideResnetTest, ReferenceInitStatistics) {
  auto network = Make("wide_resnet { depth: 10 widen_factor: 8 }", Cifar(10));
  auto params = network->module->named_parameters();
  // block3's second conv: 3x3, 512 filters: std sqrt(2 / (9 * 512)).
  torch::Tensor w = params["block3.0.conv2.weight"];
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / (9 * 512)), 2e-4);
  EXPECT_TRUE(torch::equal(params["bn1.weight"], torch::ones({512})));
  EXPECT_TRUE(torch::equal(params["fc.bias"], torch::zeros({10})));
}

TEST(WideResnetTest, BatchNormOff) {
  auto network = Make("wide_resnet { depth: 10 widen_factor: 1 batch_norm: false }", Cifar(10));
  for (const Layer& layer : network->layers) EXPECT_NE(layer.kind, LayerKind::kBatchNorm);
  EXPECT_EQ(network->description, "WRN-10-1 (no BN)");
}

TEST(WideResnetTest, BadOptionsNameTheValueAndTheAllowedForms) {
  ModelSpec spec;
  spec.mutable_wide_resnet()->set_depth(27);
  auto made = ModelRegistry::Global().CreateFromOneof(spec, Cifar(10));
  ASSERT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(made.status().message()),
              HasSubstr("wide_resnet: depth = 27; allowed: 6n + 4"));
  spec.mutable_wide_resnet()->set_depth(16);
  spec.mutable_wide_resnet()->set_widen_factor(0);
  made = ModelRegistry::Global().CreateFromOneof(spec, Cifar(10));
  EXPECT_THAT(std::string(made.status().message()), HasSubstr("widen_factor = 0"));
}

}  // namespace
}  // namespace rwn
