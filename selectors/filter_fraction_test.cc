#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "core/testing.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "optim/optimizer.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<Network> Wrn(int depth, int widen, int64_t classes = 10) {
  ModelSpec spec;
  spec.mutable_wide_resnet()->set_depth(depth);
  spec.mutable_wide_resnet()->set_widen_factor(widen);
  auto network = ModelRegistry::Global().CreateFromOneof(spec, ModelContext{3, 32, 32, classes, 7});
  EXPECT_OK(network);
  return *network;
}

LearnSpec Learn(const std::string& text) {
  LearnSpec learn;
  absl::Status status = ParseTextProto(text, "learn", &learn);
  EXPECT_OK(status);
  return learn;
}

// sum over convs of int(p * out) * in * k * k, plus BN and fc when asked:
// computed from the layer table's shapes, independently of the plan code.
int64_t Expected(const Network& network, double p, bool batchnorm, bool classifier) {
  int64_t total = 0;
  for (const Layer& layer : network.layers) {
    const int64_t per_output =
        layer.shape.size() == 4 ? layer.shape[1] * layer.shape[2] * layer.shape[3] : 0;
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
    ASSERT_OK(plan);
    EXPECT_EQ(CountPlan(*plan, *network).learned, Expected(*network, p, true, true)) << p;
    learn.set_also_learn_batchnorm(false);
    learn.set_also_learn_classifier(false);
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
  LearnSpec learn =
      Learn("selector { filter_fraction { fraction: 0.1 } } also_learn_classifier: false");
  EXPECT_EQ(CountPlan(*BuildPlan(&learn, *network, 1), *network).learned, 3663419);
  learn = Learn("selector { filter_fraction { fraction: 0.4 } } also_learn_classifier: false");
  EXPECT_EQ(CountPlan(*BuildPlan(&learn, *network, 1), *network).learned, 14599874);
}

TEST(FilterFractionTest, EndsComplementAndMinOne) {
  auto network = Wrn(10, 2);  // 16-filter stem; stages of 32, 64, 128
  auto plan_of = [&](const std::string& text) {
    LearnSpec learn = Learn(text + " also_learn_batchnorm: false also_learn_classifier: false");
    auto plan = BuildPlan(&learn, *network, 1);
    EXPECT_OK(plan);
    return *plan;
  };
  LearnPlan last = plan_of("selector { filter_fraction { fraction: 0.25 end: LAST } }");
  EXPECT_EQ(last.at("block1.0.conv1.weight").begin, 24);
  EXPECT_EQ(last.at("block1.0.conv1.weight").end, 32);
  LearnPlan complement =
      plan_of("selector { filter_fraction { fraction: 0.25 complement: true } }");
  EXPECT_EQ(complement.at("block1.0.conv1.weight").begin, 8);
  EXPECT_EQ(complement.at("block1.0.conv1.weight").end, 32);
  LearnPlan none = plan_of("selector { filter_fraction { fraction: 0.05 } }");
  EXPECT_EQ(none.count("conv1.weight"), 0u);  // int(0.05 * 16) = 0
  LearnPlan one = plan_of("selector { filter_fraction { fraction: 0.05 min_one: true } }");
  EXPECT_EQ(one.at("conv1.weight").end, 1);
  LearnPlan random = plan_of("selector { filter_fraction { fraction: 0.25 end: RANDOM } }");
  ASSERT_EQ(random.at("block1.0.conv1.weight").kind, TensorPlan::kMask);
  EXPECT_EQ(random.at("block1.0.conv1.weight").mask.sum().item<int64_t>(), 8 * 16 * 9);
  LearnPlan group = plan_of("selector { filter_fraction { fraction: 0.25 group: \"block2\" } }");
  EXPECT_EQ(group.count("block1.0.conv1.weight"), 0u);
  EXPECT_EQ(group.at("block2.0.conv1.weight").end, 16);
}

TEST(FilterFractionTest, FcGroupAndUnknownGroupAreRefused) {
  auto network = Wrn(10, 1);
  LearnSpec fc = Learn("selector { filter_fraction { fraction: 0.5 group: \"fc\" } }");
  EXPECT_THAT(
      std::string(BuildPlan(&fc, *network, 1).status().message()),
      HasSubstr("group 'fc' holds a fully-connected layer, which is learned whole or not at all"));
  LearnSpec unknown = Learn("selector { filter_fraction { fraction: 0.5 group: \"block9\" } }");
  EXPECT_THAT(std::string(BuildPlan(&unknown, *network, 1).status().message()),
              HasSubstr("unknown group 'block9'; WRN-10-1 has: conv1, block1, block2, block3, fc"));
}

TEST(FilterFractionTest, FastPathSplitsConvsAndGivesTheOptimizerOnlySlices) {
  auto network = Wrn(10, 1);
  LearnSpec learn =
      Learn("selector { filter_fraction { fraction: 0.25 } } also_learn_batchnorm: false");
  auto plan = BuildPlan(&learn, *network, 1);
  auto learned = ApplyPlan(*plan, ApplyOptions{}, network.get());
  ASSERT_OK(learned);
  const auto params = network->module->named_parameters();
  EXPECT_TRUE(params.contains("block1.0.conv1.weight_learned"));
  EXPECT_FALSE(params.contains("block1.0.conv1.weight"));
  for (const LearnedTensor& t : *learned) {
    EXPECT_FALSE(t.mask.defined()) << t.name;
    if (t.name == "block2.0.conv1.weight") {
      EXPECT_EQ(t.tensor.size(0), 8);  // 32 * 0.25
    }
  }
  EXPECT_FALSE(params["block1.0.bn1.weight"].requires_grad());
}

TEST(FilterFractionTest, UnionOfTwoFractionsIsTheLarger) {
  auto network = Wrn(10, 2);
  LearnSpec learn = Learn(
      "selector { filter_fraction { fraction: 0.25 } } "
      "selector { filter_fraction { fraction: 0.5 } } also_learn_batchnorm: false "
      "also_learn_classifier: false");
  auto plan = BuildPlan(&learn, *network, 1);
  ASSERT_OK(plan);
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
