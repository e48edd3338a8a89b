#include "datasets/jpeg.h"

#include <turbojpeg.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace rwn {
namespace {

struct HandleCloser {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleCloser>;

// A Huffman-coded JPEG spends at least one bit on each 8x8 block's DC value,
// so it holds at most 512 pixels per byte; far more means a corrupt file
// (or an arithmetic-coded one of a flat colour, which nobody makes).
constexpr int64_t kMaxPixelsPerByte = 4096;

}  // namespace

absl::StatusOr<RgbImage> DecodeJpeg(absl::string_view jpeg) {
  Handle handle(tjInitDecompress());
  if (!handle) return absl::InternalError("libjpeg-turbo: cannot create a decompressor");
  auto* data = reinterpret_cast<const unsigned char*>(jpeg.data());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, jpeg.size(), &width, &height, &subsampling,
                          &colorspace) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JPEG (", tjGetErrorStr2(handle.get()), ")"));
  }
  // The header alone names the size: refuse one the data cannot hold before
  // allocating it (a 25-byte file declared 64520x65323 pixels, 12.6 GB).
  const int64_t pixels = int64_t{width} * height;
  if (pixels > kMaxJpegPixels || pixels > kMaxPixelsPerByte * static_cast<int64_t>(jpeg.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a JPEG of ", jpeg.size(), " bytes that declares ", width, "x", height,
        " pixels; allowed: at most ", kMaxPixelsPerByte, " pixels per byte of the file and ",
        kMaxJpegPixels, " pixels in all (truncated or corrupt?)"));
  }
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<size_t>(width) * height * 3);
  // Warnings (a truncated file decodes as grey) count as errors too.
  if (tjDecompress2(handle.get(), data, jpeg.size(), image.pixels.data(), width, 0, height,
                    TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot decode the JPEG (", tjGetErrorStr2(handle.get()), ")"));
  }
  return image;
}

absl::StatusOr<std::string> EncodeJpeg(const RgbImage& image, int quality) {
  Handle handle(tjInitCompress());
  if (!handle) return absl::InternalError("libjpeg-turbo: cannot create a compressor");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompress2(handle.get(), image.pixels.data(), image.width, 0, image.height, TJPF_RGB, &out,
                  &size, TJSAMP_444, quality, TJFLAG_ACCURATEDCT) != 0) {
    return absl::InternalError(absl::StrCat("cannot encode JPEG: ", tjGetErrorStr2(handle.get())));
  }
  std::string jpeg(reinterpret_cast<char*>(out), size);
  tjFree(out);
  return jpeg;
}

}  // namespace rwn
