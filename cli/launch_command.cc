// rwn launch: N local ranks of an rwn command (run/launch.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/shared_flags.h"
#include "run/launch.h"
#include "torch_support/runtime.h"

DEFINE_int32(nproc, 0, "number of local ranks");

namespace rwn::cli {
namespace {

int Launch(const std::vector<std::string>& forwarded) {
  LaunchOptions options;
  options.nproc = FLAGS_nproc;
  options.master_port = FLAGS_master_port;
  const std::string self = Self();
  if (self.empty()) return Fail(absl::InternalError("cannot find this program (/proc/self/exe)"));
  options.argv = {self};
  options.argv.insert(options.argv.end(), forwarded.begin(), forwarded.end());
  const bool has_threads =
      std::any_of(forwarded.begin(), forwarded.end(),
                  [](const std::string& a) { return a.rfind("--threads", 0) == 0; });
  if (!has_threads && FLAGS_nproc > 0) {
    // The ranks share the cores.
    options.argv.push_back(absl::StrCat("--threads=", std::max(1, DefaultThreads() / FLAGS_nproc)));
  }
  absl::StatusOr<int> code = rwn::Launch(options);
  if (!code.ok()) return Fail(code.status());
  return *code;
}

}  // namespace

const Command kLaunch{"launch",
                      "  rwn launch --nproc=N [--master_port=P] -- train --spec=F.pbtxt ...\n"
                      "      runs N local ranks of the command, output prefixed by rank; the\n"
                      "      first rank to fail stops the others and gives the exit code;\n"
                      "      the ranks get a fresh RWN_DIST_SECRET unless one is set.\n",
                      __FILE__,
                      {"master_port"},
                      Launch};

}  // namespace rwn::cli
