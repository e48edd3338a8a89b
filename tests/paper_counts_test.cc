// Parameter counts of the paper, exactly: every architecture's total on
// 3x32x32 inputs (bearpaw/pytorch-classification's CIFAR definitions, which
// the authors modified), and the learned counts ("Eff. Params") of Tables 1
// and 2 before the paper's rounding.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/testing.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

struct Row {
  const char* spec;
  int64_t classes10;
  int64_t classes100;
};

int64_t Parameters(const std::string& text, int64_t classes) {
  ModelSpec spec;
  EXPECT_OK(ParseTextProto(text, "count", &spec));
  auto network = ModelRegistry::Global().CreateFromOneof(spec, ModelContext{3, 32, 32, classes, 1});
  EXPECT_OK(network);
  int64_t total = 0;
  for (const auto& p : (*network)->module->parameters()) total += p.numel();
  return total;
}

TEST(PaperCountsTest, EveryArchitectureMatchesThePaper) {
  const Row rows[] = {
      {"wide_resnet { depth: 28 widen_factor: 4 }", 5849050, 5872180},
      {"wide_resnet { depth: 28 widen_factor: 10 }", 36479194, 36536884},
      {"wide_resnet { depth: 16 widen_factor: 4 }", 2748890, 2772020},
      {"densenet { depth: 100 growth_rate: 12 }", 769162, 800032},
      {"densenet { depth: 40 growth_rate: 12 }", 176122, 188092},
      {"resnet { depth: 20 }", 272474, 278324},
      {"vgg { depth: 19 batch_norm: true }", 20040522, 20086692},
      {"alexnet { }", 2472266, 2495396},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Parameters(row.spec, 10), row.classes10) << row.spec;
    EXPECT_EQ(Parameters(row.spec, 100), row.classes100) << row.spec;
  }
}

// Learned parameters of a LearnSpec (text) on a model (text), 3x32x32 input.
int64_t Learned(const std::string& model, int64_t classes, const std::string& learn_text) {
  ModelSpec spec;
  EXPECT_OK(ParseTextProto(model, "model", &spec));
  auto network = ModelRegistry::Global().CreateFromOneof(spec, ModelContext{3, 32, 32, classes, 1});
  LearnSpec learn;
  EXPECT_OK(ParseTextProto(learn_text, "learn", &learn));
  auto plan = BuildPlan(&learn, **network, 1);
  EXPECT_OK(plan);
  return CountPlan(*plan, **network).learned;
}

// Table 1: one group learned, plus every BN layer ("BN" alone: BN only).
TEST(PaperCountsTest, Table1SingleGroupsWithBatchNorm) {
  const std::string wrn = "wide_resnet { depth: 28 widen_factor: 4 }";
  const std::string densenet = "densenet { depth: 100 growth_rate: 12 }";
  auto group = [](const std::string& g) {
    return "selector { layer_group { group: \"" + g + "\" } } also_learn_classifier: false";
  };
  const std::string bn_only = "also_learn_classifier: false";
  EXPECT_EQ(Learned(wrn, 10, bn_only), 7200);
  EXPECT_EQ(Learned(wrn, 10, group("conv1")), 7632);
  EXPECT_EQ(Learned(wrn, 10, group("block1")), 275488);
  EXPECT_EQ(Learned(wrn, 10, group("block2")), 1121312);
  EXPECT_EQ(Learned(wrn, 10, group("block3")), 4463648);
  EXPECT_EQ(Learned(wrn, 10, group("fc")), 9770);
  EXPECT_EQ(Learned(wrn, 100, group("fc")), 32900);
  EXPECT_EQ(Learned(densenet, 10, bn_only), 23988);
  EXPECT_EQ(Learned(densenet, 10, group("conv1")), 24636);
  EXPECT_EQ(Learned(densenet, 10, group("block1")), 194484);
  EXPECT_EQ(Learned(densenet, 10, group("block2")), 258996);
  EXPECT_EQ(Learned(densenet, 10, group("block3")), 291252);
  EXPECT_EQ(Learned(densenet, 10, group("fc")), 27418);
  EXPECT_EQ(Learned(densenet, 100, group("fc")), 58288);
}

// Table 2: a fraction p of every conv's filters plus every BN layer.
TEST(PaperCountsTest, Table2FilterFractions) {
  auto fraction = [](double p) {
    return "selector { filter_fraction { fraction: " + std::to_string(p) +
           " } } also_learn_classifier: false";
  };
  const std::string wrn = "wide_resnet { depth: 28 widen_factor: 10 }";
  const std::string densenet = "densenet { depth: 100 growth_rate: 12 }";
  EXPECT_EQ(Learned(wrn, 10, fraction(0.1)), 3663419);
  EXPECT_EQ(Learned(wrn, 10, fraction(0.4)), 14599874);
  EXPECT_EQ(Learned(densenet, 10, fraction(0.1)), 86766);
  EXPECT_EQ(Learned(densenet, 10, fraction(0.4)), 302271);
}

// Table 4: the learned parameters of a cheap ensemble of 5
// DenseNet-BC-100-12 members on CIFAR-10. Each member learns the fc and BN
// layers (FC), or also a fraction of every conv's filters while the rest is
// shared (Share-Conv-s shares s, learns 1 - s), or everything (Full).
TEST(PaperCountsTest, Table4CheapEnsembleMembers) {
  const std::string densenet = "densenet { depth: 100 growth_rate: 12 }";
  auto members = [&](const std::string& learn) { return 5 * Learned(densenet, 10, learn); };
  auto shared = [](double s) {
    return "selector { filter_fraction { fraction: " + std::to_string(1 - s) + " } }";
  };
  EXPECT_EQ(members(""), 137090);  // learn {}: BN and fc, the defaults
  EXPECT_EQ(members(shared(0.9)), 450980);
  EXPECT_EQ(members(shared(0.6)), 1528505);
  EXPECT_EQ(members(shared(0.3)), 2664470);
  EXPECT_EQ(5 * Parameters(densenet, 10), 3845810);
}

}  // namespace
}  // namespace rwn
