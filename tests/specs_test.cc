// Every experiment spec checked into experiments/ parses, passes validation,
// and its model, learn plan, optimizer and schedule build (on a stand-in
// dataset of the same shape, so the test needs no data files).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/testing.h"
#include "core/text_proto.h"
#include "experiments/spec.h"
#include "experiments/sweep.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "run/build.h"
#include "run/run_folder.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

std::vector<std::string> SpecFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator("experiments")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".pbtxt" && entry.path().parent_path().filename() != "paper" &&
        !absl::EndsWith(name, "_sweep.pbtxt")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

ModelContext ContextFor(const ExperimentSpec& spec) {
  const DatasetSpec& data = spec.dataset();
  if (data.has_synthetic()) {
    const auto& s = data.synthetic();
    return ModelContext{s.channels(), s.size(), s.size(), s.num_classes(), spec.seed()};
  }
  if (data.has_cifar10()) return ModelContext{3, 32, 32, 10, spec.seed()};
  if (data.has_cifar100()) return ModelContext{3, 32, 32, 100, spec.seed()};
  if (data.has_tiny_imagenet()) return ModelContext{3, 64, 64, 200, spec.seed()};
  return ModelContext{1, 28, 28, 10, spec.seed()};  // Fashion-MNIST
}

TEST(SpecsTest, EveryCheckedInSpecBuilds) {
  const std::vector<std::string> files = SpecFiles();
  ASSERT_GE(files.size(), 2u) << "expected the quick-start specs under experiments/";
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto spec = ParseTextProtoFile<ExperimentSpec>(file);
    ASSERT_OK(spec);
    ASSERT_OK(ValidateSpec(*spec));
    auto network = BuildNetwork(*spec, ContextFor(*spec));
    ASSERT_OK(network);
    auto plan = BuildLearnPlan(*spec, **network);
    ASSERT_OK(plan);
    auto learned = ApplyPlan(
        *plan, ApplyOptions{spec->learn().fixed() == LearnSpec::ZERO, spec->learn().dense_mask()},
        network->get());
    ASSERT_OK(learned);
    EXPECT_GT(CountPlan(*plan, **network).learned, 0);
    auto optimizer =
        OptimizerRegistry::Global().CreateFromOneof(spec->optimizer(), OptimizerContext{*learned});
    EXPECT_OK(optimizer);
    if (spec->has_schedule()) {
      EXPECT_OK(ScheduleRegistry::Global().CreateFromOneof(spec->schedule(),
                                                           ScheduleContext{spec->epochs()}));
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
  EXPECT_NE(RunFolder::Of(*all, "runs").dir(), RunFolder::Of(*part, "runs").dir());
}

TEST(SpecsTest, BadNamesAndSizesAreRefused) {
  auto spec = ParseTextProtoFile<ExperimentSpec>("experiments/specs/quickstart/all_learned.pbtxt");
  ASSERT_OK(spec);
  for (const char* name : {"", "../escape", "a//b", "/abs", "sp ace"}) {
    spec->set_name(name);
    EXPECT_EQ(ValidateSpec(*spec).code(), absl::StatusCode::kInvalidArgument) << name;
  }
  spec->set_name("ok/name-1.0_x");
  EXPECT_OK(ValidateSpec(*spec));
  spec->set_epochs(0);
  EXPECT_EQ(ValidateSpec(*spec).message(), "epochs = 0; allowed: >= 1");
  spec->set_epochs(1);
  spec->mutable_sweep()->add_axis("fraction");
  EXPECT_EQ(ValidateSpec(*spec).message(),
            "sweep has 1 axes and 0 labels; allowed: one label per axis (sweep expansion "
            "writes this block)");
  spec->clear_sweep();
  spec->clear_optimizer();
  EXPECT_EQ(ValidateSpec(*spec).message(), "no optimizer block; a spec needs one");
}

// The paper's sweeps (experiments/paper/): every point validates, and its
// model and learn plan build and learn something. Networks are built once
// per model and input shape.
TEST(SpecsTest, EveryPaperSweepPointBuilds) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator("experiments/paper")) {
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 4u);
  std::map<std::string, std::shared_ptr<Network>> networks;
  int points_checked = 0;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto sweep = ParseTextProtoFile<SweepSpec>(file);
    ASSERT_OK(sweep);
    auto points = ExpandSweep(*sweep);
    ASSERT_OK(points);
    EXPECT_THAT(file, ::testing::AnyOf(::testing::HasSubstr(".paper.pbtxt"),
                                       ::testing::HasSubstr(".cpu.pbtxt"),
                                       ::testing::HasSubstr(".cpu_long.pbtxt")));
    for (const SweepPoint& point : *points) {
      SCOPED_TRACE(point.spec.name());
      ASSERT_OK(ValidateSpec(point.spec));
      const ModelContext context = ContextFor(point.spec);
      const std::string key = absl::StrCat(PrintTextProto(point.spec.model()), context.channels,
                                           "x", context.height, "/", context.num_classes);
      if (!networks.count(key)) {
        auto network = BuildNetwork(point.spec, context);
        ASSERT_OK(network);
        networks[key] = *network;
      }
      auto plan = BuildLearnPlan(point.spec, *networks[key]);
      ASSERT_OK(plan);
      EXPECT_GT(CountPlan(*plan, *networks[key]).learned, 0);
      ++points_checked;
    }
  }
  EXPECT_GT(points_checked, 100);
}

// The example sweeps (experiments/specs/**/*_sweep.pbtxt) expand into
// points that validate.
TEST(SpecsTest, EveryExampleSweepExpands) {
  auto sweep = ParseTextProtoFile<SweepSpec>("experiments/specs/tensorboard/demo_sweep.pbtxt");
  ASSERT_OK(sweep);
  auto points = ExpandSweep(*sweep);
  ASSERT_OK(points);
  EXPECT_EQ(points->size(), 3u);
  for (const SweepPoint& point : *points) EXPECT_OK(ValidateSpec(point.spec));
}

// Every `bazel run //experiments:<name>` sweep exists at both scales; Table
// 1 and Figure 1 also with the cpu_long protocol, whose learning curve and
// float32 check have that scale alone.
TEST(SpecsTest, EveryPaperSweepHasAPaperAndACpuScale) {
  std::map<std::string, std::set<std::string>> scales;
  for (const auto& entry : std::filesystem::directory_iterator("experiments/paper")) {
    const std::string stem = entry.path().stem().stem().string();
    scales[stem].insert(entry.path().stem().extension().string());
  }
  const std::set<std::string> both = {".cpu", ".paper"};
  for (const char* sweep : {"fig2_slice_dims", "fig4_batchnorm", "fig5_full", "table2_full",
                            "table3_tiny_imagenet", "table4_ensembles"}) {
    EXPECT_EQ(scales[sweep], both) << sweep;
  }
  const std::set<std::string> three = {".cpu", ".cpu_long", ".paper"};
  EXPECT_EQ(scales["table1_layers"], three);
  EXPECT_EQ(scales["fig1_fractions"], three);
  EXPECT_EQ(scales["learning_curve"], std::set<std::string>{".cpu_long"});
  EXPECT_EQ(scales["precision_check"], std::set<std::string>{".cpu_long"});
  EXPECT_EQ(scales.size(), 10u);
}

// The cpu_long sweeps are one protocol: all 60,000 Fashion-MNIST training
// images with 5,000 held out, the same epochs and schedule, at least 3 seeds
// (the learning curve and the float32 check excepted), bfloat16 but for the
// float32 check.
TEST(SpecsTest, TheCpuLongSweepsShareOneProtocol) {
  auto table1 = ParseTextProtoFile<SweepSpec>("experiments/paper/table1_layers.cpu_long.pbtxt");
  ASSERT_OK(table1);
  const ExperimentSpec& protocol = table1->base();
  for (const char* name : {"table1_layers", "fig1_fractions", "precision_check"}) {
    SCOPED_TRACE(name);
    auto sweep =
        ParseTextProtoFile<SweepSpec>(absl::StrCat("experiments/paper/", name, ".cpu_long.pbtxt"));
    ASSERT_OK(sweep);
    const ExperimentSpec& base = sweep->base();
    EXPECT_TRUE(base.dataset().has_fashion_mnist());
    EXPECT_EQ(base.dataset().fashion_mnist().train_subset(), 0);
    EXPECT_EQ(base.validation_size(), 5000);
    EXPECT_EQ(base.epochs(), protocol.epochs());
    EXPECT_EQ(PrintTextProto(base.schedule()), PrintTextProto(protocol.schedule()));
    EXPECT_EQ(PrintTextProto(base.optimizer()), PrintTextProto(protocol.optimizer()));
    EXPECT_EQ(PrintTextProto(base.model()), PrintTextProto(protocol.model()));
    const bool float32 = std::string(name) == "precision_check";
    EXPECT_EQ(base.bfloat16(), !float32);
    EXPECT_GE(sweep->seeds_size(), float32 ? 1 : 3);
  }
  // Figure 1's k1 row alone trains in float32: its zeroed run collapsed to
  // a constant output in bfloat16, not in float32 (docs/results/README.md).
  auto fig1 = ParseTextProtoFile<SweepSpec>("experiments/paper/fig1_fractions.cpu_long.pbtxt");
  ASSERT_OK(fig1);
  std::set<std::string> float32_rows;
  for (const SweepAxis& axis : fig1->axis()) {
    for (const SweepValue& value : axis.value()) {
      if (value.patch().has_bfloat16() && !value.patch().bfloat16()) {
        float32_rows.insert(value.label());
      }
    }
  }
  EXPECT_EQ(float32_rows, std::set<std::string>{"k1"});
  // The protocol's epochs are one of the learning curve's budgets.
  auto curve = ParseTextProtoFile<SweepSpec>("experiments/paper/learning_curve.cpu_long.pbtxt");
  ASSERT_OK(curve);
  bool found = false;
  for (const SweepValue& value : curve->axis(0).value()) {
    if (value.patch().epochs() == protocol.epochs()) {
      found = true;
      EXPECT_EQ(PrintTextProto(value.patch().schedule()), PrintTextProto(protocol.schedule()));
    }
  }
  EXPECT_TRUE(found) << protocol.epochs() << " epochs";
}

}  // namespace
}  // namespace rwn
