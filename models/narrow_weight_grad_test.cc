#include "models/narrow_weight_grad.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tuple>

#include "models/conv.h"

namespace rwn {
namespace {

const auto kChannelsLast = at::MemoryFormat::ChannelsLast;

// libtorch's weight gradient of the same conv.
torch::Tensor Reference(const torch::Tensor& grad, const torch::Tensor& x, int64_t kernel,
                        int64_t stride, int64_t padding) {
  const torch::Tensor weight = torch::zeros({grad.size(1), x.size(1), kernel, kernel});
  return std::get<1>(at::convolution_backward(grad, x, weight, c10::nullopt, {stride, stride},
                                              {padding, padding}, {1, 1}, false, {0, 0}, 1,
                                              {false, true, false}));
}

void ExpectMatches(int64_t channels, int64_t filters, int64_t kernel, int64_t stride,
                   int64_t padding) {
  const torch::Tensor x = torch::randn({3, channels, 7, 9}).contiguous(kChannelsLast);
  const int64_t out_h = (7 + 2 * padding - kernel) / stride + 1;
  const int64_t out_w = (9 + 2 * padding - kernel) / stride + 1;
  const torch::Tensor grad = torch::randn({3, filters, out_h, out_w}).contiguous(kChannelsLast);
  const torch::Tensor want = Reference(grad, x, kernel, stride, padding);
  const torch::Tensor got = NarrowWeightGradient(grad, x, kernel, stride, padding);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_TRUE(got.is_contiguous(kChannelsLast));
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4))
      << channels << " channels, " << filters << " filters, kernel " << kernel << ", stride "
      << stride << ", padding " << padding << ": largest difference "
      << (got - want).abs().max().item<float>();
}

// Every path of the kernel: channel counts below, at and past multiples of
// 8 (its vectors), of 16 and 32 (the widest blocks of the 3x3 path, for
// filter pairs and single filters) and of 48 (of the other kernels' path),
// one to five filters (pairs and a single one), strides, paddings and
// kernels.
TEST(NarrowWeightGradientTest, ComputesWhatLibtorchComputes) {
  torch::manual_seed(1);
  for (int64_t channels : {1, 5, 8, 12, 16, 24, 32, 36, 40, 48, 50, 64}) {
    for (int64_t filters : {1, 2, 3, 5}) {
      ExpectMatches(channels, filters, 3, 1, 1);
    }
  }
  for (int64_t channels : {12, 32}) {
    for (int64_t kernel : {1, 3, 5}) {
      for (int64_t stride : {1, 2}) {
        for (int64_t padding : {0, 1, 2}) ExpectMatches(channels, 3, kernel, stride, padding);
      }
    }
  }
}

// A learned conv's filters are a run of its gradient's channels: read in
// place, without a copy, they give what their dense copy gives.
TEST(NarrowWeightGradientTest, ReadsARunOfAWiderGradientsFilters) {
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({3, 16, 7, 9}).contiguous(kChannelsLast);
  const torch::Tensor wide = torch::randn({3, 12, 7, 9}).contiguous(kChannelsLast);
  for (int64_t stride : {1, 2}) {
    const torch::Tensor grad =
        stride == 1 ? wide : wide.narrow(2, 0, 4).narrow(3, 0, 5).contiguous(kChannelsLast);
    const torch::Tensor run = grad.narrow(1, 5, 3);
    ASSERT_FALSE(run.is_contiguous(kChannelsLast));
    const torch::Tensor want = Reference(run.contiguous(kChannelsLast), x, 3, stride, 1);
    EXPECT_TRUE(torch::allclose(NarrowWeightGradient(run, x, 3, stride, 1), want, 1e-4, 1e-4))
        << "stride " << stride;
  }
}

// Each thread sums its images into its own buffer; the buffers add up to the
// whole batch's gradient.
TEST(NarrowWeightGradientTest, ThreadsAddUpToTheWholeBatch) {
  torch::manual_seed(2);
  at::set_num_threads(2);
  const torch::Tensor x = torch::randn({5, 16, 8, 8}).contiguous(kChannelsLast);
  const torch::Tensor grad = torch::randn({5, 2, 8, 8}).contiguous(kChannelsLast);
  const torch::Tensor want = Reference(grad, x, 3, 1, 1);
  const torch::Tensor got = NarrowWeightGradient(grad, x, 3, 1, 1);
  at::set_num_threads(1);
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4));
}

TEST(NarrowWeightGradientTest, PreferredWhereItWasMeasuredFaster) {
  const torch::Tensor x = torch::randn({2, 16, 8, 8}).contiguous(kChannelsLast);
  EXPECT_TRUE(PreferNarrowWeightGradient(x, 1, 3));
  EXPECT_TRUE(PreferNarrowWeightGradient(x, kNarrowFilters, 3));
  EXPECT_FALSE(PreferNarrowWeightGradient(x, kNarrowFilters + 1, 3));
  EXPECT_FALSE(PreferNarrowWeightGradient(x, 1, 1));  // oneDNN's 1x1 is faster
  // and so is its kernel for an input of fewer channels than a vector (an image)
  EXPECT_FALSE(
      PreferNarrowWeightGradient(torch::randn({2, 3, 8, 8}).contiguous(kChannelsLast), 1, 3));
  EXPECT_FALSE(PreferNarrowWeightGradient(x.contiguous(), 1, 3));
  EXPECT_FALSE(PreferNarrowWeightGradient(x.to(torch::kDouble), 1, 3));
}

// A channels-last conv learning one of its filters: the learned filter's
// gradient and the input gradient are those of the plain conv.
TEST(NarrowWeightGradientTest, ASplitConvGetsThePlainConvsGradients) {
  torch::manual_seed(3);
  Conv conv(ConvOptions{16, 12, 3, 1, 1, /*bias=*/true});
  torch::nn::init::normal_(conv->weight);
  const torch::Tensor weight = conv->weight.detach().clone().requires_grad_();
  const torch::Tensor bias = conv->bias.detach().clone().requires_grad_();
  conv->Split(0, 4, 5, /*zero_fixed=*/false, /*learn_bias=*/true);
  conv->UseChannelsLast();
  const torch::Tensor x = torch::randn({4, 16, 6, 6}).contiguous(kChannelsLast).requires_grad_();
  const torch::Tensor x_plain = x.detach().clone().requires_grad_();
  const torch::Tensor mix = torch::randn({4, 12, 6, 6});
  (conv->forward(x) * mix).sum().backward();
  (torch::conv2d(x_plain, weight, bias, 1, 1) * mix).sum().backward();
  const auto learned = conv->named_parameters();
  EXPECT_TRUE(
      torch::allclose(learned["weight_learned"].grad(), weight.grad().narrow(0, 4, 1), 1e-4, 1e-4));
  EXPECT_TRUE(
      torch::allclose(learned["bias_learned"].grad(), bias.grad().narrow(0, 4, 1), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(x.grad(), x_plain.grad(), 1e-4, 1e-4));
}

}  // namespace
}  // namespace rwn
