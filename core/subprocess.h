// Starting a program as a child process (fork and exec): sweep workers,
// launched ranks, and the tests that start rwn. For a shell command whose
// output is read whole, see core/shell.h.
#ifndef RWN_CORE_SUBPROCESS_H_
#define RWN_CORE_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rwn {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is the program's path
  // Set in the child's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // stdout and stderr go to this file (created or truncated; appended to
  // with `append`)...
  std::string output_file;
  bool append = false;
  // ... or to this descriptor (e.g. a pipe's write end), or, with neither,
  // to this process's.
  int output_fd = -1;
  bool new_session = false;  // setsid(): the child leads its own process group
};

// Starts the child and returns its pid. A program that cannot be executed
// makes the child print why and exit 127.
absl::StatusOr<pid_t> Spawn(const SpawnOptions& options);

// The exit code of a waitpid() status: the code, or 128 + the signal.
int ExitCode(int wait_status);

// Waits for child `pid` and returns its ExitCode.
int WaitFor(pid_t pid);

}  // namespace rwn

#endif  // RWN_CORE_SUBPROCESS_H_
