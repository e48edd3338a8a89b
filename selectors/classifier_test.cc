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

TEST(ClassifierTest, LearnsTheFinalLinearLayerWhole) {
  auto network = MakeSmallModel("resnet", ModelContext{3, 32, 32, 100, 1});
  auto plan = PlanFor(
      "selector { classifier { } } also_learn_batchnorm: false also_learn_classifier: false",
      *network);
  ASSERT_OK(plan);
  EXPECT_EQ(CountPlan(*plan, *network).learned, 64 * 100 + 100);
  EXPECT_EQ(plan->at("fc.weight").kind, TensorPlan::kAll);
}

}  // namespace
}  // namespace rwn
