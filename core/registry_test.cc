#include "core/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/registry_test.pb.h"
#include "core/testing.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;
using ColorRegistry = Registry<int, int>;

absl::StatusOr<int> CreateRed(const testing::RedSpec& spec, const int& offset) {
  if (spec.size() < 0) return absl::InvalidArgumentError("size must be >= 0");
  return spec.size() + offset;
}

RWN_REGISTER_PLUGIN(ColorRegistry, red, testing::RedSpec, CreateRed);

TEST(RegistryTest, CreatesTheChosenPlugin) {
  testing::ColorSpec spec;
  spec.mutable_red()->set_size(7);
  absl::StatusOr<int> made = ColorRegistry::Global().CreateFromOneof(spec, 100);
  ASSERT_OK(made);
  EXPECT_EQ(*made, 107);
}

TEST(RegistryTest, UnknownNameListsRegisteredNames) {
  testing::RedSpec spec;
  absl::StatusOr<int> made = ColorRegistry::Global().Create("green", spec, 0);
  ASSERT_EQ(made.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(made.status().message(), "no plugin named 'green'; registered: red");
}

TEST(RegistryTest, OneofFieldWithoutFactoryIsNotFound) {
  testing::ColorSpec spec;
  spec.mutable_blue();
  absl::StatusOr<int> made = ColorRegistry::Global().CreateFromOneof(spec, 0);
  ASSERT_EQ(made.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(made.status().message(), HasSubstr("'blue'"));
  EXPECT_THAT(made.status().message(), HasSubstr("registered: red"));
}

TEST(RegistryTest, NothingChosenNamesTheChoices) {
  testing::ColorSpec spec;
  absl::StatusOr<int> made = ColorRegistry::Global().CreateFromOneof(spec, 0);
  ASSERT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(made.status().message(), "ColorSpec: no kind chosen; set one of: red, blue");
}

TEST(RegistryTest, FactoryErrorsArePrefixedWithThePluginName) {
  testing::ColorSpec spec;
  spec.mutable_red()->set_size(-1);
  absl::StatusOr<int> made = ColorRegistry::Global().CreateFromOneof(spec, 0);
  ASSERT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(made.status().message(), "red: size must be >= 0");
}

TEST(RegistryTest, WrongSpecTypeIsRefused) {
  testing::BlueSpec blue;
  absl::StatusOr<int> made = ColorRegistry::Global().Create("red", blue, 0);
  ASSERT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(made.status().message(), HasSubstr("takes a rwn.testing.RedSpec"));
}

TEST(RegistryTest, NamesAreSorted) {
  EXPECT_EQ(ColorRegistry::Global().Names(), std::vector<std::string>{"red"});
  EXPECT_EQ(OneofFieldNames(*testing::ColorSpec::descriptor()),
            (std::vector<std::string>{"red", "blue"}));
}

TEST(RegistryDeathTest, DuplicateRegistrationDies) {
  EXPECT_DEATH(
      ColorRegistry::Global().Register("red", [](const google::protobuf::Message&,
                                                 const int&) { return absl::StatusOr<int>(0); }),
      "plugin 'red' is registered twice");
}

}  // namespace
}  // namespace rwn
