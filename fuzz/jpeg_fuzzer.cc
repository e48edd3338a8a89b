// Fuzzes the JPEG decoder the Tiny-ImageNet reader uses (libjpeg-turbo
// through datasets/jpeg.h).
#include "datasets/jpeg.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rwn::DecodeJpeg(rwn::fuzz::View(data, size)).status().IgnoreError();
  return 0;
}
