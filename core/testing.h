// Test helpers shared by every package's tests: status assertions, specs
// from text, a fresh folder per test, and the rwn binary's path.
#ifndef RWN_CORE_TESTING_H_
#define RWN_CORE_TESTING_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/text_proto.h"

namespace rwn {
namespace testing_internal {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <class T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

template <class S>
::testing::AssertionResult IsOk(const char* text, const S& value) {
  const absl::Status& status = StatusOf(value);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text << " is not OK: " << status;
}

}  // namespace testing_internal

// Text format `text` as a message of type T; fails the test (and returns an
// empty message) when it does not parse.
template <class T>
T ParseTextProtoOrDie(const std::string& text) {
  T message;
  absl::Status parsed = ParseTextProto(text, "test", &message);
  if (!parsed.ok()) ADD_FAILURE() << parsed;
  return message;
}

// A fresh, empty folder for this test: $TEST_TMPDIR/<name>.
std::string TestDir(const std::string& name);

// The rwn binary, from a test that has //cli:rwn in its data.
std::string RwnBinary();

}  // namespace rwn

// ASSERT_OK(status or StatusOr) and EXPECT_OK: on failure they print the
// expression and the status; more can be streamed after them with <<.
#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::rwn::testing_internal::IsOk, expr)
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::rwn::testing_internal::IsOk, expr)

#endif  // RWN_CORE_TESTING_H_
