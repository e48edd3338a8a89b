// The optimizer contract, over every example every optimizer registers
// (RWN_REGISTER_PLUGIN): a fresh optimizer that loads the state of one that
// took some steps continues exactly as the original does; a state that does
// not fit is refused; masked entries never move.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/testing.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"
#include "optim/testing.h"

namespace rwn {
namespace {

struct Params {
  torch::Tensor a, b, mask;
  std::vector<LearnedTensor> learned() const { return {{"a", a, {}}, {"b", b, mask}}; }
};

Params MakeParams() {
  torch::manual_seed(5);
  Params p{torch::randn({3, 4}).requires_grad_(), torch::randn({5}).requires_grad_(),
           torch::tensor({true, false, true, true, false})};
  return p;
}

void Steps(Optimizer& optimizer, const Params& p, int from, int to) {
  for (int step = from; step < to; ++step) {
    torch::manual_seed(100 + step);
    p.a.mutable_grad() = torch::randn({3, 4});
    p.b.mutable_grad() = torch::randn({5});
    optimizer.Step(0.05);
  }
}

OptimizerSpec SpecOf(const std::string& label) {
  return ParseTextProtoOrDie<OptimizerSpec>(OptimizerRegistry::Global().ExampleSpecs().at(label));
}

std::vector<std::string> ExampleLabels() {
  std::vector<std::string> labels;
  for (const auto& [label, text] : OptimizerRegistry::Global().ExampleSpecs()) {
    labels.push_back(label);
  }
  return labels;
}

TEST(OptimizerContractTest, EveryOptimizerRegistersAnExample) {
  for (const std::string& name : OptimizerRegistry::Global().Names()) {
    EXPECT_FALSE(OptimizerRegistry::Global().Examples(name).empty())
        << name << " registers no example spec; give RWN_REGISTER_PLUGIN at least one";
  }
}

class StateTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StateTest, MaskedEntriesNeverMove) {
  Params p = MakeParams();
  const torch::Tensor before = p.b.detach().clone();
  auto optimizer = MakeOptimizer(SpecOf(GetParam()), p.learned());
  Steps(*optimizer, p, 0, 3);
  const torch::Tensor fixed = p.mask.logical_not();
  EXPECT_TRUE(torch::equal(p.b.detach().masked_select(fixed), before.masked_select(fixed)));
  EXPECT_FALSE(torch::equal(p.b.detach().masked_select(p.mask), before.masked_select(p.mask)));
}

TEST_P(StateTest, ALoadedStateContinuesExactly) {
  const OptimizerSpec spec = SpecOf(GetParam());
  Params original = MakeParams();
  auto first = MakeOptimizer(spec, original.learned());
  Steps(*first, original, 0, 3);

  Params copy = MakeParams();
  {
    torch::NoGradGuard no_grad;
    copy.a.copy_(original.a);
    copy.b.copy_(original.b);
  }
  auto second = MakeOptimizer(spec, copy.learned());
  std::vector<StateTensor> state = first->State();
  ASSERT_FALSE(state.empty());
  for (const StateTensor& entry : state) {
    if (entry.param >= 0) {
      EXPECT_EQ(entry.tensor.sizes(), original.learned()[entry.param].tensor.sizes()) << entry.name;
    }
  }
  ASSERT_OK(second->LoadState(state));
  Steps(*first, original, 3, 6);
  Steps(*second, copy, 3, 6);
  EXPECT_TRUE(torch::equal(original.a, copy.a));
  EXPECT_TRUE(torch::equal(original.b, copy.b));
}

TEST_P(StateTest, AMismatchedStateIsRefused) {
  const OptimizerSpec spec = SpecOf(GetParam());
  Params p = MakeParams();
  auto optimizer = MakeOptimizer(spec, p.learned());
  Steps(*optimizer, p, 0, 1);
  std::vector<StateTensor> state = optimizer->State();
  state.back().tensor = torch::zeros({7});
  absl::Status status = optimizer->LoadState(state);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("has shape [7]"));
  state = {{"no such state", torch::zeros({1})}};
  EXPECT_THAT(std::string(optimizer->LoadState(state).message()),
              ::testing::HasSubstr("'no such state' does not belong"));
}

INSTANTIATE_TEST_SUITE_P(EveryExample, StateTest, ::testing::ValuesIn(ExampleLabels()));

}  // namespace
}  // namespace rwn
