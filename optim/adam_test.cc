#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "optim/testing.h"

namespace rwn {
namespace {

std::unique_ptr<Optimizer> MakeAdam(const AdamSpec& adam, std::vector<LearnedTensor> params) {
  OptimizerSpec spec;
  *spec.mutable_adam() = adam;
  return MakeOptimizer(spec, std::move(params));
}

torch::Tensor Gradient(int step) {
  torch::manual_seed(200 + step);
  return torch::randn({5, 3});
}

AdamSpec Spec(double lr) {
  AdamSpec spec;
  spec.set_lr(lr);
  spec.set_weight_decay(1e-2);
  return spec;
}

TEST(AdamTest, MatchesTorchOptimAdam) {
  torch::manual_seed(1);
  torch::Tensor ours = torch::randn({5, 3}).requires_grad_();
  torch::Tensor theirs = ours.detach().clone().requires_grad_();
  auto adam = MakeAdam(Spec(0.01), {{"w", ours, {}}});
  torch::optim::Adam reference({theirs}, torch::optim::AdamOptions(0.01).weight_decay(1e-2));
  for (int step = 0; step < 4; ++step) {
    ours.mutable_grad() = Gradient(step);
    theirs.mutable_grad() = Gradient(step);
    adam->Step(0.01);
    reference.step();
  }
  EXPECT_TRUE(torch::allclose(ours, theirs, /*rtol=*/0, /*atol=*/1e-6));
}

TEST(AdamTest, HonorsTheLearningRate) {
  std::vector<torch::Tensor> after;
  for (double lr : {0.001, 0.01}) {
    torch::Tensor w = torch::ones({5, 3}).requires_grad_();
    auto adam = MakeAdam(Spec(lr), {{"w", w, {}}});
    w.mutable_grad() = Gradient(0);
    adam->Step(adam->base_lr());
    after.push_back((w - 1).detach());
  }
  // Adam's first step moves each entry by about lr: ten times the lr, ten
  // times the step.
  EXPECT_TRUE(torch::allclose(after[1], 10 * after[0], 1e-4, 1e-7));
  EXPECT_NEAR(after[0].abs().max().item<double>(), 0.001, 1e-6);
}

TEST(AdamTest, MaskedEntriesNeverMove) {
  torch::manual_seed(2);
  torch::Tensor init = torch::randn({5, 3});
  torch::Tensor w = init.clone().requires_grad_();
  torch::Tensor mask = torch::zeros({5, 3}, torch::kBool);
  mask.narrow(0, 0, 2).fill_(true);
  auto adam = MakeAdam(Spec(0.01), {{"w", w, mask}});
  for (int step = 0; step < 3; ++step) {
    w.mutable_grad() = Gradient(step);
    adam->Step(0.01);
  }
  EXPECT_TRUE(torch::equal(w.narrow(0, 2, 3), init.narrow(0, 2, 3)));
  EXPECT_FALSE(torch::equal(w.narrow(0, 0, 2), init.narrow(0, 0, 2)));
}

TEST(AdamTest, BadOptionsAreNamed) {
  OptimizerSpec spec;
  spec.mutable_adam()->set_beta2(1.0);
  EXPECT_EQ(OptimizerRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "adam: beta2 = 1; allowed: 0 <= beta2 < 1");
  spec.mutable_adam()->set_beta2(0.999);
  spec.mutable_adam()->set_eps(0);
  EXPECT_EQ(OptimizerRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "adam: eps = 0; allowed: > 0");
}

}  // namespace
}  // namespace rwn
