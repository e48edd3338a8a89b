// The record format of the CIFAR-10 and CIFAR-100 binary releases: each
// record is `label_bytes` label bytes, then 3072 pixel bytes (1024 red, 1024
// green, 1024 blue, each 32x32 row-major).
#ifndef RWN_DATASETS_CIFAR_BINARY_H_
#define RWN_DATASETS_CIFAR_BINARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"

namespace rwn {

struct CifarFormat {
  int label_bytes = 1;  // 1 for CIFAR-10, 2 (coarse, fine) for CIFAR-100
  int label_index = 0;  // which label byte to use
  int num_classes = 10;
};

// The records of `paths`, concatenated in order. Every error names the file
// and what was expected: a missing file, a size that is not a whole number
// of records, a label out of range.
absl::StatusOr<Split> ReadCifarFiles(const std::vector<std::string>& paths,
                                     const CifarFormat& format);

}  // namespace rwn

#endif  // RWN_DATASETS_CIFAR_BINARY_H_
