// Fuzzes the CIFAR binary reader: the input as one file of CIFAR-10 records
// (1 label byte) and as one of CIFAR-100 records (coarse and fine labels).
#include "datasets/cifar_binary.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwn;
  const std::string path = fuzz::ScratchDir() + "/data_batch.bin";
  fuzz::WriteBytes(path, fuzz::View(data, size));
  ReadCifarFiles({path}, CifarFormat{1, 0, 10}).status().IgnoreError();
  ReadCifarFiles({path}, CifarFormat{2, 1, 100}).status().IgnoreError();
  return 0;
}
