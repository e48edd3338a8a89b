// The safetensors format (Hugging Face's; what PyTorch users load with
// safetensors.torch.load_file): an 8-byte little-endian header length, a
// JSON header naming each tensor's dtype, shape and byte range (plus a
// string-to-string "__metadata__"), then the tensors' raw little-endian
// bytes, back to back. Plain C++: the tensors are bytes here.
#ifndef RWN_EXPORT_SAFETENSORS_H_
#define RWN_EXPORT_SAFETENSORS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rwn {

struct StoredTensor {
  std::string name;
  std::string dtype;           // "F32", "I64", "BF16", ... (safetensors' names)
  std::vector<int64_t> shape;  // [] for a scalar
  std::string bytes;           // row-major, little-endian
};

struct Safetensors {
  std::vector<StoredTensor> tensors;  // in file order
  std::map<std::string, std::string> metadata;
};

// Writes `file` to `path` atomically; InvalidArgument naming the tensor when
// its bytes do not fit its dtype and shape, or a name repeats.
absl::Status WriteSafetensors(const std::string& path, const Safetensors& file);

// Reads a safetensors file; DataLoss naming the path and what is wrong when
// it is not one.
absl::StatusOr<Safetensors> ReadSafetensors(const std::string& path);

// Bytes per element of a safetensors dtype, 0 for an unknown one.
int DtypeSize(const std::string& dtype);

}  // namespace rwn

#endif  // RWN_EXPORT_SAFETENSORS_H_
