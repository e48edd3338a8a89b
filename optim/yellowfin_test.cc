#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "optim/testing.h"

namespace rwn {
namespace {

// f(w) = 1/2 sum_i lambda_i w_i^2 with curvatures from 0.01 to 10
// (condition number 1000), from w = 1; returns f after `steps` steps.
double MinimizeQuadratic(const OptimizerSpec& spec, int steps) {
  torch::Tensor lambda = torch::logspace(-2, 1, 50, 10, torch::kFloat64);
  torch::Tensor w = torch::ones({50}, torch::kFloat64).requires_grad_();
  auto optimizer = MakeOptimizer(spec, {{"w", w, {}}});
  for (int step = 0; step < steps; ++step) {
    w.mutable_grad() = lambda * w.detach();
    optimizer->Step(optimizer->base_lr());
  }
  return (0.5 * lambda * w.detach().square()).sum().item<double>();
}

TEST(YellowFinTest, ReducesABadlyConditionedQuadratic) {
  const double start = (0.5 * torch::logspace(-2, 1, 50, 10, torch::kFloat64)).sum().item<double>();
  OptimizerSpec yellowfin;
  yellowfin.mutable_yellowfin();  // the paper's defaults: lr 0.1, beta 0.999, window 20
  OptimizerSpec sgd;
  sgd.mutable_sgd()->set_lr(0.1);
  sgd.mutable_sgd()->set_momentum(0);
  sgd.mutable_sgd()->set_weight_decay(0);
  const double tuned = MinimizeQuadratic(yellowfin, 2000);
  const double plain = MinimizeQuadratic(sgd, 2000);
  EXPECT_LT(tuned, 1e-3 * start);
  // Tuning momentum beats plain SGD at YellowFin's starting rate.
  EXPECT_LT(tuned, 0.5 * plain);
}

TEST(YellowFinTest, MaskedEntriesNeverMove) {
  torch::manual_seed(3);
  torch::Tensor init = torch::randn({6, 4});
  torch::Tensor w = init.clone().requires_grad_();
  torch::Tensor mask = torch::zeros({6, 4}, torch::kBool);
  mask.narrow(0, 1, 2).fill_(true);
  OptimizerSpec spec;
  spec.mutable_yellowfin()->set_weight_decay(0.1);
  auto optimizer = MakeOptimizer(spec, {{"w", w, mask}});
  for (int step = 0; step < 5; ++step) {
    w.mutable_grad() = torch::randn({6, 4});
    optimizer->Step(0.1);
  }
  EXPECT_TRUE(torch::equal(w.masked_select(~mask), init.masked_select(~mask)));
  EXPECT_FALSE(torch::equal(w.masked_select(mask), init.masked_select(mask)));
}

TEST(YellowFinTest, TheScheduleScalesTheTunedRate) {
  std::vector<torch::Tensor> moves;
  for (double factor : {1.0, 0.1}) {
    torch::Tensor w = torch::ones({4}, torch::kFloat64).requires_grad_();
    OptimizerSpec spec;
    spec.mutable_yellowfin();
    auto optimizer = MakeOptimizer(spec, {{"w", w, {}}});
    w.mutable_grad() = torch::tensor({1.0, -2.0, 3.0, 0.5}, torch::kFloat64);
    optimizer->Step(optimizer->base_lr() * factor);
    moves.push_back((w - 1).detach());
  }
  EXPECT_TRUE(torch::allclose(moves[1], 0.1 * moves[0], 1e-12, 0));
  EXPECT_GT(moves[0].abs().max().item<double>(), 0);
}

TEST(YellowFinTest, BadOptionsAreNamed) {
  OptimizerSpec spec;
  spec.mutable_yellowfin()->set_beta(1);
  EXPECT_EQ(OptimizerRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "yellowfin: beta = 1; allowed: 0 < beta < 1");
  spec.mutable_yellowfin()->set_beta(0.99);
  spec.mutable_yellowfin()->set_curvature_window(0);
  EXPECT_EQ(OptimizerRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "yellowfin: curvature_window = 0; allowed: >= 1");
}

}  // namespace
}  // namespace rwn
