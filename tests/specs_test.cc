// Every experiment spec checked into experiments/ parses, passes validation,
// and its model, learn plan, optimizer and schedule build (on a stand-in
// dataset of the same shape, so the test needs no data files).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/text_proto.h"
#include "experiments/experiment.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

std::vector<std::string> SpecFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator("experiments")) {
    if (entry.path().extension() == ".pbtxt") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

ModelContext ContextFor(const ExperimentSpec& spec) {
  if (spec.dataset().has_synthetic()) {
    const auto& s = spec.dataset().synthetic();
    return ModelContext{s.channels(), s.size(), s.size(), s.num_classes(), spec.seed()};
  }
  return ModelContext{1, 28, 28, 10, spec.seed()};  // Fashion-MNIST
}

TEST(SpecsTest, EveryCheckedInSpecBuilds) {
  const std::vector<std::string> files = SpecFiles();
  ASSERT_GE(files.size(), 2u) << "expected the quick-start specs under experiments/";
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto spec = ParseTextProtoFile<ExperimentSpec>(file);
    ASSERT_TRUE(spec.ok()) << spec.status();
    ASSERT_TRUE(ValidateSpec(*spec).ok()) << ValidateSpec(*spec);
    auto network = ModelRegistry::Global().CreateFromOneof(spec->model(), ContextFor(*spec));
    ASSERT_TRUE(network.ok()) << network.status();
    auto plan = BuildPlan(spec->has_learn() ? &spec->learn() : nullptr, **network, spec->seed());
    ASSERT_TRUE(plan.ok()) << plan.status();
    auto learned = ApplyPlan(*plan, ApplyOptions{spec->learn().fixed() == LearnSpec::ZERO, spec->learn().dense_mask()}, network->get());
    ASSERT_TRUE(learned.ok()) << learned.status();
    EXPECT_GT(CountPlan(*plan, **network).learned, 0);
    auto optimizer =
        OptimizerRegistry::Global().CreateFromOneof(spec->optimizer(), OptimizerContext{*learned});
    EXPECT_TRUE(optimizer.ok()) << optimizer.status();
    if (spec->has_schedule()) {
      EXPECT_TRUE(ScheduleRegistry::Global()
                      .CreateFromOneof(spec->schedule(), ScheduleContext{spec->epochs()})
                      .ok());
    }
  }
}

TEST(SpecsTest, QuickStartTrainsTheSameNetworkTwice) {
  auto all = ParseTextProtoFile<ExperimentSpec>("experiments/specs/quickstart/all_learned.pbtxt");
  auto part = ParseTextProtoFile<ExperimentSpec>("experiments/specs/quickstart/filters_0.1.pbtxt");
  ASSERT_TRUE(all.ok() && part.ok());
  EXPECT_EQ(all->model().DebugString(), part->model().DebugString());
  EXPECT_EQ(all->dataset().DebugString(), part->dataset().DebugString());
  EXPECT_EQ(all->seed(), part->seed());
  EXPECT_FALSE(all->has_learn());
  EXPECT_EQ(part->learn().selector(0).filter_fraction().fraction(), 0.1);
  EXPECT_NE(RunDir(*all, "runs"), RunDir(*part, "runs"));
}

TEST(SpecsTest, BadNamesAndSizesAreRefused) {
  auto spec = ParseTextProtoFile<ExperimentSpec>("experiments/specs/quickstart/all_learned.pbtxt");
  ASSERT_TRUE(spec.ok());
  for (const char* name : {"", "../escape", "a//b", "/abs", "sp ace"}) {
    spec->set_name(name);
    EXPECT_EQ(ValidateSpec(*spec).code(), absl::StatusCode::kInvalidArgument) << name;
  }
  spec->set_name("ok/name-1.0_x");
  EXPECT_TRUE(ValidateSpec(*spec).ok());
  spec->set_epochs(0);
  EXPECT_EQ(ValidateSpec(*spec).message(), "epochs = 0; allowed: >= 1");
  spec->set_epochs(1);
  spec->clear_optimizer();
  EXPECT_EQ(ValidateSpec(*spec).message(), "no optimizer block; a spec needs one");
}

}  // namespace
}  // namespace rwn
