// What a spec asks of its device: bfloat16 is CUDA autocast on a GPU, and on
// the CPU needs AVX-512 BF16.
#include "experiments/spec.h"

#include <gtest/gtest.h>

#include "core/testing.h"
#include "core/text_proto.h"

namespace rwn {
namespace {

ExperimentSpec Bfloat16Spec() {
  ExperimentSpec spec;
  EXPECT_OK(ParseTextProto("name: 'bf16' bfloat16: true", "spec", &spec));
  return spec;
}

TEST(SpecOnDeviceTest, Bfloat16OnAGpuNeedsNothingOfTheCpu) {
  EXPECT_OK(ValidateSpecOnDevice(Bfloat16Spec(), "cuda:0"));
  EXPECT_OK(ValidateSpecOnDevice(ExperimentSpec(), "cpu"));
}

TEST(SpecOnDeviceTest, Bfloat16OnTheCpuNeedsAvx512Bf16) {
  const absl::Status status = ValidateSpecOnDevice(Bfloat16Spec(), "cpu");
  if (__builtin_cpu_supports("avx512bf16")) {
    EXPECT_OK(status);
  } else {
    EXPECT_EQ(status.message(),
              "bfloat16 = true on --device=cpu needs a CPU with AVX-512 BF16, and this one has "
              "none; allowed: false, or a GPU (--device=cuda)");
  }
}

}  // namespace
}  // namespace rwn
