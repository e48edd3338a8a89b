// Flags that several subcommands take (cli/command.h lists which).
#ifndef RWN_CLI_SHARED_FLAGS_H_
#define RWN_CLI_SHARED_FLAGS_H_

#include <gflags/gflags.h>

DECLARE_string(spec);
DECLARE_string(out);
DECLARE_string(run);
DECLARE_string(runs);
DECLARE_int32(threads);
DECLARE_bool(quiet);
DECLARE_int32(checkpoint_every);
DECLARE_int32(log_every_n_steps);
DECLARE_int32(master_port);
DECLARE_string(device);
DECLARE_bool(deterministic);

#endif  // RWN_CLI_SHARED_FLAGS_H_
