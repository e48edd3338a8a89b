// The exit code of a command that failed with `status`: 2 for bad input (a
// bad spec, flag or file, a corrupt or mismatched checkpoint), 3 for a run
// that diverged (train/divergence.h), 1 for anything else.
#ifndef RWN_CORE_EXIT_CODE_H_
#define RWN_CORE_EXIT_CODE_H_

#include "absl/status/status.h"

namespace rwn {

inline constexpr int kExitBadInput = 2;
inline constexpr int kExitDiverged = 3;

// The payload type URL that marks a status as a diverged run's.
inline constexpr char kDivergedPayload[] = "type.googleapis.com/rwn.Divergence";

inline int ExitCodeFor(const absl::Status& status) {
  if (status.GetPayload(kDivergedPayload).has_value()) return kExitDiverged;
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kDataLoss:
      return kExitBadInput;
    default:
      return 1;
  }
}

}  // namespace rwn

#endif  // RWN_CORE_EXIT_CODE_H_
