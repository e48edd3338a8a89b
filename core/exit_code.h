// The exit code of a command that failed with `status`: 2 for bad input (a
// bad spec, flag or file, a corrupt or mismatched checkpoint), 1 for anything
// else.
#ifndef RWN_CORE_EXIT_CODE_H_
#define RWN_CORE_EXIT_CODE_H_

#include "absl/status/status.h"

namespace rwn {

inline int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kDataLoss:
      return 2;
    default:
      return 1;
  }
}

}  // namespace rwn

#endif  // RWN_CORE_EXIT_CODE_H_
