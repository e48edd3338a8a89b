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

TEST(InputSliceTest, SlicesInputChannelsAndLeavesBiasesFixed) {
  auto network = MakeSmallModel("vgg", ModelContext{});  // VGG-11/8: convs with biases
  auto plan = PlanFor(
      "selector { input_slice { fraction: 0.25 } } also_learn_batchnorm: false "
      "also_learn_classifier: false",
      *network);
  ASSERT_OK(plan);
  const TensorPlan& slice = plan->at("stage3.conv1.weight");  // 128 / 8 = 16 inputs
  EXPECT_EQ(slice.kind, TensorPlan::kSlice);
  EXPECT_EQ(slice.dim, 1);
  EXPECT_EQ(slice.end, 4);
  EXPECT_EQ(plan->count("stage2.conv1.bias"), 0u);
  EXPECT_EQ(plan->count("stage1.conv1.weight"), 0u);  // int(0.25 * 3) = 0
  auto min_one = PlanFor("selector { input_slice { fraction: 0.25 min_one: true } }", *network);
  EXPECT_EQ(min_one->at("stage1.conv1.weight").end, 1);
  auto count = PlanFor("selector { input_slice { count: 2 end: LAST } }", *network);
  EXPECT_EQ(count->at("stage3.conv1.weight").begin, 14);
}

TEST(InputSliceTest, AmountMustBeExactlyOne) {
  auto both = PlanFor("selector { input_slice { fraction: 0.5 count: 2 } }", *Wrn());
  EXPECT_THAT(std::string(both.status().message()), HasSubstr("set exactly one of fraction"));
  auto bad = PlanFor("selector { input_slice { fraction: 2 } }", *Wrn());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("input_slice: fraction = 2; allowed: 0 < fraction <= 1"));
}

}  // namespace
}  // namespace rwn
