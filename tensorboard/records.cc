#include "tensorboard/records.h"

#include <array>
#include <cstring>

namespace rwn {
namespace tensorboard {
namespace {

constexpr uint32_t kCastagnoli = 0x82f63b78;  // the polynomial, bit-reversed
constexpr uint32_t kMaskDelta = 0xa282ead8;
constexpr size_t kHeaderBytes = 12;  // length and its CRC
constexpr size_t kFooterBytes = 4;   // the data's CRC

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kCastagnoli : 0);
    table[byte] = crc;
  }
  return table;
}

void PutLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

}  // namespace

uint32_t Crc32c(absl::string_view data) {
  static const std::array<uint32_t, 256> table = MakeTable();
  uint32_t crc = 0xffffffff;
  for (unsigned char c : data) crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffff;
}

uint32_t MaskedCrc32c(absl::string_view data) {
  const uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

std::string FrameRecord(absl::string_view data) {
  std::string record;
  PutLittleEndian(data.size(), 8, &record);
  PutLittleEndian(MaskedCrc32c(record), 4, &record);
  record.append(data.data(), data.size());
  PutLittleEndian(MaskedCrc32c(data), 4, &record);
  return record;
}

Records ReadRecords(absl::string_view bytes) {
  Records records;
  size_t at = 0;
  while (bytes.size() - at >= kHeaderBytes) {
    const absl::string_view length_bytes = bytes.substr(at, 8);
    if (GetLittleEndian(bytes.substr(at + 8, 4)) != MaskedCrc32c(length_bytes)) break;
    const uint64_t length = GetLittleEndian(length_bytes);
    const size_t left = bytes.size() - at - kHeaderBytes;
    if (left < kFooterBytes || length > left - kFooterBytes) break;
    const absl::string_view data = bytes.substr(at + kHeaderBytes, length);
    if (GetLittleEndian(bytes.substr(at + kHeaderBytes + length, 4)) != MaskedCrc32c(data)) break;
    records.data.emplace_back(data);
    at += kHeaderBytes + length + kFooterBytes;
    records.valid_bytes = at;
  }
  return records;
}

}  // namespace tensorboard
}  // namespace rwn
