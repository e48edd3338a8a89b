// What the fuzz targets share (docs/fuzzing.md): the libFuzzer entry point
// they define, a scratch folder of their own, and writers for the files the
// readers under test open.
#ifndef RWN_FUZZ_FUZZ_SUPPORT_H_
#define RWN_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

// Defined by each fuzz target; called by libFuzzer, or by replay_main.cc for
// every file of the corpus in `bazel test`.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace rwn::fuzz {

// The runtime set up once (one libtorch thread), and a fresh folder of this
// process's under $TMPDIR, made once and removed at exit.
const std::string& ScratchDir();

// `data` as the file at `path`, plain or gzip-compressed.
void WriteBytes(const std::string& path, absl::string_view data);
void WriteGzip(const std::string& path, absl::string_view data);

inline absl::string_view View(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace rwn::fuzz

#endif  // RWN_FUZZ_FUZZ_SUPPORT_H_
