// Autocast follows the device: CUDA's for a GPU, the CPU's otherwise; the
// guard restores what it found (no GPU needed: autocast state is per thread).
#include "torch_support/compat.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace rwn {
namespace {

TEST(AutocastTest, TheDeviceTypeFollowsTheDevice) {
  EXPECT_EQ(Autocast::For(torch::Device("cuda:1")), c10::DeviceType::CUDA);
  EXPECT_EQ(Autocast::For(torch::Device("cuda")), c10::DeviceType::CUDA);
  EXPECT_EQ(Autocast::For(torch::Device("cpu")), c10::DeviceType::CPU);
}

TEST(AutocastTest, OnlyTheChosenDevicesAutocastIsOnWhileTheGuardLives) {
  for (c10::DeviceType device : {c10::DeviceType::CPU, c10::DeviceType::CUDA}) {
    const c10::DeviceType other =
        device == c10::DeviceType::CPU ? c10::DeviceType::CUDA : c10::DeviceType::CPU;
    ASSERT_FALSE(Autocast::Enabled(device));
    {
      Autocast autocast(device, at::kBFloat16);
      EXPECT_TRUE(Autocast::Enabled(device));
      EXPECT_FALSE(Autocast::Enabled(other));
    }
    EXPECT_FALSE(Autocast::Enabled(device));
  }
}

TEST(AutocastTest, ACpuMatmulRunsInBfloat16UnderCpuAutocastOnly) {
  const torch::Tensor a = torch::ones({2, 2});
  {
    Autocast autocast(c10::DeviceType::CUDA, at::kBFloat16);
    EXPECT_EQ(torch::matmul(a, a).scalar_type(), at::kFloat);  // CUDA's autocast: not the CPU's
  }
  Autocast autocast(c10::DeviceType::CPU, at::kBFloat16);
  EXPECT_EQ(torch::matmul(a, a).scalar_type(), at::kBFloat16);
}

}  // namespace
}  // namespace rwn
