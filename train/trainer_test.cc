#include "train/trainer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/exit_code.h"
#include "core/testing.h"
#include "datasets/dataset.pb.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "optim/optimizer.pb.h"
#include "run/testing.h"
#include "selectors/plan.h"
#include "train/divergence.h"

namespace rwn {
namespace {

struct Rig {
  std::shared_ptr<const Dataset> data;
  std::shared_ptr<Network> network;
  std::unique_ptr<Optimizer> optimizer;
};

// WRN-10-1 on the default synthetic data (4 classes, 1x8x8, 512 train / 256
// test), learning `learn` (everything when null) with `optimizer` (SGD at
// 0.05 when unset).
Rig Make(const LearnSpec* learn, OptimizerSpec optimizer = OptimizerSpec()) {
  ExperimentSpec spec = ParseTextProtoOrDie<ExperimentSpec>(
      "model { wide_resnet { depth: 10 widen_factor: 1 } } dataset { synthetic { } }");
  if (learn != nullptr) *spec.mutable_learn() = *learn;
  if (optimizer.optimizer_case() == OptimizerSpec::OPTIMIZER_NOT_SET) {
    optimizer.mutable_sgd()->set_lr(0.05);
  }
  *spec.mutable_optimizer() = optimizer;
  BuiltRun run = BuildRunOrDie(PrintTextProto(spec));
  return Rig{run.dataset, run.network, std::move(run.optimizer)};
}

TEST(TrainerTest, TinyWideResnetLearnsSyntheticData) {
  Rig s = Make(nullptr);
  const EvalResult before = Evaluate(*s.network, *s.data, s.data->test, 128);
  std::vector<EpochMetrics> epochs;
  TrainConfig config;
  config.epochs = 3;
  config.batch_size = 32;
  absl::Status status = Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr,
                              [&](const EpochMetrics& m) {
                                epochs.push_back(m);
                                return absl::OkStatus();
                              });
  ASSERT_OK(status);
  ASSERT_EQ(epochs.size(), 3u);
  EXPECT_LT(before.top1, 0.5);
  EXPECT_GT(epochs.back().test_top1(), 0.9);
  EXPECT_EQ(epochs.back().test_top5(), 1.0);  // 4 classes: top-5 is top-4
  EXPECT_LT(epochs.back().train_loss(), epochs.front().train_loss());
  EXPECT_EQ(epochs[1].epoch(), 2);
  EXPECT_DOUBLE_EQ(epochs[0].lr(), 0.05);
  EXPECT_GT(epochs[0].images_per_second(), 0);
  // The callback's verdict is final.
  Rig again = Make(nullptr);
  status = Train(*again.network, *again.data, *again.optimizer, nullptr, config, nullptr,
                 [](const EpochMetrics&) { return absl::DataLossError("disk full"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
}

// bfloat16 autocast, in both layouts, trains a quarter of the filters with
// the rest fixed random (the split path's own autograd function) to the
// accuracy float32 reaches.
TEST(TrainerTest, Bfloat16LearnsAQuarterOfTheFiltersAsFloat32Does) {
  const LearnSpec learn = ParseTextProtoOrDie<LearnSpec>(
      "selector { filter_fraction { fraction: 0.25 } } fixed: RANDOM");
  for (const auto& [bfloat16, channels_last] :
       std::vector<std::pair<bool, bool>>{{false, false}, {true, false}, {true, true}}) {
    SCOPED_TRACE(absl::StrCat("bfloat16 ", bfloat16, ", channels-last ", channels_last));
    Rig s = Make(&learn);
    if (channels_last) UseChannelsLast(s.network.get());
    TrainConfig config;
    config.epochs = 3;
    config.batch_size = 32;
    config.compute = ComputeOptions{channels_last, bfloat16};
    std::vector<EpochMetrics> epochs;
    ASSERT_OK(Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr,
                    [&](const EpochMetrics& m) {
                      epochs.push_back(m);
                      return absl::OkStatus();
                    }));
    ASSERT_EQ(epochs.size(), 3u);
    EXPECT_GT(epochs.back().test_top1(), 0.95);  // float32 and bfloat16 measured: 100%
    EXPECT_LT(epochs.back().train_loss(), epochs.front().train_loss());
  }
}

// Every optimizer, at its documented defaults (Adam with lr 0.01), trains the
// synthetic data to over 90% test accuracy in 3 epochs.
class EveryOptimizerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryOptimizerTest, LearnsSyntheticData) {
  OptimizerSpec optimizer;
  optimizer.GetReflection()->MutableMessage(&optimizer,
                                            optimizer.GetDescriptor()->FindFieldByName(GetParam()));
  if (optimizer.has_adam()) optimizer.mutable_adam()->set_lr(0.01);
  Rig s = Make(nullptr, optimizer);
  TrainConfig config;
  config.epochs = 3;
  config.batch_size = 32;
  double top1 = 0;
  ASSERT_OK(Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr,
                  [&](const EpochMetrics& m) {
                    top1 = m.test_top1();
                    return absl::OkStatus();
                  }));
  EXPECT_GT(top1, 0.9);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, EveryOptimizerTest,
                         ::testing::Values("sgd", "adam", "yellowfin"));

// With fixed: ZERO the convs after the stem are zero and not computed, so a
// run that learns only the stem has no gradient at all: refused by name
// rather than as libtorch's "does not require grad".
TEST(TrainerTest, ARunWhoseLossIgnoresEveryLearnedTensorIsRefused) {
  const LearnSpec learn = ParseTextProtoOrDie<LearnSpec>(
      "fixed: ZERO selector { layer_group { group: \"conv1\" } } "
      "also_learn_batchnorm: false also_learn_classifier: false");
  Rig s = Make(&learn);
  TrainConfig config;
  config.batch_size = 32;
  absl::Status status = Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr,
                              [](const EpochMetrics&) { return absl::OkStatus(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("does not depend on any learned tensor"));
}

// lr 1e30: the first step's loss is finite, its update is not, so the
// second step's loss is not finite and training stops there.
TEST(TrainerTest, ANonFiniteLossStopsTrainingAtThatStep) {
  OptimizerSpec optimizer;
  optimizer.mutable_sgd()->set_lr(1e30);
  Rig s = Make(nullptr, optimizer);
  TrainConfig config;
  config.epochs = 3;
  config.batch_size = 32;
  int epochs = 0;
  const absl::Status status =
      Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr, [&](const EpochMetrics&) {
        ++epochs;
        return absl::OkStatus();
      });
  const std::optional<Divergence> where = DivergenceOf(status);
  ASSERT_TRUE(where.has_value()) << status;
  EXPECT_EQ(epochs, 0);
  EXPECT_EQ(where->epoch(), 1);
  EXPECT_EQ(where->step(), 2);
  EXPECT_FALSE(std::isfinite(where->loss()));
  EXPECT_EQ(where->lr(), 1e30);
  EXPECT_EQ(ExitCodeFor(status), 3);
  EXPECT_THAT(std::string(status.message()),
              ::testing::AllOf(::testing::HasSubstr("diverged at epoch 1, step 2"),
                               ::testing::HasSubstr("(lr 1e+30)"),
                               ::testing::HasSubstr("Try a smaller optimizer.lr (e.g. 1e+29)")));
}

// A finite loss above max_loss stops training too, before that step's update.
TEST(TrainerTest, ALossAboveMaxLossStopsTrainingBeforeItsUpdate) {
  Rig s = Make(nullptr);
  const torch::Tensor before = s.optimizer->params().front().tensor.detach().clone();
  TrainConfig config;
  config.batch_size = 32;
  config.max_loss = 0.01;  // 4 classes: the first loss is about ln 4 = 1.39
  const absl::Status status = Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr,
                                    [](const EpochMetrics&) { return absl::OkStatus(); });
  const std::optional<Divergence> where = DivergenceOf(status);
  ASSERT_TRUE(where.has_value()) << status;
  EXPECT_EQ(where->step(), 1);
  EXPECT_GT(where->loss(), 0.5);
  EXPECT_LT(where->loss(), 5);
  EXPECT_THAT(where->message(), ::testing::HasSubstr("passed max_loss 0.01"));
  EXPECT_TRUE(torch::equal(s.optimizer->params().front().tensor, before));
}

TEST(TrainerTest, OutOfMemoryNamesTheModelBatchAndDevice) {
  TrainConfig config;
  config.batch_size = 128;
  config.eval_batch_size = 500;
  const absl::Status oom = absl::ResourceExhaustedError(
      "training: out of memory: CUDA out of memory. Tried to allocate 2.00 GiB");
  const absl::Status explained = ExplainOutOfMemory(oom, "WRN-28-10", config, "cuda:0");
  EXPECT_EQ(explained.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(explained.message(),
            "WRN-28-10 with batch_size 128 (eval_batch_size 500) on cuda:0 ran out of memory: "
            "training: out of memory: CUDA out of memory. Tried to allocate 2.00 GiB. Try a "
            "smaller batch_size or eval_batch_size, bfloat16: true, or cache_frozen_prefix: true "
            "when the first stages learn nothing");
  const absl::Status other = absl::ResourceExhaustedError("disk quota exceeded");
  EXPECT_EQ(ExplainOutOfMemory(other, "WRN-28-10", config, "cuda:0"), other);
  EXPECT_OK(ExplainOutOfMemory(absl::OkStatus(), "WRN-28-10", config, "cpu"));
}

TEST(TrainerTest, SameSeedSameRun) {
  TrainConfig config;
  config.epochs = 1;
  config.batch_size = 64;
  std::vector<double> losses;
  for (int run = 0; run < 2; ++run) {
    Rig s = Make(nullptr);
    ASSERT_OK(Train(*s.network, *s.data, *s.optimizer, nullptr, config, nullptr,
                    [&](const EpochMetrics& m) {
                      losses.push_back(m.train_loss());
                      return absl::OkStatus();
                    }));
  }
  EXPECT_EQ(losses[0], losses[1]);
}

TEST(TrainerTest, ProgressLineReadsLikeAPerson) {
  EpochMetrics m;
  m.set_epoch(3);
  m.set_lr(0.1);
  m.set_train_loss(0.41234);
  m.set_train_top1(0.852);
  m.set_test_top1(0.8412);
  m.set_test_top5(0.991);
  m.set_images_per_second(1510.4);
  m.set_epoch_seconds(12.0);
  m.set_eval_seconds(2.2);
  EXPECT_EQ(Progress::EpochLine(m, 10),
            "epoch 3/10 lr 0.1 loss 0.4123 train 85.20% test 84.12% (top-5 99.10%) 1510 img/s "
            "14.2s");
}

}  // namespace
}  // namespace rwn
