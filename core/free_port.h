// A free TCP port for rank 0's store (rwn launch, tests).
#ifndef RWN_CORE_FREE_PORT_H_
#define RWN_CORE_FREE_PORT_H_

#include "absl/status/statusor.h"

namespace rwn {

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreePort();

}  // namespace rwn

#endif  // RWN_CORE_FREE_PORT_H_
