#include "experiments/sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/testing.h"
#include "core/text_proto.h"

namespace rwn {
namespace {

SweepSpec Parse(const std::string& text) {
  SweepSpec sweep;
  absl::Status status = ParseTextProto(text, "sweep", &sweep);
  EXPECT_OK(status);
  return sweep;
}

constexpr char kBase[] = R"pb(
  base {
    name: "grid"
    seed: 3
    model { wide_resnet { depth: 10 widen_factor: 1 } }
    dataset { synthetic {} }
    learn { selector { filter_fraction { fraction: 0.1 } } }
    optimizer { sgd {} }
    epochs: 2
  }
)pb";

TEST(SweepTest, AValueCanAddASelectorOrChangeAScalar) {
  auto points = ExpandSweep(Parse(std::string(kBase) + R"pb(
    axis {
      name: "extra"
      value {
        label: "plus-fc"
        patch { learn { selector { layer_group { group: "fc" } } } }
      }
      value {
        label: "long"
        patch { epochs: 7 }
      }
    }
  )pb"));
  ASSERT_OK(points);
  ASSERT_EQ(points->size(), 2u);
  const ExperimentSpec& added = (*points)[0].spec;
  ASSERT_EQ(added.learn().selector_size(), 2);  // repeated fields append
  EXPECT_EQ(added.learn().selector(0).filter_fraction().fraction(), 0.1);
  EXPECT_EQ(added.learn().selector(1).layer_group().group(0), "fc");
  EXPECT_EQ(added.epochs(), 2);
  const ExperimentSpec& longer = (*points)[1].spec;
  EXPECT_EQ(longer.epochs(), 7);
  EXPECT_EQ(longer.learn().selector_size(), 1);
  EXPECT_EQ(longer.model().wide_resnet().depth(), 10);  // the rest is the base's
  EXPECT_EQ(added.name(), "grid/plus-fc");
  EXPECT_EQ(longer.seed(), 3u);
}

TEST(SweepTest, TheGridIsTheProductOfTheAxesTimesTheSeeds) {
  auto points = ExpandSweep(Parse(std::string(kBase) + R"pb(
    axis {
      name: "fraction"
      value {
        label: "0.1"
        patch { learn { selector { filter_fraction { fraction: 0.1 } } } }
      }
      value {
        label: "0.4"
        patch { learn { selector { filter_fraction { fraction: 0.4 } } } }
      }
      value {
        label: "0.7"
        patch { learn { selector { filter_fraction { fraction: 0.7 } } } }
      }
    }
    axis {
      name: "fixed"
      value {
        label: "random"
        patch { learn { fixed: RANDOM } }
      }
      value {
        label: "zero"
        patch { learn { fixed: ZERO } }
      }
    }
    seeds: [ 1, 2 ]
  )pb"));
  ASSERT_OK(points);
  ASSERT_EQ(points->size(), 12u);
  // The whole grid for seed 1, then for seed 2.
  EXPECT_EQ((*points)[0].spec.name(), "grid/0.1/random/seed-1");
  EXPECT_EQ((*points)[1].spec.name(), "grid/0.1/zero/seed-1");
  EXPECT_EQ((*points)[5].spec.name(), "grid/0.7/zero/seed-1");
  EXPECT_EQ((*points)[6].spec.name(), "grid/0.1/random/seed-2");
  EXPECT_EQ((*points)[11].spec.name(), "grid/0.7/zero/seed-2");
  EXPECT_EQ((*points)[11].spec.seed(), 2u);
  EXPECT_EQ((*points)[11].spec.learn().fixed(), LearnSpec::ZERO);
  EXPECT_EQ((*points)[11].index, 11);
  const SweepCoordinates& coordinates = (*points)[3].spec.sweep();
  EXPECT_EQ(coordinates.name(), "grid");
  EXPECT_THAT(coordinates.axis(), ::testing::ElementsAre("fraction", "fixed"));
  EXPECT_THAT(coordinates.label(), ::testing::ElementsAre("0.4", "zero"));
  EXPECT_EQ(coordinates.point(), 3);                // 0.1/random, 0.1/zero, 0.4/random, 0.4/zero
  EXPECT_EQ((*points)[9].spec.sweep().point(), 3);  // its other seed
  // No axes: the base alone.
  auto single = ExpandSweep(Parse(kBase));
  ASSERT_OK(single);
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].spec.name(), "grid");
}

TEST(SweepTest, BadSweepsAreRefusedWithTheReason) {
  auto message = [](const std::string& axes) {
    return std::string(ExpandSweep(Parse(std::string(kBase) + axes)).status().message());
  };
  EXPECT_EQ(message(R"pb(axis { name: "a" })pb"),
            "axis \"a\": has no values; give it at least one");
  EXPECT_EQ(message(R"pb(axis {
                           name: "a"
                           value {
                             label: "x"
                             patch { epochs: 1 }
                           }
                         }
                         axis {
                           name: "a"
                           value {
                             label: "y"
                             patch { epochs: 2 }
                           }
                         })pb"),
            "axis[1]: a second axis named \"a\"; axis names must be unique");
  EXPECT_EQ(message(R"pb(axis {
                           name: "a"
                           value {
                             label: "x"
                             patch {}
                           }
                         })pb"),
            "axis \"a\" value[0]: (\"x\") has a patch that sets no field; give it one");
  EXPECT_EQ(message(R"pb(axis {
                           name: "a"
                           value { label: "x" }
                         })pb"),
            "axis \"a\" value[0]: (\"x\") has a patch that sets no field; give it one");
  EXPECT_EQ(message(R"pb(axis {
                           name: "a"
                           value {
                             label: "x"
                             patch { epochs: 1 }
                           }
                           value {
                             label: "x"
                             patch { epochs: 2 }
                           }
                         })pb"),
            "axis \"a\" value[1]: label \"x\" appears twice in the axis");
  EXPECT_EQ(message(R"pb(axis {
                           value {
                             label: "x"
                             patch { epochs: 1 }
                           }
                         })pb"),
            "axis[0]: name = \"\"; allowed: letters, digits, '_' and '-'");
  EXPECT_EQ(message(R"pb(axis {
                           name: "a"
                           value {
                             label: "a/b"
                             patch { epochs: 1 }
                           }
                         })pb"),
            "axis \"a\" value[0]: label = \"a/b\"; allowed: letters, digits, '.', '_' and '-'");
  EXPECT_EQ(message(R"pb(axis {
                           name: "a"
                           value {
                             label: "x"
                             patch { seed: 4 }
                           }
                         })pb"),
            "axis \"a\" value[0]: (\"x\") sets name, seed or sweep; the sweep gives those");
  EXPECT_EQ(message("seeds: [1, 1]"), "seeds = [1, 1]; each seed may appear once");
  EXPECT_EQ(ExpandSweep(SweepSpec()).status().message(), "no base block; a sweep needs one");
}

}  // namespace
}  // namespace rwn
