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

TEST(BatchnormTest, LearnsGammaAndBetaOfEveryBatchNorm) {
  auto network = Wrn();
  auto plan =
      PlanFor("selector { batchnorm { } } also_learn_batchnorm: false also_learn_classifier: false",
              *network);
  ASSERT_OK(plan);
  int64_t expected = 0;
  for (const Layer& layer : network->layers) {
    if (layer.kind == LayerKind::kBatchNorm) expected += 2 * layer.out_channels;
  }
  EXPECT_GT(expected, 0);
  EXPECT_EQ(CountPlan(*plan, *network).learned, expected);
  // A model without batch norm selects nothing.
  auto alexnet = MakeSmallModel("alexnet", ModelContext{});
  auto none =
      PlanFor("selector { batchnorm { } } also_learn_batchnorm: false also_learn_classifier: false",
              *alexnet);
  EXPECT_EQ(CountPlan(*none, *alexnet).learned, 0);
}

}  // namespace
}  // namespace rwn
