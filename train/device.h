// The compute device of a run, from --device=cpu|cuda|cuda:N|auto. A CUDA
// device needs a CUDA build of libtorch (bazel --config=cuda, README) and a
// GPU; asking for one without them is bad input (exit 2), never a silent
// fallback to the CPU.
#ifndef RWN_TRAIN_DEVICE_H_
#define RWN_TRAIN_DEVICE_H_

#include <string>

#include "absl/status/statusor.h"

namespace rwn {

// "cpu" or "cuda:N", checked against this build and machine; "auto" is the
// first GPU when there is one, else the CPU.
absl::StatusOr<std::string> ResolveDevice(const std::string& flag);

}  // namespace rwn

#endif  // RWN_TRAIN_DEVICE_H_
