// Report tables and figures from small fake run folders with known numbers.
#include "experiments/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/text_proto.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(std::getenv("TEST_TMPDIR")) / "report";
    fs::remove_all(root_);
  }

  // A finished run folder named `name` with seed `seed`.
  void AddRun(const std::string& name, int seed, const std::string& model, int learned,
              double final_top1, double best_top1, const std::string& learn = "") {
    const fs::path dir = root_ / "runs" / name / absl::StrCat("run", seed);
    fs::create_directories(dir);
    ASSERT_TRUE(WriteFileAtomically(
                    (dir / "spec.pbtxt").string(),
                    absl::StrCat("name: \"", name, "\" seed: ", seed, " ", learn))
                    .ok());
    ASSERT_TRUE(WriteFileAtomically(
                    (dir / "summary.json").string(),
                    absl::StrCat("{\"name\":\"", name, "\",\"model\":\"", model,
                                 "\",\"dataset\":\"Fashion-MNIST\",\"params\":1000,"
                                 "\"learned_params\":",
                                 learned, ",\"final_test_top1\":", final_top1,
                                 ",\"best_test_top1\":", best_top1, ",\"best_epoch\":2}"))
                    .ok());
  }

  fs::path root_;
};

TEST_F(ReportTest, TablesGiveMeanAndStdOverSeedsInThePapersLayout) {
  const char* kRandom = "learn { fixed: RANDOM selector { filter_fraction { fraction: 0.1 } } }";
  const char* kZero = "learn { fixed: ZERO selector { filter_fraction { fraction: 0.1 } } }";
  AddRun("t1/wrn/cifar10/block1/seed-1", 1, "WRN", 100, 0.80, 0.81, kRandom);
  AddRun("t1/wrn/cifar10/block1/seed-2", 2, "WRN", 100, 0.84, 0.85, kRandom);
  AddRun("t1/wrn/cifar100/block1", 1, "WRN", 100, 0.50, 0.52, kRandom);
  AddRun("t1/wrn/cifar10/fc", 1, "WRN", 10, 0.40, 0.41, kZero);
  AddRun("t1/wrn/cifar10/all", 1, "WRN", 1000, 0.90, 0.91);
  fs::create_directories(root_ / "runs" / "t1/unfinished/x");
  ASSERT_TRUE(WriteFileAtomically((root_ / "runs/t1/unfinished/x/spec.pbtxt").string(),
                                  "name: \"t1/unfinished\"")
                  .ok());
  int unfinished = 0;
  auto runs = ReadRuns((root_ / "runs").string(), &unfinished);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(runs->size(), 5u);
  EXPECT_EQ(unfinished, 1);

  std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 4u);
  const Point& block1 = points[1];
  EXPECT_EQ(block1.name, "t1/wrn/cifar10/block1");
  EXPECT_EQ(block1.final_top1.n, 2);
  EXPECT_NEAR(block1.final_top1.mean, 0.82, 1e-12);
  EXPECT_NEAR(block1.final_top1.std, 0.028284271, 1e-8);  // sample std of 0.80, 0.84
  EXPECT_EQ(FormatPercent(block1.final_top1), "82.00 +- 2.83");
  EXPECT_NEAR(block1.fraction, 0.1, 1e-12);
  EXPECT_EQ(points[2].fixed, "zero");
  EXPECT_TRUE(points[0].all_learned);

  auto written = WriteReport(*runs, (root_ / "report").string());
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_THAT(*written, ::testing::IsSupersetOf({"runs.csv", "points.md", "points.csv", "t1.md",
                                                 "t1.csv", "t1_fraction.png", "t1_params.png"}));
  const std::string pivot = *ReadFile((root_ / "report/t1.md").string());
  // Rows: the last label; columns: the labels before it.
  EXPECT_THAT(pivot, HasSubstr("| wrn / cifar10 | wrn / cifar100 |"));
  EXPECT_THAT(pivot, HasSubstr("| block1 | 82.00 +- 2.83 |          50.00 |"));
  EXPECT_THAT(pivot, HasSubstr("| fc     |         40.00 |                |"));
  const std::string csv = *ReadFile((root_ / "report/points.csv").string());
  EXPECT_THAT(csv, HasSubstr("t1/wrn/cifar10/block1,WRN,Fashion-MNIST,\"100 / 1,000\",10.00%,2,82.00 +- 2.83,83.00 +- 2.83"));
  EXPECT_THAT(*ReadFile((root_ / "report/runs.csv").string()),
              HasSubstr("t1/wrn/cifar10/block1/seed-2,2,WRN,Fashion-MNIST,1000,100,0.8400,0.8500,2"));
  for (const char* png : {"t1_fraction.png", "t1_params.png"}) {
    const std::string image = *ReadFile((root_ / "report" / png).string());
    ASSERT_GT(image.size(), 1000u) << png;
    EXPECT_EQ(image.substr(1, 3), "PNG") << png;
  }
  // The fitted line's slope is in the legend: accuracy per decade of params.
  EXPECT_THAT(*ReadFile((root_ / "report/t1_params.gp").string()), HasSubstr("points per decade"));
}

TEST_F(ReportTest, AFolderWithoutRunsIsNamed) {
  EXPECT_EQ(ReadRuns((root_ / "nothing").string()).status().message(),
            (root_ / "nothing").string() + ": no such folder of runs");
}

}  // namespace
}  // namespace rwn
