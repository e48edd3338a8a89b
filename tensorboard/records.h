// TensorBoard's record framing (TFRecord), which event files use: each record
// is its length (uint64, little-endian), the masked CRC-32C of those 8 bytes,
// the data, and the masked CRC-32C of the data.
#ifndef RWN_TENSORBOARD_RECORDS_H_
#define RWN_TENSORBOARD_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rwn {
namespace tensorboard {

// CRC-32C (Castagnoli) of `data`.
uint32_t Crc32c(absl::string_view data);
// The masked form records store: rotated right by 15 bits plus a constant.
uint32_t MaskedCrc32c(absl::string_view data);

// `data` framed as one record.
std::string FrameRecord(absl::string_view data);

struct Records {
  std::vector<std::string> data;  // each whole, valid record's data, in order
  size_t valid_bytes = 0;         // where the last valid record ends
};

// The records at the start of `bytes`, up to the first that is cut short or
// fails its checksums (a writer killed mid-record leaves such a tail).
Records ReadRecords(absl::string_view bytes);

}  // namespace tensorboard
}  // namespace rwn

#endif  // RWN_TENSORBOARD_RECORDS_H_
