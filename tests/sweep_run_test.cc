// Running a sweep in worker processes of the real `rwn` binary: every point
// runs, a failing or diverging point does not stop the others and says why,
// and finished or diverged points are skipped the next time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/files.h"
#include "core/testing.h"
#include "core/text_proto.h"
#include "experiments/sweep.h"
#include "run/run.h"
#include "run/run_folder.h"
#include "run/sweep_runner.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kSweep[] = R"pb(
  base {
    name: "sweep-test"
    model { wide_resnet { depth: 10 widen_factor: 1 } }
    dataset { synthetic { train_size: 256 test_size: 64 } }
    optimizer { sgd { lr: 0.05 } }
    epochs: 3
    batch_size: 64
  }
  axis {
    name: "fraction"
    value {
      label: "0.2"
      patch { learn { selector { filter_fraction { fraction: 0.2 } } } }
    }
    value {
      label: "1.5"
      patch { learn { selector { filter_fraction { fraction: 1.5 } } } }
    }
    value {
      label: "0.6"
      patch { learn { selector { filter_fraction { fraction: 0.6 } } } }
    }
  }
)pb";

TEST(SweepRunTest, RunsEveryPointKeepsGoingAndSkipsFinishedOnes) {
  const fs::path root = TestDir("sweep");
  const std::string spec_path = (root / "sweep.pbtxt").string();
  ASSERT_OK(WriteFileAtomically(spec_path, kSweep));
  SweepSpec sweep;
  ASSERT_OK(ParseTextProto(kSweep, "sweep", &sweep));
  auto points = ExpandSweep(sweep);
  ASSERT_OK(points);

  SweepRunOptions options;
  options.spec_path = spec_path;
  options.out = (root / "runs").string();
  options.workers = 2;
  options.cores = 2;
  options.worker_command = {RwnBinary(), "sweep"};
  options.quiet = true;
  auto first = RunSweep(*points, options);
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].state, PointOutcome::kFinished);
  EXPECT_EQ((*first)[2].state, PointOutcome::kFinished);
  EXPECT_EQ((*first)[1].state, PointOutcome::kFailed);
  EXPECT_EQ((*first)[1].name, "sweep-test/1.5");
  EXPECT_THAT((*first)[1].reason, HasSubstr("fraction = 1.5; allowed: 0 < fraction <= 1"));
  for (int i : {0, 2}) {
    EXPECT_GT((*first)[i].test_top1, 0.25) << (*first)[i].name;  // chance is 0.25
    EXPECT_TRUE(RunFolder::Of((*points)[i].spec, options.out).Finished());
  }
  // Each worker had half the cores.
  absl::StatusOr<std::string> summary =
      ReadFile(RunFolder::Of((*points)[0].spec, options.out).summary());
  EXPECT_THAT(*summary, HasSubstr("\"threads\":1"));

  auto second = RunSweep(*points, options);
  ASSERT_OK(second);
  EXPECT_EQ((*second)[0].state, PointOutcome::kAlreadyFinished);
  EXPECT_EQ((*second)[2].state, PointOutcome::kAlreadyFinished);
  EXPECT_EQ((*second)[0].test_top1, (*first)[0].test_top1);
  EXPECT_EQ((*second)[1].state, PointOutcome::kFailed);
}

constexpr char kLrSweep[] = R"pb(
  base {
    name: "lr-test"
    model { wide_resnet { depth: 10 widen_factor: 1 } }
    dataset { synthetic { train_size: 128 test_size: 64 } }
    optimizer { sgd { lr: 0.05 } }
    epochs: 2
    batch_size: 64
  }
  axis {
    name: "lr"
    value {
      label: "0.05"
      patch { optimizer { sgd { lr: 0.05 } } }
    }
    value {
      label: "1e30"
      patch { optimizer { sgd { lr: 1e30 } } }
    }
  }
)pb";

// A diverged point is neither finished nor failed: the sweep says where it
// diverged, --status lists it as diverged, and the next sweep does not
// train it again.
TEST(SweepRunTest, ADivergedPointIsRecordedAndNotRetrained) {
  const fs::path root = TestDir("lr_sweep");
  const std::string spec_path = (root / "sweep.pbtxt").string();
  ASSERT_OK(WriteFileAtomically(spec_path, kLrSweep));
  SweepSpec sweep;
  ASSERT_OK(ParseTextProto(kLrSweep, "sweep", &sweep));
  auto points = ExpandSweep(sweep);
  ASSERT_OK(points);
  SweepRunOptions options;
  options.spec_path = spec_path;
  options.out = (root / "runs").string();
  options.worker_command = {RwnBinary(), "sweep"};
  options.quiet = true;
  auto first = RunSweep(*points, options);
  ASSERT_OK(first);
  EXPECT_EQ((*first)[0].state, PointOutcome::kFinished);
  EXPECT_EQ((*first)[1].state, PointOutcome::kDiverged);
  EXPECT_EQ((*first)[1].reason, "at epoch 1, step 2 (loss nan, lr 1e+30)");

  const std::vector<PointStatus> status = SweepStatus(*points, options.out, {});
  EXPECT_EQ(status[0].state, PointStatus::kFinished);
  EXPECT_EQ(status[1].state, PointStatus::kDiverged);
  EXPECT_STREQ(PointStateName(status[1].state), "diverged");
  EXPECT_EQ(status[1].detail, (*first)[1].reason);

  const std::string summary = RunFolder::Of((*points)[1].spec, options.out).summary();
  const auto written = fs::last_write_time(summary);
  auto second = RunSweep(*points, options);
  ASSERT_OK(second);
  EXPECT_EQ((*second)[0].state, PointOutcome::kAlreadyFinished);
  EXPECT_EQ((*second)[1].state, PointOutcome::kDiverged);
  EXPECT_EQ(fs::last_write_time(summary), written);
}

}  // namespace
}  // namespace rwn
