// JPEG decoding and encoding with libjpeg-turbo (Debian's libturbojpeg0-dev).
#ifndef RWN_DATASETS_JPEG_H_
#define RWN_DATASETS_JPEG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rwn {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // height x width x 3, row-major (HWC)
};

// The most pixels DecodeJpeg decodes (16384 x 16384, 805 MB as RGB).
inline constexpr int64_t kMaxJpegPixels = int64_t{1} << 28;

// Decodes `jpeg` to RGB (grayscale JPEGs become three equal channels). The
// error says what libjpeg-turbo found, or that the header declares more
// pixels than kMaxJpegPixels or than the file's size can hold (checked
// before anything is allocated).
absl::StatusOr<RgbImage> DecodeJpeg(absl::string_view jpeg);

// Encodes `image` at `quality` (1-100), 4:4:4 chroma, for writing test data.
absl::StatusOr<std::string> EncodeJpeg(const RgbImage& image, int quality);

}  // namespace rwn

#endif  // RWN_DATASETS_JPEG_H_
