// `rwn launch --nproc=N -- <rwn command and flags>`: N ranks of one command
// on this machine, as torchrun starts them. Each rank is a child process
// with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR
// (127.0.0.1), MASTER_PORT and a fresh RWN_DIST_SECRET set; its output lines are forwarded with a
// "[rank i] " prefix. When a rank fails, the others are stopped (SIGTERM,
// then SIGKILL after a grace period) and its exit code is returned.
#ifndef RWN_RUN_LAUNCH_H_
#define RWN_RUN_LAUNCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/free_port.h"

namespace rwn {

struct LaunchOptions {
  int nproc = 1;
  int master_port = 0;            // 0: a free port on 127.0.0.1
  std::vector<std::string> argv;  // the command each rank runs (argv[0] is the program)
  int grace_seconds = 10;         // SIGTERM to SIGKILL
  // The ranks' RWN_DIST_SECRET; Launch makes a fresh one unless the
  // environment already has RWN_DIST_SECRET or RWN_DIST_SECRET_FILE.
  std::string secret;
};

// Runs the ranks to the end; returns 0 when all exit 0, else the first
// non-zero exit code (128 + signal for a rank killed by a signal).
absl::StatusOr<int> Launch(const LaunchOptions& options);

}  // namespace rwn

#endif  // RWN_RUN_LAUNCH_H_
