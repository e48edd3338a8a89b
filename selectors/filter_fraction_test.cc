#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<Network> Wrn(int depth, int widen, int64_t classes = 10) {
  ModelSpec spec;
  spec.mutable_wide_resnet()->set_depth(depth);
  spec.mutable_wide_resnet()->set_widen_factor(widen);
  auto network = ModelRegistry::Global().CreateFromOneof(spec, ModelContext{3, 32, 32, classes, 7});
  EXPECT_TRUE(network.ok()) << network.status();
  return *network;
}

LearnSpec Learn(const std::string& text) {
  LearnSpec learn;
  absl::Status status = ParseTextProto(text, "learn", &learn);
  EXPECT_TRUE(status.ok()) << status;
  return learn;
}

// sum over convs of int(p * out) * in * k * k, plus BN and fc when asked:
// computed from the layer table's shapes, independently of the plan code.
int64_t Expected(const Network& network, double p, bool batchnorm, bool classifier) {
  int64_t total = 0;
  for (const Layer& layer : network.layers) {
    const int64_t per_output = layer.shape.size() == 4 ? layer.shape[1] * layer.shape[2] * layer.shape[3]
                                                       : 0;
    if (layer.kind == LayerKind::kConv) {
      total += static_cast<int64_t>(p * layer.out_channels) * per_output;
    } else if (layer.kind == LayerKind::kBatchNorm && batchnorm) {
      total += 2 * layer.out_channels;
    } else if (layer.kind == LayerKind::kLinear && classifier) {
      total += layer.shape[0] * layer.shape[1] + layer.shape[0];
    }
  }
  return total;
}

TEST(FilterFractionTest, LearnedCountFollowsThePaperFormula) {
  auto network = Wrn(16, 2);
  for (double p : {0.07, 0.1, 0.4, 0.7}) {
    LearnSpec learn = Learn(absl::StrCat("selector { filter_fraction { fraction: ", p, " } }"));
    auto plan = BuildPlan(&learn, *network, 1);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(CountPlan(*plan, *network).learned, Expected(*network, p, true, true)) << p;
    learn.set_batchnorm(false);
    learn.set_classifier(false);
    plan = BuildPlan(&learn, *network, 1);
    EXPECT_EQ(CountPlan(*plan, *network).learned, Expected(*network, p, false, false)) << p;
  }
  // WRN-16-2 at p = 0.1: the 16-filter stem learns 1 filter; the stages
  // (32, 64, 128 filters) learn 3, 6 and 12.
  LearnSpec learn = Learn("selector { filter_fraction { fraction: 0.1 } }");
  auto plan = BuildPlan(&learn, *network, 1);
  EXPECT_EQ(plan->at("conv1.weight").end, 1);
  EXPECT_EQ(plan->at("block1.0.conv1.weight").end, 3);
  EXPECT_EQ(plan->at("block2.0.conv1.weight").end, 6);
  EXPECT_EQ(plan->at("block3.1.conv2.weight").end, 12);
}

TEST(FilterFractionTest, PaperTable2WideResnet) {
  // Table 2: WRN-28-10, p of the filters of every conv plus every BN layer,
  // 10 classes: 3,663,419 at p = 0.1 and 14,599,874 at p = 0.4.
  auto network = Wrn(28, 10);
  LearnSpec learn = Learn("selector { filter_fraction { fraction: 0.1 } } classifier: false");
  EXPECT_EQ(CountPlan(*BuildPlan(&learn, *network, 1), *network).learned, 3663419);
  learn = Learn("selector { filter_fraction { fraction: 0.4 } } classifier: false");
  EXPECT_EQ(CountPlan(*BuildPlan(&learn, *network, 1), *network).learned, 14599874);
}

// Three SGD steps (momentum 0.9, weight decay 5e-4) on random data.
void TrainSteps(Network& network, std::vector<LearnedTensor> learned) {
  OptimizerSpec spec;
  spec.mutable_sgd()->set_lr(0.1);
  auto sgd = OptimizerRegistry::Global().CreateFromOneof(spec, OptimizerContext{learned});
  ASSERT_TRUE(sgd.ok()) << sgd.status();
  torch::manual_seed(3);
  network.module->train();
  for (int step = 0; step < 3; ++step) {
    torch::Tensor x = torch::randn({8, 3, 32, 32});
    torch::Tensor y = torch::randint(10, {8}, torch::kInt64);
    (*sgd)->ZeroGrad();
    torch::nn::functional::cross_entropy(network.forward(x), y).backward();
    (*sgd)->Step(0.1);
  }
}

std::map<std::string, torch::Tensor> Snapshot(const Network& network) {
  std::map<std::string, torch::Tensor> copy;
  for (const auto& p : network.module->named_parameters()) copy[p.key()] = p.value().detach().clone();
  return copy;
}

TEST(FilterFractionTest, FixedEntriesStayBitIdenticalAndLearnedFiltersChange) {
  for (auto fixed : {LearnSpec::RANDOM, LearnSpec::ZERO}) {
    auto network = Wrn(10, 2);
    LearnSpec learn = Learn("selector { filter_fraction { fraction: 0.25 } }");
    learn.set_fixed(fixed);
    auto plan = BuildPlan(&learn, *network, 1);
    ASSERT_TRUE(plan.ok()) << plan.status();
    auto learned = ApplyPlan(*plan, fixed == LearnSpec::ZERO, network.get());
    ASSERT_TRUE(learned.ok()) << learned.status();
    const auto before = Snapshot(*network);
    TrainSteps(*network, *learned);
    const auto params = network->module->named_parameters();
    int learned_filters = 0;
    for (const Layer& layer : network->layers) {
      torch::Tensor now = params[layer.weight], then = before.at(layer.weight);
      if (layer.kind != LayerKind::kConv) {
        EXPECT_FALSE(torch::equal(now, then)) << layer.weight << " is learned and must change";
        continue;
      }
      const int64_t k = static_cast<int64_t>(0.25 * layer.out_channels);
      torch::Tensor fixed_now = now.narrow(0, k, layer.out_channels - k);
      EXPECT_TRUE(torch::equal(fixed_now, then.narrow(0, k, layer.out_channels - k)))
          << layer.weight;
      if (fixed == LearnSpec::ZERO) {
        EXPECT_EQ(fixed_now.abs().sum().item<double>(), 0.0) << layer.weight;
      }
      for (int64_t f = 0; f < k; ++f) {
        EXPECT_FALSE(torch::equal(now[f], then[f])) << layer.weight << " filter " << f;
        ++learned_filters;
      }
    }
    EXPECT_GT(learned_filters, 0);
    // Only learned tensors reach the optimizer; the others need no gradient.
    for (const LearnedTensor& t : *learned) EXPECT_TRUE(t.tensor.requires_grad()) << t.name;
  }
}

TEST(FilterFractionTest, WholyFixedLayersNeedNoGradient) {
  auto network = Wrn(10, 1);
  LearnSpec learn = Learn("selector { filter_fraction { fraction: 0.07 } } batchnorm: false");
  auto plan = BuildPlan(&learn, *network, 1);
  auto learned = ApplyPlan(*plan, false, network.get());
  ASSERT_TRUE(learned.ok());
  // int(0.07 * 16) = 1, int(0.07 * 32) = 2, int(0.07 * 64) = 4: every conv
  // learns something; BN learns nothing.
  const auto params = network->module->named_parameters();
  EXPECT_FALSE(params["block1.0.bn1.weight"].requires_grad());
  EXPECT_TRUE(params["conv1.weight"].requires_grad());
  EXPECT_EQ(plan->count("block1.0.bn1.weight"), 0u);
}

TEST(FilterFractionTest, UnionOfTwoFractionsIsTheLarger) {
  auto network = Wrn(10, 2);
  LearnSpec learn = Learn(
      "selector { filter_fraction { fraction: 0.25 } } "
      "selector { filter_fraction { fraction: 0.5 } } batchnorm: false classifier: false");
  auto plan = BuildPlan(&learn, *network, 1);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->at("block1.0.conv1.weight").kind, TensorPlan::kSlice);
  EXPECT_EQ(plan->at("block1.0.conv1.weight").end, 16);
  EXPECT_EQ(CountPlan(*plan, *network).learned, Expected(*network, 0.5, false, false));
}

TEST(FilterFractionTest, NoLearnBlockLearnsEverything) {
  auto network = Wrn(10, 1);
  auto plan = BuildPlan(nullptr, *network, 1);
  const PlanCount count = CountPlan(*plan, *network);
  EXPECT_EQ(count.learned, count.params);
}

TEST(FilterFractionTest, BadFractionIsNamed) {
  auto network = Wrn(10, 1);
  for (const char* text : {"selector { filter_fraction { fraction: 1.5 } }",
                           "selector { filter_fraction { fraction: 0 } }"}) {
    LearnSpec learn = Learn(text);
    auto plan = BuildPlan(&learn, *network, 1);
    ASSERT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(plan.status().message()),
                HasSubstr("selector[0].filter_fraction: fraction = "));
    EXPECT_THAT(std::string(plan.status().message()), HasSubstr("allowed: 0 < fraction <= 1"));
  }
  LearnSpec unset = Learn("selector { filter_fraction { } }");
  EXPECT_THAT(std::string(BuildPlan(&unset, *network, 1).status().message()),
              HasSubstr("fraction is not set"));
  LearnSpec empty = Learn("selector { }");
  EXPECT_THAT(std::string(BuildPlan(&empty, *network, 1).status().message()),
              HasSubstr("SelectorSpec: no selector chosen; set one of: filter_fraction"));
}

}  // namespace
}  // namespace rwn
