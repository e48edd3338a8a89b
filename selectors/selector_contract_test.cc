// The contract of every selector on every model (docs/design.md, "Learn plans and the two conv
// paths"):
//  - after 3 SGD steps (momentum 0.9, weight decay 5e-4), every fixed entry
//    is bit-identical to its init, or zero with `fixed: ZERO` on conv layers,
//    and every learned entry that received gradient (or has a nonzero value
//    for weight decay to act on) changed;
//  - the fast (split conv) path and the dense masked path give the same
//    trajectory: learned weights within 1e-5 after 5 steps, fixed ones equal;
//  - so they do under bfloat16 autocast, in either memory layout: one step
//    of each gives the same fixed weights and learned ones within bfloat16's
//    rounding of the step;
//  - exporting a partial network gives a plain one with the same outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "core/testing.h"
#include "core/text_proto.h"
#include "models/testing.h"
#include "selectors/plan.h"
#include "selectors/testing.h"

namespace rwn {
namespace {

constexpr int64_t kSize = 16;

struct Case {
  std::string model;
  std::string selector;  // SampleSelectorSpecs() label
  bool zero;
};

std::string Name(const Case& c) { return c.model + "_" + c.selector + (c.zero ? "_zero" : ""); }

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const auto& [model, spec] : SmallModelSpecs()) {
    for (const auto& [selector, text] : SampleSelectorSpecs()) {
      for (bool zero : {false, true}) cases.push_back({model, selector, zero});
    }
  }
  return cases;
}

LearnSpec Learn(const Case& c, bool dense_mask) {
  LearnSpec learn;
  EXPECT_OK(
      ParseTextProto(absl::StrCat("selector { ", SampleSelectorSpecs().at(c.selector),
                                  " } also_learn_batchnorm: false also_learn_classifier: false"),
                     "learn", &learn));
  learn.set_fixed(c.zero ? LearnSpec::ZERO : LearnSpec::RANDOM);
  learn.set_dense_mask(dense_mask);
  return learn;
}

struct Prepared {
  std::shared_ptr<Network> network;
  LearnPlan plan;
  std::vector<LearnedTensor> learned;
  std::map<std::string, torch::Tensor> init;  // before the plan was applied
};

Prepared Prepare(const Case& c, bool dense_mask, bool float64 = false) {
  Prepared p;
  p.network = MakeSmallModel(c.model, ModelContext{3, kSize, kSize, 10, 21});
  if (float64) p.network->module->to(torch::kFloat64);
  for (const auto& [name, shape] : ParamShapes(*p.network)) {
    p.init[name] = CurrentValue(*p.network, name).detach().clone();
  }
  LearnSpec learn = Learn(c, dense_mask);
  auto plan = BuildPlan(&learn, *p.network, 5);
  EXPECT_OK(plan);
  p.plan = *plan;
  auto learned = ApplyPlan(p.plan, ApplyOptions{c.zero, dense_mask}, p.network.get());
  EXPECT_OK(learned);
  p.learned = *learned;
  return p;
}

bool IsConvParam(const Network& network, const std::string& name) {
  for (const Layer& layer : network.layers) {
    if (name == layer.weight || name == layer.bias) return layer.kind == LayerKind::kConv;
  }
  return false;
}

class SelectorContractTest : public ::testing::TestWithParam<Case> {};

TEST(SelectorContractCoverageTest, EverySelectorRegistersAnExampleThatParses) {
  for (const std::string& selector : SelectorRegistry::Global().Names()) {
    EXPECT_FALSE(SelectorRegistry::Global().Examples(selector).empty())
        << selector << " registers no example spec; give one after its factory in "
        << "RWN_REGISTER_PLUGIN";
  }
  for (const auto& [label, text] : SampleSelectorSpecs()) {
    SelectorSpec spec;
    EXPECT_OK(ParseTextProto(text, label, &spec)) << label << ": " << text;
  }
}

// The dimension a selector says it slices (the report's label) is the one
// its plans slice: "1 filters" slices dim 0, "2 inputs" dim 1, "3 rows" dim
// 2, "4 columns" dim 3; a selector whose plans mask entries names some
// dimension; whole-layer selectors say "".
TEST(SelectorContractCoverageTest, SlicedDimensionNamesTheDimensionThePlanSlices) {
  const auto network = MakeSmallModel("wide_resnet", ModelContext{3, kSize, kSize, 10, 1});
  for (const auto& [label, text] : SampleSelectorSpecs()) {
    SelectorSpec spec;
    ASSERT_OK(ParseTextProto(text, label, &spec));
    auto selector = SelectorRegistry::Global().CreateFromOneof(spec, SelectorContext{1});
    ASSERT_OK(selector);
    auto plan = (*selector)->Select(*network);
    ASSERT_OK(plan);
    std::set<std::string> sliced;
    bool masked = false;
    for (const auto& [name, tensor] : *plan) {
      if (tensor.kind == TensorPlan::kSlice) sliced.insert(std::to_string(tensor.dim + 1));
      masked = masked || tensor.kind == TensorPlan::kMask;
    }
    const std::string dimension = (*selector)->SlicedDimension();
    if (!sliced.empty()) {
      ASSERT_EQ(sliced.size(), 1u) << label;
      EXPECT_EQ(dimension.substr(0, dimension.find(' ')), *sliced.begin()) << label;
    } else if (masked) {
      EXPECT_NE(dimension, "") << label;
    } else {
      EXPECT_EQ(dimension, "") << label;
    }
  }
}

TEST_P(SelectorContractTest, FixedStaysAndLearnedMoves) {
  const Case c = GetParam();
  Prepared p = Prepare(c, /*dense_mask=*/false);

  // One step: an entry's change is lr * (g + wd * w), so an entry with no
  // gradient (but a value for decay to act on) must move, and so must one
  // whose gradient clearly exceeds the decay term. (Over several momentum
  // steps, gradients of either sign can cancel below float resolution.)
  std::vector<torch::Tensor> before;
  for (const LearnedTensor& t : p.learned) before.push_back(t.tensor.detach().clone());
  std::vector<torch::Tensor> grad;
  SgdSteps(*p.network, p.learned, 1, 3, kSize, &grad);
  int64_t checked = 0;
  for (size_t i = 0; i < p.learned.size(); ++i) {
    const LearnedTensor& t = p.learned[i];
    const torch::Tensor g = grad[i].defined() ? grad[i] : torch::zeros_like(before[i]);
    torch::Tensor should_move =
        g.eq(0)
            .logical_and(before[i].ne(0))
            .logical_or(g.ge(10 * 5e-4 * before[i].abs()).logical_and(g.gt(0)));
    if (t.mask.defined()) should_move = should_move.logical_and(t.mask);
    const torch::Tensor stuck = should_move.logical_and(t.tensor.detach().eq(before[i]));
    EXPECT_EQ(stuck.sum().item<int64_t>(), 0) << t.name << ": learned entries did not move";
    checked += should_move.sum().item<int64_t>();
    EXPECT_TRUE(t.tensor.requires_grad()) << t.name;
  }
  EXPECT_EQ(checked > 0, !p.learned.empty()) << "no learned entry was checked";

  // Three steps in all: every fixed entry is its init (or zero), bit for bit.
  SgdSteps(*p.network, p.learned, 2, 3, kSize);
  for (const auto& [name, shape] : ParamShapes(*p.network)) {
    const torch::Tensor now = CurrentValue(*p.network, name);
    const torch::Tensor fixed = LearnedMask(p.plan, name, shape).logical_not();
    torch::Tensor expected = p.init.at(name);
    if (c.zero && IsConvParam(*p.network, name)) expected = torch::zeros_like(expected);
    EXPECT_TRUE(torch::equal(now.masked_select(fixed), expected.masked_select(fixed)))
        << name << ": a fixed entry moved";
  }
  // Only learned tensors require gradients.
  int64_t requiring = 0;
  for (const auto& param : p.network->module->parameters()) requiring += param.requires_grad();
  EXPECT_EQ(requiring, static_cast<int64_t>(p.learned.size()));
}

TEST_P(SelectorContractTest, FastPathFollowsTheDenseMaskedPath) {
  const Case c = GetParam();
  // In float64, so that the two paths' different float rounding (a split conv
  // sums in another order) does not blur the comparison of their math.
  Prepared fast = Prepare(c, /*dense_mask=*/false, /*float64=*/true);
  Prepared dense = Prepare(c, /*dense_mask=*/true, /*float64=*/true);
  SgdSteps(*fast.network, fast.learned, 5, 3, kSize);
  SgdSteps(*dense.network, dense.learned, 5, 3, kSize);
  for (const auto& [name, shape] : ParamShapes(*fast.network)) {
    const torch::Tensor a = CurrentValue(*fast.network, name);
    const torch::Tensor b = CurrentValue(*dense.network, name);
    const torch::Tensor fixed = LearnedMask(fast.plan, name, shape).logical_not();
    EXPECT_TRUE(torch::equal(a.masked_select(fixed), b.masked_select(fixed))) << name;
    EXPECT_LE((a - b).abs().max().item<double>(), 1e-5) << name;
  }
}

// One step of `c` from its init under bfloat16 autocast (or in float32), on
// the fast or the dense masked path, in either layout.
Prepared OneStep(const Case& c, bool dense_mask, bool bfloat16, bool channels_last) {
  Prepared p = Prepare(c, dense_mask);
  if (channels_last) UseChannelsLast(p.network.get());
  SgdSteps(*p.network, p.learned, 1, 3, kSize, nullptr, StepOptions{bfloat16, channels_last});
  return p;
}

TEST_P(SelectorContractTest, Bfloat16FastPathFollowsTheDenseMaskedPath) {
  const Case c = GetParam();
  for (bool channels_last : {false, true}) {
    SCOPED_TRACE(channels_last ? "channels-last" : "NCHW");
    const Prepared fast = OneStep(c, /*dense_mask=*/false, /*bfloat16=*/true, channels_last);
    const Prepared dense = OneStep(c, /*dense_mask=*/true, /*bfloat16=*/true, channels_last);
    const Prepared exact = OneStep(c, /*dense_mask=*/true, /*bfloat16=*/false, channels_last);
    // bfloat16's own error: how far its step lands from the float32 one.
    // Paths that compute the same convs match the dense one bit for bit; an
    // input slice sums two convs, rounded apart, which a training-mode batch
    // norm on a tiny batch amplifies to about that error.
    double paths = 0, rounding = 0;
    for (const auto& [name, shape] : ParamShapes(*fast.network)) {
      const torch::Tensor a = CurrentValue(*fast.network, name);
      const torch::Tensor b = CurrentValue(*dense.network, name);
      const torch::Tensor fixed = LearnedMask(fast.plan, name, shape).logical_not();
      EXPECT_TRUE(torch::equal(a.masked_select(fixed), b.masked_select(fixed))) << name;
      paths += (a - b).pow(2).sum().item<double>();
      rounding += (b - CurrentValue(*exact.network, name)).pow(2).sum().item<double>();
    }
    EXPECT_LE(std::sqrt(paths), 3 * std::sqrt(rounding) + 1e-6)
        << "bfloat16's own error: " << std::sqrt(rounding);
  }
}

TEST_P(SelectorContractTest, ExportGivesAPlainNetworkWithTheSameOutputs) {
  const Case c = GetParam();
  Prepared p = Prepare(c, /*dense_mask=*/false);
  SgdSteps(*p.network, p.learned, 2, 3, kSize);
  p.network->module->eval();
  torch::NoGradGuard no_grad;
  torch::manual_seed(9);
  const torch::Tensor x = torch::randn({2, 3, kSize, kSize});
  const torch::Tensor before = p.network->forward(x);
  ExportPlain(p.network.get());
  const torch::Tensor after = p.network->forward(x);
  EXPECT_LE((before - after).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(p.network->module->named_parameters().size(), ParamShapes(*p.network).size());
  for (const auto& param : p.network->module->named_parameters()) {
    EXPECT_TRUE(param.value().requires_grad()) << param.key();
  }
}

INSTANTIATE_TEST_SUITE_P(AllSelectorsOnAllModels, SelectorContractTest,
                         ::testing::ValuesIn(AllCases()),
                         [](const auto& info) { return Name(info.param); });

}  // namespace
}  // namespace rwn
