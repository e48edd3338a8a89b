#include "models/batch_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>
#include <string>
#include <vector>

namespace rwn {
namespace {

// A reference torch::nn::BatchNorm2d and rwn's BatchNorm with the same
// affine parameters and running statistics.
struct Pair {
  torch::nn::BatchNorm2d reference;
  BatchNorm fast;
};

Pair MakePair(const torch::nn::BatchNormOptions& options) {
  Pair pair{torch::nn::BatchNorm2d(options), BatchNorm(options)};
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  if (options.affine()) {
    pair.reference->weight.uniform_(0.5, 1.5);
    pair.reference->bias.uniform_(-0.5, 0.5);
    pair.fast->weight.copy_(pair.reference->weight);
    pair.fast->bias.copy_(pair.reference->bias);
  }
  return pair;
}

void ExpectSameState(const Pair& pair, const std::string& what) {
  EXPECT_TRUE(torch::allclose(pair.fast->running_mean, pair.reference->running_mean, 1e-5, 1e-6))
      << what << "\n"
      << pair.fast->running_mean << pair.reference->running_mean;
  EXPECT_TRUE(torch::allclose(pair.fast->running_var, pair.reference->running_var, 1e-5, 1e-6))
      << what;
  EXPECT_EQ(pair.fast->num_batches_tracked.item<int64_t>(),
            pair.reference->num_batches_tracked.item<int64_t>())
      << what;
}

// Training without gradients: the same outputs and running statistics as
// libtorch's batch norm, batch after batch, for ResNet, WRN and DenseNet
// shapes and a one-pixel map.
TEST(BatchNormTest, WithoutGradientsItComputesWhatBatchNorm2dComputes) {
  const std::vector<std::vector<int64_t>> shapes = {
      {16, 16, 32, 32}, {8, 64, 8, 8}, {5, 3, 7, 9}, {6, 4, 1, 1}};
  for (const auto& shape : shapes) {
    Pair pair = MakePair(torch::nn::BatchNormOptions(shape[1]));
    torch::NoGradGuard no_grad;
    for (int batch = 0; batch < 3; ++batch) {
      const torch::Tensor x = torch::randn(shape) * (batch + 1) + batch;
      const torch::Tensor want = pair.reference->forward(x);
      const torch::Tensor got = pair.fast->forward(x);
      EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-5))
          << shape << " batch " << batch << ": largest difference "
          << (got - want).abs().max().item<float>();
      ExpectSameState(pair, "after a batch");
    }
  }
}

// Parameters that need no gradient under grad mode (a fixed batch norm in a
// network learning fc only) take the same path, and no graph is recorded.
TEST(BatchNormTest, FixedParametersInGradModeTakeTheFastPathToo) {
  Pair pair = MakePair(torch::nn::BatchNormOptions(8));
  pair.reference->weight.set_requires_grad(false);
  pair.reference->bias.set_requires_grad(false);
  pair.fast->weight.set_requires_grad(false);
  pair.fast->bias.set_requires_grad(false);
  const torch::Tensor x = torch::randn({4, 8, 6, 6});
  const torch::Tensor got = pair.fast->forward(x);
  EXPECT_FALSE(got.requires_grad());
  EXPECT_TRUE(torch::allclose(got, pair.reference->forward(x), 1e-4, 1e-5));
  ExpectSameState(pair, "fixed parameters");
}

// A cumulative average (momentum unset), as the frozen prefix calibrates its
// statistics, and no affine parameters.
TEST(BatchNormTest, ACumulativeAverageAndNoAffineMatchToo) {
  Pair pair = MakePair(torch::nn::BatchNormOptions(5).momentum(c10::nullopt).affine(false));
  torch::NoGradGuard no_grad;
  for (int batch = 0; batch < 4; ++batch) {
    const torch::Tensor x = torch::rand({3, 5, 4, 4}) * 10;
    EXPECT_TRUE(torch::allclose(pair.fast->forward(x), pair.reference->forward(x), 1e-4, 1e-5));
  }
  ExpectSameState(pair, "cumulative");
}

// Values far from zero: the statistics are computed about each row's mean,
// so the variance keeps its digits where E[x^2] - E[x]^2 in float would not.
TEST(BatchNormTest, TheVarianceIsAccurateFarFromZero) {
  const torch::Tensor x = torch::randn({32, 4, 16, 16}) * 0.01 + 1000;
  const auto [mean, var] = BatchStatistics(x);
  const torch::Tensor exact = x.to(torch::kDouble).var({0, 2, 3}, /*unbiased=*/false);
  const torch::Tensor exact_mean = x.to(torch::kDouble).mean({0, 2, 3});
  EXPECT_LT(((var.to(torch::kDouble) - exact) / exact).abs().max().item<double>(), 1e-3);
  EXPECT_LT((mean.to(torch::kDouble) - exact_mean).abs().max().item<double>(), 1e-4);
}

// Whenever a gradient is needed of an NCHW input, or in evaluation mode,
// libtorch's own batch norm runs and gives exactly what BatchNorm2d gives.
// (Channels-last training is models/batch_norm_nhwc.h.)
TEST(BatchNormTest, OtherCasesAreLibtorchsOwn) {
  Pair pair = MakePair(torch::nn::BatchNormOptions(6));
  const torch::Tensor x = torch::randn({4, 6, 5, 5}, torch::requires_grad());
  pair.reference->forward(x).pow(2).sum().backward();
  const torch::Tensor want_x = x.grad().clone();
  x.mutable_grad().reset();
  pair.fast->forward(x).pow(2).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), want_x));
  EXPECT_TRUE(torch::equal(pair.fast->weight.grad(), pair.reference->weight.grad()));

  torch::NoGradGuard no_grad;
  pair.fast->eval();
  pair.reference->eval();
  const torch::Tensor y = torch::randn({4, 6, 5, 5});
  EXPECT_TRUE(torch::equal(pair.fast->forward(y), pair.reference->forward(y)));
}

// One value per channel in training is libtorch's error, word for word.
TEST(BatchNormTest, OneValuePerChannelIsLibtorchsError) {
  Pair pair = MakePair(torch::nn::BatchNormOptions(3));
  torch::NoGradGuard no_grad;
  const torch::Tensor one = torch::randn({1, 3, 1, 1});
  std::string want, got;
  try {
    pair.reference->forward(one);
  } catch (const c10::Error& e) {
    want = e.what_without_backtrace();
  }
  try {
    pair.fast->forward(one);
  } catch (const c10::Error& e) {
    got = e.what_without_backtrace();
  }
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(got, want);
}

// VisitBatchNorm finds rwn's BatchNorm and a plugin's own BatchNorm2d, and
// nothing else.
TEST(BatchNormTest, VisitFindsBothKindsOfBatchNorm) {
  torch::nn::Sequential net(torch::nn::Conv2d(3, 4, 3), BatchNorm(4), torch::nn::BatchNorm2d(5));
  std::vector<int64_t> features;
  for (const auto& module : net->modules(false)) {
    VisitBatchNorm(*module, [&](auto& bn) { features.push_back(bn.options.num_features()); });
  }
  EXPECT_EQ(features, (std::vector<int64_t>{4, 5}));
  std::ostringstream printed;
  net[1]->pretty_print(printed);
  EXPECT_EQ(printed.str(),
            "rwn::BatchNorm(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
}

}  // namespace
}  // namespace rwn
