#include "train/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/testing.h"
#include "core/text_proto.h"
#include "models/model.pb.h"
#include "optim/optimizer.pb.h"
#include "run/testing.h"
#include "selectors/plan.h"
#include "selectors/selector.pb.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

struct Trained {
  std::shared_ptr<Network> network;
  std::unique_ptr<Optimizer> optimizer;
  std::string init_checksum;
};

// `model` for 3x32x32, 10 classes, learning `learn` ("" = everything), after
// `steps` momentum-SGD steps on random data.
Trained Make(const std::string& model, const std::string& learn, bool dense_mask, int steps) {
  std::string spec = absl::StrCat(
      "seed: 3 model { ", model, " } optimizer { sgd { } } ",
      "dataset { synthetic { channels: 3 size: 32 num_classes: 10 train_size: 2 test_size: 2 } }");
  if (!learn.empty()) {
    absl::StrAppend(&spec, "learn { ", learn, dense_mask ? " dense_mask: true" : "", " }");
  }
  BuiltRun run = BuildRunOrDie(spec);
  Trained t;
  t.network = run.network;
  t.optimizer = std::move(run.optimizer);
  t.init_checksum = InitChecksum(*t.network);
  torch::manual_seed(11);
  t.network->module->train();
  for (int step = 0; step < steps; ++step) {
    t.optimizer->ZeroGrad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        t.network->forward(torch::randn({2, 3, 32, 32})), torch::tensor({1, 7}));
    loss.backward();
    t.optimizer->Step(0.1);
  }
  return t;
}

std::string TempPath(const std::string& name) {
  static const std::string* dir = new std::string(TestDir("checkpoints"));
  return *dir + "/" + name;
}

TEST(CheckpointTest, TenPercentOfWrn28x4IsAtMostFifteenPercentOfAFullCheckpoint) {
  const char* kModel = "wide_resnet { depth: 28 widen_factor: 4 }";
  Trained partial = Make(kModel, "selector { filter_fraction { fraction: 0.1 } }", false, 1);
  Trained full = Make(kModel, "", false, 1);
  ASSERT_OK(SaveCheckpoint(TempPath("partial.rwn"), {}, *partial.network, *partial.optimizer));
  ASSERT_OK(SaveCheckpoint(TempPath("full.rwn"), {}, *full.network, *full.optimizer));
  const double partial_bytes = fs::file_size(TempPath("partial.rwn"));
  const double full_bytes = fs::file_size(TempPath("full.rwn"));
  // 5,848,036 weights, each with a momentum buffer, in float32.
  EXPECT_GT(full_bytes, 2 * 4 * 5848036);
  EXPECT_LE(partial_bytes, 0.15 * full_bytes) << partial_bytes << " vs " << full_bytes;
  RecordProperty("partial_bytes", std::to_string(static_cast<int64_t>(partial_bytes)));
  RecordProperty("full_bytes", std::to_string(static_cast<int64_t>(full_bytes)));
}

// Save after some steps, restore into a freshly built network: every weight
// (fixed and learned) and buffer is back, on the split and the masked path.
class RoundTripTest : public ::testing::TestWithParam<bool> {};

TEST_P(RoundTripTest, RestoresEveryWeightAndBuffer) {
  const bool dense_mask = GetParam();
  const char* kModel = "wide_resnet { depth: 10 widen_factor: 2 }";
  const char* kLearn = "selector { filter_fraction { fraction: 0.3 } } also_learn_batchnorm: false";
  Trained trained = Make(kModel, kLearn, dense_mask, 3);
  ASSERT_OK(SaveCheckpoint(TempPath("round.rwn"), {}, *trained.network, *trained.optimizer));
  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(TempPath("round.rwn"));
  ASSERT_OK(checkpoint);
  EXPECT_EQ(checkpoint->learned(0).masked(), dense_mask);

  Trained fresh = Make(kModel, kLearn, dense_mask, 0);
  EXPECT_EQ(fresh.init_checksum, trained.init_checksum);
  ASSERT_OK(RestoreCheckpoint(*checkpoint, fresh.network.get(), fresh.optimizer.get()));
  int compared = 0;
  for (const Layer& layer : trained.network->layers) {
    for (const std::string& name : {layer.weight, layer.bias}) {
      if (name.empty()) continue;
      EXPECT_TRUE(
          torch::equal(CurrentValue(*trained.network, name), CurrentValue(*fresh.network, name)))
          << name;
      ++compared;
    }
  }
  EXPECT_GT(compared, 10);
  auto buffers = fresh.network->module->named_buffers();
  for (const auto& buffer : trained.network->module->named_buffers()) {
    EXPECT_TRUE(torch::equal(buffer.value(), buffers[buffer.key()])) << buffer.key();
  }
  // Training moved the running statistics, so restoring them mattered.
  EXPECT_FALSE(torch::equal(
      buffers["bn1.running_mean"],
      Make(kModel, kLearn, dense_mask, 0).network->module->named_buffers()["bn1.running_mean"]));
}

INSTANTIATE_TEST_SUITE_P(SplitAndMasked, RoundTripTest, ::testing::Bool());

TEST(CheckpointTest, TheChecksumCoversEveryFixedWeight) {
  const char* kModel = "wide_resnet { depth: 10 widen_factor: 1 }";
  // Split convs hash as whole tensors: the same weights, learned or split
  // into learned and fixed parts, give the same checksum.
  const std::string split =
      Make(kModel, "selector { filter_fraction { fraction: 0.5 } }", false, 0).init_checksum;
  EXPECT_EQ(split, Make(kModel, "", false, 0).init_checksum);
  // Only the classifier learned: every conv is wholly fixed, and changing one
  // of its weights changes the checksum.
  Trained fixed = Make(kModel, "also_learn_classifier: true also_learn_batchnorm: false", false, 0);
  EXPECT_EQ(fixed.init_checksum, split);
  {
    torch::NoGradGuard no_grad;
    torch::Tensor conv1 = fixed.network->module->named_parameters()["conv1.weight"];
    ASSERT_FALSE(conv1.requires_grad());
    conv1[0][0][0][0] += 1e-6;
  }
  EXPECT_NE(InitChecksum(*fixed.network), split);
  EXPECT_NE(Make("wide_resnet { depth: 10 widen_factor: 1 init: TORCH_DEFAULT }", "", false, 0)
                .init_checksum,
            split);
}

TEST(CheckpointTest, ACpuRunStoresNoDeviceGenerator) {
  Trained trained = Make("wide_resnet { depth: 10 widen_factor: 1 }", "", false, 0);
  ASSERT_OK(SaveCheckpoint(TempPath("cpu.rwn"), {}, *trained.network, *trained.optimizer));
  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(TempPath("cpu.rwn"));
  ASSERT_OK(checkpoint);
  EXPECT_FALSE(checkpoint->has_device_rng());
  EXPECT_FALSE(checkpoint->torch_rng().empty());
  // A GPU's state in the checkpoint (a GPU run resumed on the CPU) is not
  // the CPU's to restore: the CPU generator comes back, the GPU's is left.
  checkpoint->mutable_device_rng()->set_device("cuda:0");
  checkpoint->mutable_device_rng()->set_state("not a CPU generator's state");
  ASSERT_OK(RestoreCheckpoint(*checkpoint, trained.network.get(), trained.optimizer.get()));
}

TEST(CheckpointTest, AGpuRunStoresAndRestoresItsGenerator) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA GPU; this machine has none";
  Trained trained = Make("wide_resnet { depth: 10 widen_factor: 1 }", "", false, 0);
  trained.network->module->to(torch::Device("cuda:0"));
  torch::cuda::manual_seed_all(5);
  ASSERT_OK(SaveCheckpoint(TempPath("gpu.rwn"), {}, *trained.network, *trained.optimizer));
  const torch::Tensor expected = torch::rand({4}, torch::Device("cuda:0")).cpu();
  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(TempPath("gpu.rwn"));
  ASSERT_OK(checkpoint);
  ASSERT_TRUE(checkpoint->has_device_rng());
  EXPECT_EQ(checkpoint->device_rng().device(), "cuda:0");
  torch::cuda::manual_seed_all(6);  // moves the GPU generator elsewhere
  ASSERT_OK(RestoreCheckpoint(*checkpoint, trained.network.get(), trained.optimizer.get()));
  EXPECT_TRUE(torch::equal(torch::rand({4}, torch::Device("cuda:0")).cpu(), expected));
}

}  // namespace
}  // namespace rwn
