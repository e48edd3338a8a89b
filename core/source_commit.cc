#include "core/source_commit.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/shell.h"

namespace rwn {
namespace {

std::string Describe() {
  if (const char* set = std::getenv("RWN_COMMIT")) return set;
  const char* checkout = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (checkout == nullptr) return "";
  const auto [status, output] = RunShell(absl::StrCat(
      "git -C ", ShellQuote(checkout), " describe --always --dirty --abbrev=12 2>/dev/null"));
  if (status != 0) return "";
  return std::string(absl::StripAsciiWhitespace(output));
}

}  // namespace

std::string SourceCommit() {
  static const std::string commit = [] {
    const std::string described = Describe();
    if (!described.empty()) ::setenv("RWN_COMMIT", described.c_str(), /*overwrite=*/1);
    return described;
  }();
  return commit;
}

}  // namespace rwn
