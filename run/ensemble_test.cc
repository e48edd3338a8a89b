// Cheap ensembles: members start from the base's weights and store only what
// they learned; the shared-backbone evaluation gives exactly what evaluating
// each member as its own network gives; a finished ensemble is not rerun;
// bad ensemble specs leave nothing behind.
#include "run/ensemble.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>

#include "core/testing.h"
#include "core/text_proto.h"
#include "run/load.h"
#include "run/run.h"
#include "run/run_folder.h"
#include "selectors/plan.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// WRN-10-1 on small synthetic data; members learn a random 25% of the
// filters (split convs) plus BN and fc.
constexpr char kSpec[] = R"pb(
  name: "ens"
  seed: 3
  model { wide_resnet { depth: 10 widen_factor: 1 } }
  dataset { synthetic { train_size: 512 test_size: 200 size: 12 noise: 60 } }
  learn {
    selector { filter_fraction { fraction: 0.25 end: RANDOM } }
    also_learn_batchnorm: true
    also_learn_classifier: true
  }
  optimizer { sgd { lr: 0.05 momentum: 0.9 } }
  epochs: 1
  batch_size: 64
  ensemble { members: 3 base_epochs: 1 }
)pb";

ExperimentSpec Spec() {
  ExperimentSpec spec;
  EXPECT_OK(ParseTextProto(kSpec, "ensemble_test", &spec));
  return spec;
}

RunOptions Options(const std::string& name) {
  RunOptions options;
  options.out = TestDir(name) + "/runs";  // not there yet
  options.quiet = true;
  options.threads = 2;
  return options;
}

TEST(EnsembleTest, MembersSpecsShareTheBaseAndDifferInVariation) {
  const ExperimentSpec spec = Spec();
  const ExperimentSpec base = EnsembleBaseSpec(spec);
  EXPECT_FALSE(base.has_learn());
  EXPECT_FALSE(base.has_ensemble());
  EXPECT_EQ(base.epochs(), 1);
  const ExperimentSpec second = EnsembleMemberSpec(spec, 2);
  EXPECT_EQ(second.init_from(), "../base");
  EXPECT_EQ(second.variation_seed(), 3002u);
  EXPECT_EQ(second.seed(), 3u);
  EXPECT_EQ(second.name(), "ens/member-2");
  EXPECT_TRUE(second.has_learn());
}

TEST(EnsembleTest, TrainsStoresDeltasAndEvaluatesOnTheSharedBase) {
  const ExperimentSpec spec = Spec();
  const RunOptions options = Options("train");
  absl::StatusOr<RunOutcome> outcome = RunExperiment(spec, options);
  ASSERT_OK(outcome);
  const EnsembleSummary& summary = outcome->summary.ensemble();
  ASSERT_EQ(summary.members(), 3);
  ASSERT_EQ(summary.member_test_top1_size(), 3);

  // Each member on its own network (its own copy of everything) gives the
  // accuracy the shared-base evaluation reported, and the ensemble is the
  // arg-max of their averaged softmax outputs.
  absl::StatusOr<LoadedRun> base = LoadRun(outcome->dir + "/base");
  ASSERT_OK(base);
  const Dataset& data = *base->dataset;
  torch::Tensor sum = torch::zeros({data.test.size(), data.num_classes});
  double mean = 0;
  int64_t learned = 0;
  std::vector<torch::Tensor> selections;
  for (int index = 1; index <= 3; ++index) {
    const std::string dir = outcome->dir + "/member-" + std::to_string(index);
    absl::StatusOr<LoadedRun> member = LoadRun(dir);
    ASSERT_OK(member);
    torch::Tensor probabilities = Predict(*member->network, data, data.test, 100);
    const double top1 =
        probabilities.argmax(1).eq(data.test.labels).to(torch::kDouble).mean().item<double>();
    EXPECT_DOUBLE_EQ(summary.member_test_top1(index - 1), top1) << "member " << index;
    sum += probabilities;
    mean += top1 / 3;

    // The member's fixed weights are the base's trained weights.
    const std::string conv = "block2.0.conv1.weight";
    const torch::Tensor mask =
        LearnedMask(member->plan, conv, CurrentValue(*base->network, conv).sizes().vec());
    ASSERT_GT(mask.sum().item<int64_t>(), 0);
    ASSERT_LT(mask.sum().item<int64_t>(), mask.numel());
    const torch::Tensor fixed = ~mask;
    EXPECT_TRUE(CurrentValue(*member->network, conv)
                    .masked_select(fixed)
                    .equal(CurrentValue(*base->network, conv).masked_select(fixed)));
    EXPECT_FALSE(CurrentValue(*member->network, conv)
                     .masked_select(mask)
                     .equal(CurrentValue(*base->network, conv).masked_select(mask)));
    selections.push_back(mask);

    // Its checkpoint holds only the learned entries (4 bytes each).
    absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(RunFolder(dir).checkpoint());
    ASSERT_OK(checkpoint);
    int64_t bytes = 0;
    for (const TensorRecord& record : checkpoint->learned()) bytes += record.data().size();
    absl::StatusOr<RunSummary> member_summary = RunFolder(dir).ReadSummary();
    ASSERT_OK(member_summary);
    EXPECT_EQ(bytes, 4 * int64_t{member_summary->learned_params()});
    learned += member_summary->learned_params();
  }
  // Members draw different random selections.
  EXPECT_FALSE(selections[0].equal(selections[1]));
  const double ensemble =
      sum.argmax(1).eq(data.test.labels).to(torch::kDouble).mean().item<double>();
  EXPECT_DOUBLE_EQ(summary.ensemble_test_top1(), ensemble);
  EXPECT_DOUBLE_EQ(outcome->summary.final_test_top1(), ensemble);
  EXPECT_NEAR(summary.mean_member_test_top1(), mean, 1e-12);
  EXPECT_EQ(outcome->summary.learned_params(), learned);
  EXPECT_GT(summary.ensemble_test_top1(), 0.2);  // 10 classes: above chance

  // The base evaluation saw the base's own weights (nothing left applied).
  const double base_top1 = Evaluate(*base->network, data, data.test, 100).top1;
  EXPECT_DOUBLE_EQ(summary.base_test_top1(), base_top1);

  // Finished: read back, nothing trained.
  absl::StatusOr<RunOutcome> again = RunExperiment(spec, options);
  ASSERT_OK(again);
  EXPECT_TRUE(again->already_finished);
  EXPECT_DOUBLE_EQ(again->summary.ensemble().ensemble_test_top1(), summary.ensemble_test_top1());
}

TEST(EnsembleTest, BadEnsembleSpecsAreRefusedBeforeAnythingIsWritten) {
  struct Case {
    const char* patch;
    const char* message;
  };
  for (const Case& c :
       {Case{"ensemble { members: 1 }", "ensemble.members = 1; allowed: >= 2"},
        Case{"ensemble { base_epochs: 0 }", "ensemble.base_epochs = 0"},
        Case{"init_from: \"elsewhere\"", "ensemble together with init_from"},
        Case{"learn { selector { layer_group { group: \"block9\" } } }", "block9"}}) {
    ExperimentSpec spec = Spec();
    ExperimentSpec patch;
    ASSERT_OK(ParseTextProto(c.patch, "patch", &patch)) << c.patch;
    spec.MergeFrom(patch);
    const RunOptions options = Options("bad");
    absl::StatusOr<RunOutcome> outcome = RunExperiment(spec, options);
    ASSERT_FALSE(outcome.ok()) << c.patch;
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument) << c.patch;
    EXPECT_THAT(std::string(outcome.status().message()), HasSubstr(c.message));
    EXPECT_FALSE(fs::exists(options.out)) << c.patch;
  }
}

TEST(EnsembleTest, InitFromAnotherModelIsRefusedWithTheMismatch) {
  // A finished all-learned run of WRN-10-1, then a WRN-10-2 spec that starts
  // from it.
  ExperimentSpec spec = Spec();
  spec.clear_ensemble();
  spec.clear_learn();
  spec.set_name("first");
  const RunOptions options = Options("init");
  absl::StatusOr<RunOutcome> first = RunExperiment(spec, options);
  ASSERT_OK(first);
  ExperimentSpec wider = spec;
  wider.set_name("wider");
  wider.mutable_model()->mutable_wide_resnet()->set_widen_factor(2);
  wider.set_init_from(first->dir);
  absl::StatusOr<RunOutcome> outcome = RunExperiment(wider, options);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr("does not fit this spec's"));
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr("(WRN-10-1)"));
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr("(WRN-10-2)"));
  EXPECT_FALSE(fs::exists(RunFolder::Of(wider, options.out).dir()));
}

}  // namespace
}  // namespace rwn
