#include "cli/command.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/exit_code.h"

namespace rwn::cli {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "rwn: %s\n", std::string(status.message()).c_str());
  return ExitCodeFor(status);
}

std::string Self() {
  std::error_code error;
  return std::filesystem::read_symlink("/proc/self/exe", error).string();
}

}  // namespace rwn::cli
