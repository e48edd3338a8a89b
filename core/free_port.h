// A free TCP port for rank 0's store (rwn launch, tests).
#ifndef RWN_CORE_FREE_PORT_H_
#define RWN_CORE_FREE_PORT_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace rwn {

// A TCP port on 127.0.0.1 that was free a moment ago, drawn at random from
// below the kernel's ephemeral range. Every bind to port 0 and every
// outgoing connection on the machine takes its port from that range, so a
// port found there (as binding port 0 finds one) can be taken by another
// process before the caller binds it; below it, only a process that names
// the same port can.
absl::StatusOr<int> FreePort();

// FreePort with the ephemeral range starting at `first_ephemeral`: a port
// drawn from [10000, first_ephemeral) when that holds 1000 ports or more,
// else the kernel's choice.
absl::StatusOr<int> FreePortBelow(int first_ephemeral);

// The kernel's ephemeral range, [first, last], from the text of
// /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n").
absl::StatusOr<std::pair<int, int>> ParseEphemeralRange(const std::string& text);

}  // namespace rwn

#endif  // RWN_CORE_FREE_PORT_H_
