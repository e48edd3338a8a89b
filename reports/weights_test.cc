#include "reports/weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/testing.h"
#include "core/text_proto.h"
#include "reports/report.h"
#include "run/run.h"

namespace rwn {
namespace {

TEST(WeightsTest, SeparatesLearnedFromFixedWeightsOfATrainedRun) {
  ExperimentSpec spec;
  ASSERT_OK(ParseTextProto(R"pb(
                             name: "weights"
                             model { wide_resnet { depth: 10 widen_factor: 1 } }
                             dataset { synthetic { train_size: 128 test_size: 32 } }
                             learn { selector { filter_fraction { fraction: 0.25 } } }
                             optimizer { sgd { lr: 0.5 weight_decay: 0.05 } }
                             epochs: 2
                             batch_size: 32
                           )pb",
                           "spec", &spec));
  RunOptions options;
  options.out = TestDir("runs");
  options.quiet = true;
  auto outcome = RunExperiment(spec, options);
  ASSERT_OK(outcome);
  auto run = LoadRun(outcome->dir);
  ASSERT_OK(run);
  EXPECT_EQ(run->epochs, 2);
  std::vector<LayerWeights> rows = AnalyzeWeights(*run);
  ASSERT_EQ(rows.size(), 9u);  // WRN-10-1's convs
  EXPECT_EQ(rows[0].layer, "conv1");
  // conv1: 16 filters of 3x3 over 1 channel; a quarter learned.
  EXPECT_EQ(rows[0].learned, 4 * 9);
  EXPECT_EQ(rows[0].fixed, 12 * 9);
  for (const LayerWeights& row : rows) {
    EXPECT_GT(row.learned, 0) << row.layer;
    EXPECT_GT(row.fixed_mean_abs, 0) << row.layer;
  }
  // Strong weight decay for two epochs shrinks the learned weights below the
  // fixed ones (the paper's Section 4.4 observation, forced here).
  double learned = 0, fixed = 0;
  for (const LayerWeights& row : rows) learned += row.learned_mean_abs, fixed += row.fixed_mean_abs;
  EXPECT_LT(learned, fixed);
  const std::string table = WeightsMarkdown(rows);
  EXPECT_THAT(table, ::testing::HasSubstr("| conv1 "));
  EXPECT_THAT(WeightsCsv(rows),
              ::testing::StartsWith("layer,group,learned,fixed,learned mean |w|,learned var"));
}

TEST(WeightsTest, Figure6DrawsEveryRunsLearnedWeightsAndTheFixedOnes) {
  RunOptions options;
  options.out = TestDir("fig6");
  options.quiet = true;
  for (const char* fraction : {"0.25", "1.0"}) {
    ExperimentSpec spec;
    ASSERT_OK(ParseTextProto(
        absl::StrCat(R"pb(
                       model { wide_resnet { depth: 10 widen_factor: 1 } }
                       dataset { synthetic { train_size: 128 test_size: 32 } }
                       optimizer { sgd { lr: 0.1 } }
                       epochs: 1
                       batch_size: 32
                       name: "fig6/)pb",
                     fraction, "\" learn { selector { filter_fraction { fraction: ", fraction,
                     " } } }"),
        "spec", &spec));
    ASSERT_OK(RunExperiment(spec, options));
  }
  auto runs = ReadRuns(options.out);
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 2u);
  const std::string report = options.out + "/report";
  auto written = WriteWeightsReport(*runs, report);
  ASSERT_OK(written);
  EXPECT_THAT(*written, ::testing::ElementsAre("weights.csv", "weights.png"));
  auto csv = ReadFile(report + "/weights.csv");
  ASSERT_OK(csv);
  const std::vector<std::string> lines = absl::StrSplit(*csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u + 2 * 9);  // header, 9 convs per run
  // The all-learned run has nothing fixed; its conv1 row says so.
  EXPECT_THAT(*csv, ::testing::HasSubstr("fig6/1.0,conv1,conv1,144,0,"));
  EXPECT_THAT(*csv, ::testing::HasSubstr("fig6/0.25,conv1,conv1,36,108,"));
  // The figure's data: a learned line per run, and the fixed line (from the
  // 0.25 run, the only one with fixed weights) for all 9 layers.
  auto data = ReadFile(report + "/weights.dat");
  ASSERT_OK(data);
  const std::vector<std::string> blocks = absl::StrSplit(*data, "\n\n\n");
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(blocks[2], '\n', absl::SkipEmpty())).size(),
            9u);
  auto gp = ReadFile(report + "/weights.gp");
  EXPECT_THAT(*gp, ::testing::HasSubstr("learned, 0.25"));
  EXPECT_THAT(*gp, ::testing::HasSubstr("fixed (random initialization)"));
  EXPECT_EQ(ReadFile(report + "/weights.png")->substr(1, 3), "PNG");
}

}  // namespace
}  // namespace rwn
