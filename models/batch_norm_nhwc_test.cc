#include "models/batch_norm_nhwc.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/batch_norm.h"

namespace rwn {
namespace {

const auto kChannelsLast = at::MemoryFormat::ChannelsLast;

// What one training step sees from batch norm (plus a shortcut, and ReLU):
// the output, the gradients of x, weight, bias and the shortcut under a
// random upstream gradient, and the running statistics after it.
struct Result {
  torch::Tensor out, grad_x, grad_weight, grad_bias, grad_shortcut, running_mean, running_var;
};

// `shortcut`: undefined for none.
Result Step(const torch::Tensor& input, const torch::Tensor& upstream, bool relu, bool rwn,
            const torch::Tensor& shortcut = {}) {
  torch::manual_seed(4);
  const int64_t channels = input.size(1);
  torch::Tensor x = input.detach().clone().requires_grad_();
  torch::Tensor weight = (torch::rand({channels}) + 0.5).requires_grad_();
  torch::Tensor bias = (torch::rand({channels}) - 0.5).requires_grad_();
  torch::Tensor running_mean = torch::rand({channels}), running_var = torch::rand({channels}) + 1;
  torch::Tensor r;
  if (shortcut.defined()) r = shortcut.detach().clone().requires_grad_();
  torch::Tensor out;
  if (rwn) {
    out = TrainingBatchNormNhwc(x, weight, bias, running_mean, running_var, 0.1, 1e-5, relu, r);
  } else {
    out = torch::batch_norm(x, weight, bias, running_mean, running_var, true, 0.1, 1e-5, false);
    if (r.defined()) out = out + r;
    if (relu) out = torch::relu(out);
  }
  (out * upstream).sum().backward();
  return {out.detach(), x.grad(),   weight.grad(), bias.grad(), r.defined() ? r.grad() : r,
          running_mean, running_var};
}

void ExpectClose(const torch::Tensor& got, const torch::Tensor& want, const std::string& what) {
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-4))
      << what << ": largest difference " << (got - want).abs().max().item<float>();
}

void ExpectSameStep(const std::vector<int64_t>& shape, bool relu, bool shortcut = false) {
  const torch::Tensor x = (torch::randn(shape) * 2 + 1).contiguous(kChannelsLast);
  const torch::Tensor upstream = torch::randn(shape);
  const torch::Tensor r =
      shortcut ? torch::randn(shape).contiguous(kChannelsLast) : torch::Tensor();
  const Result want = Step(x, upstream, relu, /*rwn=*/false, r);
  const Result got = Step(x, upstream, relu, /*rwn=*/true, r);
  const std::string what =
      c10::str(shape, shortcut ? " plus a shortcut" : "", relu ? " with ReLU" : "");
  ASSERT_EQ(got.grad_shortcut.defined(), shortcut) << what;
  if (shortcut) ExpectClose(got.grad_shortcut, want.grad_shortcut, what + ", shortcut gradient");
  EXPECT_TRUE(got.out.is_contiguous(kChannelsLast)) << what;
  EXPECT_TRUE(got.grad_x.is_contiguous(kChannelsLast)) << what;
  ExpectClose(got.out, want.out, what + ", output");
  ExpectClose(got.grad_x, want.grad_x, what + ", x gradient");
  ExpectClose(got.grad_weight, want.grad_weight, what + ", weight gradient");
  ExpectClose(got.grad_bias, want.grad_bias, what + ", bias gradient");
  ExpectClose(got.running_mean, want.running_mean, what + ", running mean");
  ExpectClose(got.running_var, want.running_var, what + ", running variance");
}

// Output, gradients and running statistics are libtorch's batch norm (plus
// a residual block's shortcut, and ReLU), for ResNet, WRN and DenseNet
// shapes, channel counts that are no multiple of a vector, and a one-pixel
// map.
TEST(BatchNormNhwcTest, ATrainingStepIsLibtorchs) {
  torch::manual_seed(1);
  for (bool shortcut : {false, true}) {
    for (bool relu : {false, true}) {
      for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{
               {16, 16, 32, 32}, {8, 64, 8, 8}, {4, 84, 16, 16}, {5, 3, 7, 9}, {6, 13, 1, 1}}) {
        ExpectSameStep(shape, relu, shortcut);
      }
    }
  }
}

// Each thread sums its own rows; the sums add up to the whole batch's.
TEST(BatchNormNhwcTest, ThreadsAddUpToTheWholeBatch) {
  torch::manual_seed(2);
  at::set_num_threads(2);
  ExpectSameStep({8, 24, 16, 16}, /*relu=*/true);
  ExpectSameStep({8, 24, 16, 16}, /*relu=*/true, /*shortcut=*/true);
  at::set_num_threads(1);
}

// The statistics are summed about the first pixel, so the variance keeps its
// digits where E[x^2] - E[x]^2 in float would not.
TEST(BatchNormNhwcTest, TheVarianceIsAccurateFarFromZero) {
  const torch::Tensor x = (torch::randn({32, 4, 16, 16}) * 0.01 + 1000).contiguous(kChannelsLast);
  const auto [mean, var] = ChannelsLastStatistics(x);
  const torch::Tensor exact = x.to(torch::kDouble).var({0, 2, 3}, /*unbiased=*/false);
  const torch::Tensor exact_mean = x.to(torch::kDouble).mean({0, 2, 3});
  EXPECT_LT(((var.to(torch::kDouble) - exact) / exact).abs().max().item<double>(), 1e-3);
  EXPECT_LT((mean.to(torch::kDouble) - exact_mean).abs().max().item<double>(), 1e-4);
}

TEST(BatchNormNhwcTest, AppliesToChannelsLastFloatOnTheCpuOnly) {
  const torch::Tensor x = torch::randn({2, 8, 4, 4}).contiguous(kChannelsLast);
  EXPECT_TRUE(TrainingBatchNormNhwcApplies(x));
  EXPECT_FALSE(TrainingBatchNormNhwcApplies(x.contiguous()));
  EXPECT_FALSE(TrainingBatchNormNhwcApplies(x.to(torch::kDouble)));
  // One value per channel: libtorch's own batch norm names that error.
  EXPECT_FALSE(TrainingBatchNormNhwcApplies(torch::randn({1, 8, 1, 1})));
}

// The module: ForwardRelu in training is relu(BatchNorm2d) in value, input
// gradient and running statistics, with and without affine parameters; in
// evaluation mode it is libtorch's own.
TEST(BatchNormNhwcTest, TheModuleForwardReluIsReluOfBatchNorm2d) {
  for (bool affine : {true, false}) {
    torch::manual_seed(5);
    const auto options = torch::nn::BatchNormOptions(12).affine(affine);
    torch::nn::BatchNorm2d reference(options);
    BatchNorm fast(options);
    const torch::Tensor input = torch::randn({4, 12, 6, 6}).contiguous(kChannelsLast);
    const torch::Tensor upstream = torch::randn({4, 12, 6, 6});
    torch::Tensor x1 = input.clone().requires_grad_(), x2 = input.clone().requires_grad_();
    const torch::Tensor want = torch::relu(reference->forward(x1));
    const torch::Tensor got = fast->ForwardRelu(x2);
    (want * upstream).sum().backward();
    (got * upstream).sum().backward();
    ExpectClose(got, want, "output");
    ExpectClose(x2.grad(), x1.grad(), "x gradient");
    ExpectClose(fast->running_var, reference->running_var, "running variance");
    EXPECT_EQ(fast->num_batches_tracked.item<int64_t>(), 1);
    // Evaluation reads the running statistics, which agree only within
    // rounding: the same ones on both sides.
    torch::NoGradGuard no_grad;
    fast->running_mean.copy_(reference->running_mean);
    fast->running_var.copy_(reference->running_var);
    fast->eval();
    reference->eval();
    EXPECT_TRUE(torch::equal(fast->ForwardRelu(input), torch::relu(reference->forward(input))));
  }
}

// ForwardAddRelu is relu(BatchNorm2d(x) + shortcut) in value and in the
// gradients of x and the shortcut, in channels-last (rwn's kernel) and NCHW
// (libtorch's), in evaluation mode, and where only the shortcut needs a
// gradient (a batch norm no gradient flows through).
TEST(BatchNormNhwcTest, TheModuleForwardAddReluIsReluOfBatchNorm2dPlusTheShortcut) {
  for (bool channels_last : {true, false}) {
    for (bool x_needs_grad : {true, false}) {
      const std::string what = c10::str(channels_last ? "channels-last" : "NCHW",
                                        x_needs_grad ? "" : ", x needs no gradient");
      torch::manual_seed(6);
      const auto options = torch::nn::BatchNormOptions(12);
      torch::nn::BatchNorm2d reference(options);
      BatchNorm fast(options);
      if (!x_needs_grad) {
        for (auto* bn : std::vector<torch::nn::Module*>{reference.get(), fast.get()}) {
          for (auto& p : bn->parameters()) p.requires_grad_(false);
        }
      }
      const auto format = channels_last ? kChannelsLast : at::MemoryFormat::Contiguous;
      const torch::Tensor input = torch::randn({4, 12, 6, 6}).contiguous(format);
      const torch::Tensor shortcut = torch::randn({4, 12, 6, 6}).contiguous(format);
      const torch::Tensor upstream = torch::randn({4, 12, 6, 6});
      torch::Tensor x1 = input.clone().requires_grad_(x_needs_grad);
      torch::Tensor x2 = input.clone().requires_grad_(x_needs_grad);
      torch::Tensor r1 = shortcut.clone().requires_grad_(), r2 = shortcut.clone().requires_grad_();
      const torch::Tensor want = torch::relu(reference->forward(x1) + r1);
      const torch::Tensor got = fast->ForwardAddRelu(x2, r2);
      (want * upstream).sum().backward();
      (got * upstream).sum().backward();
      ExpectClose(got, want, what + ": output");
      ExpectClose(r2.grad(), r1.grad(), what + ": shortcut gradient");
      if (x_needs_grad) ExpectClose(x2.grad(), x1.grad(), what + ": x gradient");
      ExpectClose(fast->running_var, reference->running_var, what + ": running variance");
      torch::NoGradGuard no_grad;
      fast->running_mean.copy_(reference->running_mean);
      fast->running_var.copy_(reference->running_var);
      fast->eval();
      reference->eval();
      EXPECT_TRUE(torch::equal(fast->ForwardAddRelu(input, shortcut),
                               torch::relu(reference->forward(input) + shortcut)))
          << what;
    }
  }
}

}  // namespace
}  // namespace rwn
