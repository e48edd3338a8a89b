// The learning-rate schedules: step, constant and cosine, with warm-up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/testing.h"
#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"

namespace rwn {
namespace {

using ::testing::DoubleNear;
using ::testing::Pointwise;

std::vector<double> Factors(const ScheduleSpec& spec, int64_t epochs) {
  auto schedule = ScheduleRegistry::Global().CreateFromOneof(spec, ScheduleContext{epochs});
  EXPECT_OK(schedule);
  std::vector<double> factors;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) factors.push_back((*schedule)->Factor(epoch));
  return factors;
}

// The schedule contract, over every example every schedule registers: a
// factor for each epoch of the run, finite and in [0, 1].
TEST(ScheduleContractTest, EveryExampleGivesFactorsInZeroToOne) {
  for (const std::string& name : ScheduleRegistry::Global().Names()) {
    EXPECT_FALSE(ScheduleRegistry::Global().Examples(name).empty())
        << name << " registers no example spec; give RWN_REGISTER_PLUGIN at least one";
  }
  for (const auto& [label, text] : ScheduleRegistry::Global().ExampleSpecs()) {
    for (double factor : Factors(ParseTextProtoOrDie<ScheduleSpec>(text), 8)) {
      EXPECT_TRUE(std::isfinite(factor) && factor >= 0 && factor <= 1) << label << ": " << factor;
    }
  }
}

TEST(StepScheduleTest, DropsAfterMilestones) {
  ScheduleSpec spec;
  spec.mutable_step()->add_milestones(2);
  spec.mutable_step()->add_milestones(4);
  spec.mutable_step()->set_gamma(0.1);
  EXPECT_THAT(Factors(spec, 6),
              Pointwise(DoubleNear(1e-12), std::vector<double>{1, 1, 0.1, 0.1, 0.01, 0.01}));
  // The paper's Tiny-ImageNet schedule: lr / 10 after epochs 15 and 30.
  ScheduleSpec tiny;
  tiny.mutable_step()->add_milestones(15);
  tiny.mutable_step()->add_milestones(30);
  const std::vector<double> factors = Factors(tiny, 45);
  EXPECT_EQ(factors[14], 1.0);
  EXPECT_NEAR(factors[15], 0.1, 1e-12);
  EXPECT_NEAR(factors[29], 0.1, 1e-12);
  EXPECT_NEAR(factors[30], 0.01, 1e-12);
}

TEST(StepScheduleTest, BadMilestonesAreNamed) {
  ScheduleSpec spec;
  spec.mutable_step()->add_milestones(5);
  spec.mutable_step()->add_milestones(3);
  EXPECT_EQ(ScheduleRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "step: milestones must be positive and increasing; got 3 after 5");
}

TEST(ConstantScheduleTest, WarmsUpLinearly) {
  ScheduleSpec spec;
  spec.mutable_constant()->set_warmup_epochs(3);
  EXPECT_THAT(Factors(spec, 5),
              Pointwise(DoubleNear(1e-12), std::vector<double>{0.25, 0.5, 0.75, 1, 1}));
  spec.mutable_constant()->set_warmup_epochs(-1);
  EXPECT_EQ(ScheduleRegistry::Global().CreateFromOneof(spec, {}).status().message(),
            "constant: warmup_epochs = -1; allowed: >= 0");
}

TEST(CosineScheduleTest, AnnealsToTheFinalFactor) {
  ScheduleSpec spec;
  spec.mutable_cosine()->set_final_factor(0.1);
  const std::vector<double> factors = Factors(spec, 4);
  // PyTorch's CosineAnnealingLR, T_max = 4: 0.1 + 0.9 * (1 + cos(pi e / 4)) / 2.
  for (int e = 0; e < 4; ++e) {
    EXPECT_NEAR(factors[e], 0.1 + 0.9 * (1 + std::cos(M_PI * e / 4)) / 2, 1e-12) << e;
  }
  EXPECT_EQ(factors[0], 1.0);
  spec.mutable_cosine()->set_warmup_epochs(1);
  EXPECT_NEAR(Factors(spec, 4)[0], 0.5, 1e-12);
  spec.mutable_cosine()->set_final_factor(1.0);
  EXPECT_EQ(ScheduleRegistry::Global().CreateFromOneof(spec, ScheduleContext{4}).status().message(),
            "cosine: final_factor = 1; allowed: 0 <= final_factor < 1");
}

}  // namespace
}  // namespace rwn
