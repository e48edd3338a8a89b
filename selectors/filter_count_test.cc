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

TEST(FilterCountTest, LearnsKFiltersCappedAtTheLayer) {
  auto network = Wrn();  // WRN-10-1: 16, 16, 32, 64 filters
  auto plan = PlanFor(
      "selector { filter_count { count: 20 } } also_learn_batchnorm: false also_learn_classifier: "
      "false",
      *network);
  ASSERT_OK(plan);
  EXPECT_EQ(plan->at("conv1.weight").kind, TensorPlan::kAll);  // 20 > 16: whole
  EXPECT_EQ(plan->at("block2.0.conv1.weight").end, 20);
  EXPECT_EQ(plan->at("block3.0.conv1.weight").end, 20);
  auto one = PlanFor("selector { filter_count { count: 1 end: LAST } }", *network);
  EXPECT_EQ(one->at("block3.0.conv2.weight").begin, 63);
  // k = 1: one filter per conv layer: out_channels 1 x in x k x k each.
  int64_t expected = 0;
  for (const Layer& layer : network->layers) {
    if (layer.kind == LayerKind::kConv)
      expected += layer.shape[1] * layer.shape[2] * layer.shape[3];
  }
  auto bare = PlanFor(
      "selector { filter_count { count: 1 } } also_learn_batchnorm: false also_learn_classifier: "
      "false",
      *network);
  EXPECT_EQ(CountPlan(*bare, *network).learned, expected);
}

TEST(FilterCountTest, CountBelowOneIsRefused) {
  auto plan = PlanFor("selector { filter_count { count: 0 } }", *Wrn());
  EXPECT_EQ(plan.status().message(), "selector[0].filter_count: count = 0; allowed: >= 1");
  plan = PlanFor("selector { filter_count { } }", *Wrn());
  EXPECT_EQ(plan.status().message(), "selector[0].filter_count: count is not set; allowed: >= 1");
}

}  // namespace
}  // namespace rwn
