#include "train/device.h"

#include <torch/torch.h>

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rwn {
namespace {

// Why `torch::cuda::device_count()` is 0 in this build.
std::string NoGpuReason() {
#ifdef RWN_LIBTORCH_HAS_CUDA
  return "this libtorch has CUDA, but it finds no GPU (torch::cuda::device_count() "
         "is 0; check the driver and CUDA_VISIBLE_DEVICES)";
#else
  return "this rwn is built against a CPU-only libtorch; on a GPU machine build it "
         "with bazel --config=cuda (README, \"GPUs\")";
#endif
}

}  // namespace

absl::StatusOr<std::string> DeviceFor(const std::string& flag, int gpus, int local_rank,
                                      const std::string& no_gpu) {
  if (flag == "cpu" || (flag == "auto" && gpus == 0)) return std::string("cpu");
  int index = local_rank < 0 ? 0 : local_rank;
  const bool numbered = flag.rfind("cuda:", 0) == 0;
  if (flag != "cuda" && flag != "auto" &&
      !(numbered && absl::SimpleAtoi(flag.substr(5), &index) && index >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--device=", flag, "; allowed: cpu, cuda, cuda:N (N >= 0), auto"));
  }
  if (gpus == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--device=", flag, ": no CUDA GPU available: ", no_gpu, "; allowed here: cpu"));
  }
  if (index < gpus) return absl::StrCat("cuda:", index);
  if (numbered) {
    return absl::InvalidArgumentError(absl::StrCat("--device=", flag, ": this machine has ", gpus,
                                                   " GPUs; allowed: cuda:0 to cuda:", gpus - 1));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--device=", flag, ": this process has LOCAL_RANK=", local_rank,
                   " and its GPU would be cuda:", local_rank, ", but this machine has ", gpus,
                   " GPUs; allowed: at most ", gpus, " ranks per machine (rwn launch --nproc)"));
}

void ConfigureDeterminism(bool deterministic, const std::string& device) {
  if (deterministic) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  at::Context& context = at::globalContext();
  context.setDeterministicCuDNN(deterministic);
  context.setBenchmarkCuDNN(!deterministic && device != "cpu");
  context.setDeterministicAlgorithms(deterministic, /*warn_only=*/false);
}

absl::StatusOr<std::string> ResolveDevice(const std::string& flag) {
  int local_rank = -1;
  if (const char* value = std::getenv("LOCAL_RANK"); value != nullptr && *value != '\0') {
    if (!absl::SimpleAtoi(value, &local_rank) || local_rank < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("LOCAL_RANK=", value, " (set by the launcher); allowed: a number >= 0"));
    }
  }
  return DeviceFor(flag, static_cast<int>(torch::cuda::device_count()), local_rank, NoGpuReason());
}

}  // namespace rwn
