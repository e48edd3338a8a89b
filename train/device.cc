#include "train/device.h"

#include <torch/torch.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rwn {

absl::StatusOr<std::string> ResolveDevice(const std::string& flag) {
  const int gpus = static_cast<int>(torch::cuda::device_count());
  if (flag == "cpu") return std::string("cpu");
  if (flag == "auto") return gpus > 0 ? std::string("cuda:0") : std::string("cpu");
  int index = 0;
  if (flag != "cuda" &&
      !(flag.rfind("cuda:", 0) == 0 && absl::SimpleAtoi(flag.substr(5), &index) && index >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--device=", flag, "; allowed: cpu, cuda, cuda:N (N >= 0), auto"));
  }
  if (gpus == 0) {
#ifdef RWN_LIBTORCH_HAS_CUDA
    const char* why =
        "this libtorch has CUDA, but it finds no GPU (torch::cuda::device_count() "
        "is 0; check the driver and CUDA_VISIBLE_DEVICES)";
#else
    const char* why =
        "this rwn is built against a CPU-only libtorch; on a GPU machine build it "
        "with bazel --config=cuda (README, \"GPUs\")";
#endif
    return absl::InvalidArgumentError(
        absl::StrCat("--device=", flag, ": no CUDA GPU available: ", why, "; allowed here: cpu"));
  }
  if (index >= gpus) {
    return absl::InvalidArgumentError(absl::StrCat("--device=", flag, ": this machine has ", gpus,
                                                   " GPUs; allowed: cuda:0 to cuda:", gpus - 1));
  }
  return absl::StrCat("cuda:", index);
}

}  // namespace rwn
