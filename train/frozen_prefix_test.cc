#include "train/frozen_prefix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "core/testing.h"
#include "core/text_proto.h"
#include "datasets/dataset.pb.h"
#include "models/model.pb.h"
#include "run/testing.h"
#include "selectors/plan.h"
#include "selectors/selector.pb.h"
#include "train/trainer.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

struct Rig {
  std::shared_ptr<const Dataset> data;
  std::shared_ptr<Network> network;
  std::vector<LearnedTensor> learned;
};

// `model` on 96 synthetic 3x8x8 images of 4 classes, learning `learn`.
Rig Make(const std::string& model, const std::string& learn) {
  BuiltRun run = BuildRunOrDie(
      absl::StrCat("model { ", model, " } learn { ", learn, " } optimizer { sgd { } } ",
                   "dataset { synthetic { train_size: 96 test_size: 40 channels: 3 } }"));
  Rig r;
  r.data = run.dataset;
  r.network = run.network;
  r.learned = run.optimizer->params();
  return r;
}

constexpr char kWrn[] = "wide_resnet { depth: 10 widen_factor: 1 }";
constexpr char kFcOnly[] = "also_learn_batchnorm: false also_learn_classifier: true";
constexpr char kLastBlock[] =
    "selector { layer_group { group: 'block3' } } also_learn_batchnorm: false";

TEST(FrozenPrefixTest, CountsTheStagesBeforeTheFirstLearnedOne) {
  // WRN stages: conv1, block1, block2, block3, pool, fc.
  EXPECT_EQ(FrozenStages(*Make(kWrn, kFcOnly).network, Make(kWrn, kFcOnly).learned), 5);
  Rig last = Make(kWrn, kLastBlock);
  EXPECT_EQ(FrozenStages(*last.network, last.learned), 3);
  Rig bn = Make(kWrn, "also_learn_classifier: false");
  EXPECT_EQ(FrozenStages(*bn.network, bn.learned), 1);  // conv1 has no BN
  Rig dense = Make("densenet { depth: 10 growth_rate: 4 }", kFcOnly);
  EXPECT_EQ(FrozenStages(*dense.network, dense.learned),
            static_cast<int64_t>(dense.network->stages.size()) - 1);
}

// Names of every autograd node behind `loss`.
std::multiset<std::string> GraphNodes(const torch::Tensor& loss) {
  std::multiset<std::string> names;
  std::vector<torch::autograd::Node*> stack = {loss.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  while (!stack.empty()) {
    torch::autograd::Node* node = stack.back();
    stack.pop_back();
    if (node == nullptr || !seen.insert(node).second) continue;
    names.insert(node->name());
    for (const auto& edge : node->next_edges()) stack.push_back(edge.function.get());
  }
  return names;
}

int64_t Convolutions(const std::multiset<std::string>& nodes) {
  int64_t count = 0;
  for (const std::string& name : nodes)
    count += name.find("Convolution") != std::string::npos ||
             name.find("LearnedFilters") != std::string::npos;
  return count;
}

TEST(FrozenPrefixTest, BackwardStopsWhereLearningStarts) {
  // WRN-10-1 has 9 convs: conv1, two per block, and the shortcuts of
  // block2 and block3. The graph holds backward nodes only for convs from
  // the first learned stage on: none for fc only, block3's 3 for the last
  // block, all but conv1 when every BN learns (block1 starts with one).
  for (auto [learn, convs] : {std::pair<const char*, int64_t>{kFcOnly, 0},
                              {kLastBlock, 3},
                              {"also_learn_classifier: false", 8}}) {
    Rig r = Make(kWrn, learn);
    r.network->module->train();
    torch::Tensor loss = r.network->forward(torch::randn({2, 3, 8, 8})).logsumexp(1).sum();
    EXPECT_EQ(Convolutions(GraphNodes(loss)), convs) << "learn { " << learn << " }";
  }
}

TEST(FrozenPrefixTest, CachedFeaturesGiveTheNetworksEvalOutputs) {
  for (const char* model : {kWrn, "resnet { depth: 8 }", "densenet { depth: 10 growth_rate: 4 }"}) {
    for (const char* learn : {kFcOnly, kLastBlock}) {
      Rig r = Make(model, learn);
      auto frozen = FreezePrefix(*r.network, *r.data, r.learned, 32, int64_t{1} << 30);
      ASSERT_OK(frozen);
      ASSERT_GT(frozen->stages, 0);
      const Dataset& features = *frozen->features;
      EXPECT_EQ(features.train.size(), 96);
      EXPECT_TRUE(torch::equal(features.test.labels, r.data->test.labels));
      // The prefix's batch norms saw the whole training set: 3 batches.
      int calibrated = 0;
      for (const auto& buffer : r.network->module->named_buffers()) {
        const std::string& key = buffer.key();
        if (key.find("num_batches_tracked") == std::string::npos) continue;
        if (key.rfind("block1", 0) == 0 || key.rfind("layer1", 0) == 0 ||
            key.rfind("dense1", 0) == 0) {
          EXPECT_EQ(buffer.value().item<int64_t>(), 3) << key;
          ++calibrated;
        }
      }
      EXPECT_GT(calibrated, 0) << model;
      // The suffix on cached features computes what the whole network does
      // in eval mode.
      r.network->module->eval();
      torch::NoGradGuard no_grad;
      torch::Tensor images = (r.data->test.images.to(torch::kFloat) / 255 -
                              torch::tensor(r.data->mean).view({1, 3, 1, 1}).to(torch::kFloat)) /
                             torch::tensor(r.data->std).view({1, 3, 1, 1}).to(torch::kFloat);
      EXPECT_TRUE(torch::allclose(frozen->suffix.forward(features.test.images),
                                  r.network->forward(images), 1e-4, 1e-5))
          << model << " learn { " << learn << " }";
    }
  }
}

TEST(FrozenPrefixTest, OnAGpuTheFeaturesAreComputedThereAndKeptInHostMemory) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA GPU; this machine has none";
  Rig cpu = Make(kWrn, kFcOnly);
  Rig gpu = Make(kWrn, kFcOnly);
  gpu.network->module->to(torch::Device("cuda:0"));
  auto on_cpu = FreezePrefix(*cpu.network, *cpu.data, cpu.learned, 32, int64_t{1} << 30);
  // cuDNN's convolutions default to TF32, which keeps 10 bits of each
  // product's mantissa; the comparison with the CPU is of what is computed,
  // so it runs in float32.
  const bool tf32 = at::globalContext().allowTF32CuDNN();
  at::globalContext().setAllowTF32CuDNN(false);
  auto on_gpu = FreezePrefix(*gpu.network, *gpu.data, gpu.learned, 32, int64_t{1} << 30);
  at::globalContext().setAllowTF32CuDNN(tf32);
  ASSERT_OK(on_cpu);
  ASSERT_OK(on_gpu);
  const torch::Tensor features = on_gpu->features->test.images;
  const torch::Tensor expected = on_cpu->features->test.images;
  EXPECT_TRUE(features.device().is_cpu());
  EXPECT_TRUE(torch::allclose(features, expected, 1e-3, 1e-4))
      << "largest difference " << (features - expected).abs().max().item<float>() << " of "
      << expected.abs().max().item<float>();
}

TEST(FrozenPrefixTest, ErrorsNameTheLimitAndTheModel) {
  Rig r = Make(kWrn, kFcOnly);
  auto big = FreezePrefix(*r.network, *r.data, r.learned, 32, 1000);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(big.status().message()),
      HasSubstr("the features after stage pool (64 values per image) of 136 images would take"));
  Rig vgg = Make("vgg { depth: 11 width_divisor: 16 }", kFcOnly);
  EXPECT_THAT(
      std::string(
          FreezePrefix(*vgg.network, *vgg.data, vgg.learned, 32, 1 << 30).status().message()),
      HasSubstr("does not describe its stages"));
  Rig all = Make(kWrn, "selector { layer_group { group: 'conv1' } }");
  auto none = FreezePrefix(*all.network, *all.data, all.learned, 32, 1 << 30);
  ASSERT_OK(none);
  EXPECT_EQ(none->stages, 0);
}

}  // namespace
}  // namespace rwn
