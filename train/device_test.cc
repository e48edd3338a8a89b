// --device and LOCAL_RANK to a device, for any GPU count (no GPU needed).
#include "train/device.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/testing.h"

namespace rwn {
namespace {

std::string Device(const std::string& flag, int gpus, int local_rank) {
  absl::StatusOr<std::string> device = DeviceFor(flag, gpus, local_rank, "no driver");
  return device.ok() ? *device : std::string(device.status().message());
}

TEST(DeviceTest, EachLocalRankGetsItsOwnGpu) {
  EXPECT_EQ(Device("cuda", 4, -1), "cuda:0");
  EXPECT_EQ(Device("cuda", 4, 0), "cuda:0");
  EXPECT_EQ(Device("cuda", 4, 3), "cuda:3");
  EXPECT_EQ(Device("auto", 4, 2), "cuda:2");
  EXPECT_EQ(Device("cuda:1", 4, 3), "cuda:1");  // an explicit GPU is the user's choice
  EXPECT_EQ(Device("cpu", 4, 3), "cpu");
  EXPECT_EQ(Device("auto", 0, 3), "cpu");
}

TEST(DeviceTest, BadRequestsNameTheValueAndWhatIsAllowed) {
  EXPECT_EQ(Device("cuda", 2, 2),
            "--device=cuda: this process has LOCAL_RANK=2 and its GPU would be cuda:2, but this "
            "machine has 2 GPUs; allowed: at most 2 ranks per machine (rwn launch --nproc)");
  EXPECT_EQ(Device("cuda:5", 2, -1),
            "--device=cuda:5: this machine has 2 GPUs; allowed: cuda:0 to cuda:1");
  EXPECT_EQ(Device("cuda", 0, -1),
            "--device=cuda: no CUDA GPU available: no driver; allowed here: cpu");
  EXPECT_EQ(Device("gpu", 2, -1), "--device=gpu; allowed: cpu, cuda, cuda:N (N >= 0), auto");
  EXPECT_EQ(Device("cuda:-1", 2, -1),
            "--device=cuda:-1; allowed: cpu, cuda, cuda:N (N >= 0), auto");
}

TEST(DeviceTest, ABadLocalRankIsRefused) {
  setenv("LOCAL_RANK", "x", 1);
  absl::StatusOr<std::string> device = ResolveDevice("cpu");
  unsetenv("LOCAL_RANK");
  EXPECT_EQ(device.status().message(),
            "LOCAL_RANK=x (set by the launcher); allowed: a number >= 0");
  EXPECT_EQ(*ResolveDevice("cpu"), "cpu");
}

}  // namespace
}  // namespace rwn
