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

TEST(SpatialSliceTest, RowsColumnsAndPositions) {
  auto network = Wrn();
  auto rows = PlanFor(
      "selector { spatial_slice { axis: ROWS count: 1 } } also_learn_batchnorm: false "
      "also_learn_classifier: false",
      *network);
  ASSERT_OK(rows);
  EXPECT_EQ(rows->at("conv1.weight").dim, 2);
  EXPECT_EQ(rows->at("conv1.weight").end, 1);
  // 1x1 shortcut convs: one row is the whole kernel.
  EXPECT_EQ(rows->at("block2.0.shortcut.weight").kind, TensorPlan::kAll);
  auto columns =
      PlanFor("selector { spatial_slice { axis: COLUMNS count: 2 end: LAST } }", *network);
  EXPECT_EQ(columns->at("conv1.weight").dim, 3);
  EXPECT_EQ(columns->at("conv1.weight").begin, 1);
  auto positions = PlanFor("selector { spatial_slice { axis: POSITIONS count: 4 } }", *network);
  const TensorPlan& p = positions->at("conv1.weight");  // 16 x 3 x 3 x 3
  ASSERT_EQ(p.kind, TensorPlan::kMask);
  // Positions 0..3 in row-major order: row 0 and the first of row 1.
  EXPECT_TRUE(p.mask[0][0][0].all().item<bool>());
  EXPECT_TRUE(p.mask[5][2][1][0].item<bool>());
  EXPECT_FALSE(p.mask[5][2][1][1].item<bool>());
  EXPECT_EQ(p.mask.sum().item<int64_t>(), 16 * 3 * 4);
}

}  // namespace
}  // namespace rwn
