// The compute device of a run, from --device=cpu|cuda|cuda:N|auto. A CUDA
// device needs a CUDA build of libtorch (bazel --config=cuda, README) and a
// GPU; asking for one without them is bad input (exit 2), never a silent
// fallback to the CPU. Under a launcher (`rwn launch`, torchrun) each
// process's "cuda" is the GPU of its LOCAL_RANK, so the ranks of one machine
// use one GPU each.
#ifndef RWN_TRAIN_DEVICE_H_
#define RWN_TRAIN_DEVICE_H_

#include <string>

#include "absl/status/statusor.h"

namespace rwn {

// "cpu" or "cuda:N" for `flag` on a machine with `gpus` GPUs, in the process
// of local rank `local_rank` (-1: not started by a launcher). "cuda" is GPU
// `local_rank` (GPU 0 outside a launcher); "auto" is that GPU when there is
// one, else the CPU; "cuda:N" is GPU N. `no_gpu` says why there is no GPU
// when `gpus` is 0.
absl::StatusOr<std::string> DeviceFor(const std::string& flag, int gpus, int local_rank,
                                      const std::string& no_gpu);

// DeviceFor with this build's and machine's GPUs and $LOCAL_RANK; a
// LOCAL_RANK that is not a number >= 0 is refused.
absl::StatusOr<std::string> ResolveDevice(const std::string& flag);

// Sets torch's process-wide trade of repeatability for speed for a run on
// `device`. Deterministic: cuDNN's deterministic algorithms, no benchmark
// mode, torch's deterministic algorithms (an op that has none fails, naming
// itself) and cuBLAS's fixed workspace (CUBLAS_WORKSPACE_CONFIG, unless
// already set). Otherwise, on a GPU, cuDNN's benchmark mode picks the fastest
// algorithm per shape. Call it before the first CUDA operation.
void ConfigureDeterminism(bool deterministic, const std::string& device);

}  // namespace rwn

#endif  // RWN_TRAIN_DEVICE_H_
