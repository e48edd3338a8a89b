// Fuzzes the Tiny-ImageNet reader's listing: the input is
// val/val_annotations.txt of a release folder whose other files are fixed
// (wnids.txt with classes n01 and n02, one 64x64 train image each, and the
// validation images v1.JPEG and v2.JPEG); the dataset is built from it, its
// decode cache removed after each input.
#include <filesystem>

#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"
#include "datasets/jpeg.h"
#include "datasets/tiny_imagenet.pb.h"
#include "fuzz/fuzz_support.h"

namespace rwn::fuzz {
namespace {

// The fixed part of the release folder, made once; returns its path.
const std::string& Release() {
  static const std::string* dir = [] {
    namespace fs = std::filesystem;
    auto* root = new std::string(ScratchDir() + "/tiny-imagenet");
    RgbImage image{64, 64, std::vector<uint8_t>(64 * 64 * 3, 128)};
    const std::string jpeg = EncodeJpeg(image, 90).value();
    for (const char* wnid : {"n01", "n02"}) {
      fs::create_directories(*root + "/train/" + wnid + "/images");
      WriteBytes(*root + "/train/" + wnid + "/images/" + wnid + "_0.JPEG", jpeg);
    }
    fs::create_directories(*root + "/val/images");
    WriteBytes(*root + "/val/images/v1.JPEG", jpeg);
    WriteBytes(*root + "/val/images/v2.JPEG", jpeg);
    WriteBytes(*root + "/wnids.txt", "n01\nn02\n");
    return root;
  }();
  return *dir;
}

}  // namespace
}  // namespace rwn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwn;
  const std::string& dir = fuzz::Release();
  fuzz::WriteBytes(dir + "/val/val_annotations.txt", fuzz::View(data, size));
  DatasetSpec spec;
  spec.mutable_tiny_imagenet()->set_dir(dir);
  spec.mutable_tiny_imagenet()->set_cache_dir(fuzz::ScratchDir() + "/cache");
  DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{}).status().IgnoreError();
  std::error_code error;
  std::filesystem::remove_all(fuzz::ScratchDir() + "/cache", error);
  return 0;
}
