#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/testing.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"

namespace rwn {
namespace {

std::unique_ptr<Optimizer> MakeSgd(const SgdSpec& sgd, std::vector<LearnedTensor> params) {
  OptimizerSpec spec;
  *spec.mutable_sgd() = sgd;
  auto made = OptimizerRegistry::Global().CreateFromOneof(spec, OptimizerContext{params});
  EXPECT_OK(made);
  return std::move(*made);
}

SgdSpec Spec(bool nesterov) {
  SgdSpec spec;
  spec.set_lr(0.05);
  spec.set_momentum(0.9);
  spec.set_weight_decay(5e-4);
  spec.set_nesterov(nesterov);
  return spec;
}

// Gradient of step s, the same for every run.
torch::Tensor Gradient(int step) {
  torch::manual_seed(100 + step);
  return torch::randn({4, 3});
}

TEST(SgdTest, MatchesTorchOptimSgd) {
  for (bool nesterov : {false, true}) {
    torch::manual_seed(1);
    torch::Tensor ours = torch::randn({4, 3}).requires_grad_();
    torch::Tensor theirs = ours.detach().clone().requires_grad_();
    auto sgd = MakeSgd(Spec(nesterov), {{"w", ours, {}}});
    torch::optim::SGD reference(
        {theirs},
        torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(5e-4).nesterov(nesterov));
    for (int step = 0; step < 3; ++step) {
      ours.mutable_grad() = Gradient(step);
      theirs.mutable_grad() = Gradient(step);
      sgd->Step(0.05);
      reference.step();
    }
    EXPECT_TRUE(torch::allclose(ours, theirs, /*rtol=*/0, /*atol=*/1e-7)) << nesterov;
  }
}

TEST(SgdTest, MaskedEntriesNeverMoveAndLearnedOnesFollowTheUnmaskedRun) {
  torch::manual_seed(2);
  torch::Tensor init = torch::randn({4, 3});
  torch::Tensor masked = init.clone().requires_grad_();
  torch::Tensor full = init.clone().requires_grad_();
  torch::Tensor mask = torch::zeros({4, 3}, torch::kBool);
  mask.narrow(0, 0, 1).fill_(true);  // row 0 learned
  auto sgd_masked = MakeSgd(Spec(false), {{"w", masked, mask}});
  auto sgd_full = MakeSgd(Spec(false), {{"w", full, {}}});
  for (int step = 0; step < 3; ++step) {
    masked.mutable_grad() = Gradient(step);
    full.mutable_grad() = Gradient(step);
    sgd_masked->Step(0.05);
    sgd_full->Step(0.05);
  }
  // Weight decay and momentum would move rows 1..3: they must not.
  EXPECT_TRUE(torch::equal(masked.narrow(0, 1, 3), init.narrow(0, 1, 3)));
  EXPECT_TRUE(torch::equal(masked.narrow(0, 0, 1), full.narrow(0, 0, 1)));
  EXPECT_FALSE(torch::equal(masked.narrow(0, 0, 1), init.narrow(0, 0, 1)));
}

TEST(SgdTest, NonFiniteGradientsOutsideTheMaskStayOutside) {
  torch::Tensor w = torch::ones({2}).requires_grad_();
  torch::Tensor mask = torch::tensor({true, false});
  auto sgd = MakeSgd(Spec(false), {{"w", w, mask}});
  w.mutable_grad() = torch::tensor({1.0f, std::nanf("")});
  sgd->Step(0.1);
  EXPECT_EQ(w[1].item<float>(), 1.0f);
  EXPECT_NEAR(w[0].item<float>(), 1.0f - 0.1f * (1.0f + 5e-4f), 1e-7);
}

TEST(SgdTest, ZeroGradDropsGradients) {
  torch::Tensor w = torch::ones({2}).requires_grad_();
  auto sgd = MakeSgd(Spec(false), {{"w", w, {}}});
  w.mutable_grad() = torch::ones({2});
  sgd->ZeroGrad();
  EXPECT_FALSE(w.grad().defined());
  // Without a gradient the gradient is zero: only weight decay acts.
  sgd->Step(0.1);
  EXPECT_TRUE(torch::allclose(w, torch::full({2}, 1 - 0.1 * 5e-4), 0, 1e-7));
}

TEST(SgdTest, BadOptionsAreNamed) {
  OptimizerSpec spec;
  spec.mutable_sgd()->set_lr(-1);
  EXPECT_EQ(OptimizerRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "sgd: lr = -1; allowed: > 0");
  spec.mutable_sgd()->set_lr(0.1);
  spec.mutable_sgd()->set_momentum(1.5);
  EXPECT_EQ(OptimizerRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "sgd: momentum = 1.5; allowed: 0 <= momentum < 1");
}

}  // namespace
}  // namespace rwn
