// Fuzzes the Fashion-MNIST reader (IDX images and labels, gzip-compressed):
// the input's first 4 bytes (little-endian) are the length of the images
// file, which the rest starts with; the labels file is what follows. Both are
// written gzipped as the train and the test files, and the dataset is built
// from them.
#include <algorithm>

#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"
#include "datasets/fashion_mnist.pb.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwn;
  const std::string& dir = fuzz::ScratchDir();
  if (size < 4) return 0;
  const absl::string_view rest = fuzz::View(data + 4, size - 4);
  const size_t split = std::min<size_t>(
      rest.size(), data[0] | data[1] << 8 | data[2] << 16 | uint32_t{data[3]} << 24);
  for (const char* prefix : {"/train", "/t10k"}) {
    fuzz::WriteGzip(dir + prefix + "-images-idx3-ubyte.gz", rest.substr(0, split));
    fuzz::WriteGzip(dir + prefix + "-labels-idx1-ubyte.gz", rest.substr(split));
  }
  DatasetSpec spec;
  spec.mutable_fashion_mnist()->set_dir(dir);
  DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{}).status().IgnoreError();
  return 0;
}
