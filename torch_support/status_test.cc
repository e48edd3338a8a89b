// GuardTorch: libtorch's exceptions become statuses.
#include "torch_support/status.h"

#include <c10/util/Exception.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

TEST(TorchStatusTest, ConvertsC10Errors) {
  absl::Status status = GuardTorch("forward", []() -> absl::Status {
    TORCH_CHECK_VALUE(false, "bad shape 3");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("forward: bad shape 3"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("Exception raised from")));

  absl::StatusOr<int> other = GuardTorch("step", []() -> absl::StatusOr<int> {
    TORCH_CHECK(false, "broken");
    return 1;
  });
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(other.status().message(), HasSubstr("step: broken"));
}

TEST(TorchStatusTest, DeviceOutOfMemoryIsResourceExhausted) {
  absl::Status status = GuardTorch("training", []() -> absl::Status {
    throw c10::OutOfMemoryError({__func__, __FILE__, __LINE__},
                                "CUDA out of memory. Tried to allocate 2.00 GiB");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(),
              HasSubstr("training: out of memory: CUDA out of memory. Tried to allocate 2.00 GiB"));
}

}  // namespace
}  // namespace rwn
