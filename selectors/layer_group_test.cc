#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/testing.h"
#include "models/testing.h"
#include "selectors/plan.h"
#include "selectors/testing.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<Network> Wrn() { return MakeSmallModel("wide_resnet", ModelContext{}); }

TEST(LayerGroupTest, LearnsWholeGroups) {
  auto network = Wrn();
  auto plan = PlanFor(
      "selector { layer_group { group: \"block2\" group: \"fc\" } } also_learn_batchnorm: false "
      "also_learn_classifier: false",
      *network);
  ASSERT_OK(plan);
  int64_t expected = 0;
  for (const Layer& layer : network->layers) {
    if (layer.group != "block2" && layer.group != "fc") continue;
    int64_t n = 1;
    for (int64_t d : layer.shape) n *= d;
    expected += n + (layer.bias.empty() ? 0 : layer.out_channels);
  }
  EXPECT_EQ(CountPlan(*plan, *network).learned, expected);
  EXPECT_EQ(plan->count("block1.0.conv1.weight"), 0u);
}

TEST(LayerGroupTest, UnknownOrMissingGroupIsRefused) {
  auto plan = PlanFor("selector { layer_group { group: \"block4\" } }", *Wrn());
  EXPECT_EQ(std::string(plan.status().message()),
            "selector[0].layer_group: unknown group 'block4'; WRN-10-1 has: conv1, block1, block2, "
            "block3, fc");
  plan = PlanFor("selector { layer_group { } }", *Wrn());
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("no group given"));
}

}  // namespace
}  // namespace rwn
