#include "fuzz/fuzz_support.h"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "torch_support/runtime.h"

namespace rwn::fuzz {

const std::string& ScratchDir() {
  static const std::string* dir = [] {
    InitRuntime(1);
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/rwn-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("rwn fuzz: mkdtemp");
      std::abort();
    }
    auto* made = new std::string(pattern);
    std::atexit([] {
      std::error_code error;
      std::filesystem::remove_all(ScratchDir(), error);
    });
    return made;
  }();
  return *dir;
}

void WriteBytes(const std::string& path, absl::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

void WriteGzip(const std::string& path, absl::string_view data) {
  gzFile out = gzopen(path.c_str(), "wb1");
  if (out == nullptr) std::abort();
  if (!data.empty()) gzwrite(out, data.data(), static_cast<unsigned>(data.size()));
  gzclose(out);
}

}  // namespace rwn::fuzz
