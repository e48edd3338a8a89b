// Parameter counts of the paper's architectures on 3x32x32 inputs, exactly
// (issue 3's table; they follow bearpaw/pytorch-classification's CIFAR
// definitions, which the authors modified).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"

namespace rwn {
namespace {

struct Row {
  const char* spec;
  int64_t classes10;
  int64_t classes100;
};

int64_t Parameters(const std::string& text, int64_t classes) {
  ModelSpec spec;
  EXPECT_TRUE(ParseTextProto(text, "count", &spec).ok());
  auto network = ModelRegistry::Global().CreateFromOneof(spec, ModelContext{3, 32, 32, classes, 1});
  EXPECT_TRUE(network.ok()) << network.status();
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

}  // namespace
}  // namespace rwn
