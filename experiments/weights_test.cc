#include "experiments/weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/text_proto.h"

namespace rwn {
namespace {

TEST(WeightsTest, SeparatesLearnedFromFixedWeightsOfATrainedRun) {
  ExperimentSpec spec;
  ASSERT_TRUE(ParseTextProto(R"pb(
    name: "weights"
    model { wide_resnet { depth: 10 widen_factor: 1 } }
    dataset { synthetic { train_size: 128 test_size: 32 } }
    learn { selector { filter_fraction { fraction: 0.25 } } }
    optimizer { sgd { lr: 0.5 weight_decay: 0.05 } }
    epochs: 2
    batch_size: 32
  )pb", "spec", &spec).ok());
  RunOptions options;
  options.out = (std::filesystem::path(std::getenv("TEST_TMPDIR")) / "runs").string();
  options.quiet = true;
  auto outcome = RunExperiment(spec, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  auto run = LoadRun(outcome->dir);
  ASSERT_TRUE(run.ok()) << run.status();
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
  EXPECT_THAT(WeightsCsv(rows), ::testing::StartsWith(
                                    "layer,group,learned,fixed,learned mean |w|,learned var"));
}

}  // namespace
}  // namespace rwn
