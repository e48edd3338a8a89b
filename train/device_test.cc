// --device and LOCAL_RANK to a device, for any GPU count (no GPU needed).
#include "train/device.h"

#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
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

// The mode's switches, read back from torch's process-wide context.
std::string Mode() {
  const at::Context& context = at::globalContext();
  return absl::StrCat("cudnn_deterministic=", context.deterministicCuDNN(),
                      " cudnn_benchmark=", context.benchmarkCuDNN(),
                      " deterministic_algorithms=", context.deterministicAlgorithms());
}

TEST(DeterminismTest, DeterministicTurnsOffBenchmarkAndOnDeterministicAlgorithms) {
  unsetenv("CUBLAS_WORKSPACE_CONFIG");
  ConfigureDeterminism(true, "cuda:0");
  EXPECT_EQ(Mode(), "cudnn_deterministic=1 cudnn_benchmark=0 deterministic_algorithms=1");
  ASSERT_NE(std::getenv("CUBLAS_WORKSPACE_CONFIG"), nullptr);
  EXPECT_STREQ(std::getenv("CUBLAS_WORKSPACE_CONFIG"), ":4096:8");
  ConfigureDeterminism(false, "cpu");
}

TEST(DeterminismTest, DefaultFavoursSpeedOnAGpuOnly) {
  ConfigureDeterminism(false, "cuda:1");
  EXPECT_EQ(Mode(), "cudnn_deterministic=0 cudnn_benchmark=1 deterministic_algorithms=0");
  ConfigureDeterminism(false, "cpu");
  EXPECT_EQ(Mode(), "cudnn_deterministic=0 cudnn_benchmark=0 deterministic_algorithms=0");
}

TEST(DeterminismTest, AUserCublasWorkspaceIsKept) {
  setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8", 1);
  ConfigureDeterminism(true, "cuda:0");
  EXPECT_STREQ(std::getenv("CUBLAS_WORKSPACE_CONFIG"), ":16:8");
  ConfigureDeterminism(false, "cpu");
  unsetenv("CUBLAS_WORKSPACE_CONFIG");
}

}  // namespace
}  // namespace rwn
