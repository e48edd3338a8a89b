// A subcommand of the rwn command line: its name, its help, and the flags
// it takes. Each subcommand is one file (cli/<name>_command.cc) that
// defines its own flags; the flags several share are in cli/shared_flags.h.
// A flag a subcommand does not take is refused with exit code 2.
#ifndef RWN_CLI_COMMAND_H_
#define RWN_CLI_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace rwn::cli {

struct Command {
  const char* name;
  const char* usage;  // its lines of `rwn --help`
  // The file that defines the command's own flags (its __FILE__).
  const char* flags_file;
  // The shared flags (cli/shared_flags.h) it takes, without "--".
  std::vector<std::string> shared_flags;
  // Runs it after its flags are parsed; `forwarded` is what follows "--".
  int (*run)(const std::vector<std::string>& forwarded);
};

extern const Command kTrain, kLaunch, kSweep, kReport, kWeights, kExport, kCount;

// Prints "rwn: <message>" and returns the status's exit code (2 for bad
// input, 1 for anything else).
int Fail(const absl::Status& status);

// This program's path (/proc/self/exe), for commands that start it again.
std::string Self();

}  // namespace rwn::cli

#endif  // RWN_CLI_COMMAND_H_
