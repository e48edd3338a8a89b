#include "core/text_proto.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/registry_test.pb.h"
#include "core/testing.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

TEST(TextProtoTest, ParsesValidText) {
  testing::OuterSpec spec;
  ASSERT_OK(ParseTextProto("name: \"x\" color { red { size: 3 } } values: [1, 2]", "s", &spec));
  EXPECT_EQ(spec.name(), "x");
  EXPECT_EQ(spec.color().red().size(), 3);
  EXPECT_EQ(spec.values_size(), 2);
}

TEST(TextProtoTest, SyntaxErrorHasLineAndColumn) {
  testing::OuterSpec spec;
  absl::Status status =
      ParseTextProto("name: \"x\"\ncolor {\n  red { size: }\n}\n", "a.pbtxt", &spec);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a.pbtxt:3:15: Expected integer"));
}

TEST(TextProtoTest, UnknownFieldNamesTheAllowedFields) {
  testing::OuterSpec spec;
  absl::Status status = ParseTextProto("color {\n  green {}\n}\n", "b.pbtxt", &spec);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("b.pbtxt:2:9:"));
  EXPECT_THAT(status.message(), HasSubstr("no field named \"green\""));
  EXPECT_THAT(status.message(), HasSubstr("allowed fields: red, blue"));
}

TEST(TextProtoTest, TwoChoicesOfOneOneofAreAnError) {
  testing::OuterSpec spec;
  absl::Status status = ParseTextProto("color { red {} blue {} }", "c.pbtxt", &spec);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("c.pbtxt:1:"));
  EXPECT_THAT(status.message(), HasSubstr("oneof"));
}

TEST(TextProtoTest, FileRoundTripAndMissingFile) {
  const std::string dir = TestDir("text_proto");
  const std::string path = dir + "/spec.pbtxt";
  std::ofstream(path) << "name: \"y\"\nvalues: 4\n";
  absl::StatusOr<testing::OuterSpec> spec = ParseTextProtoFile<testing::OuterSpec>(path);
  ASSERT_OK(spec);
  EXPECT_EQ(spec->name(), "y");
  EXPECT_EQ(PrintTextProto(*spec), "name: \"y\"\nvalues: 4\n");

  absl::StatusOr<testing::OuterSpec> missing =
      ParseTextProtoFile<testing::OuterSpec>(dir + "/nope.pbtxt");
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.pbtxt: cannot open"));
}

}  // namespace
}  // namespace rwn
