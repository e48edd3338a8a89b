// The line a finished (or already finished) run prints.
#ifndef RWN_CLI_OUTCOME_H_
#define RWN_CLI_OUTCOME_H_

#include "absl/status/statusor.h"
#include "run/run_options.h"

namespace rwn::cli {

// Prints the outcome's line and folder and returns 0, or fails with its
// status.
int PrintOutcome(const absl::StatusOr<RunOutcome>& outcome);

}  // namespace rwn::cli

#endif  // RWN_CLI_OUTCOME_H_
