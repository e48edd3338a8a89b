#include "core/free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rwn {
namespace {

// The lowest port drawn: above the ports services commonly listen on.
constexpr int kLowest = 10000;
// Linux's default first ephemeral port, when /proc does not say.
constexpr int kDefaultEphemeral = 32768;

// Binds `port` on 127.0.0.1 (0: any); returns the port bound, or -1 and
// the reason in `why`.
int TryBind(int port, std::string* why) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    *why = absl::StrCat("socket: ", std::strerror(errno));
    return -1;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t length = sizeof address;
  int bound = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    bound = ntohs(address.sin_port);
  } else {
    *why = std::strerror(errno);
  }
  close(fd);
  return bound;
}

int FirstEphemeralPort() {
  std::ifstream file("/proc/sys/net/ipv4/ip_local_port_range");
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<std::pair<int, int>> range = ParseEphemeralRange(text.str());
  return range.ok() ? range->first : kDefaultEphemeral;
}

}  // namespace

absl::StatusOr<std::pair<int, int>> ParseEphemeralRange(const std::string& text) {
  const std::vector<std::string> fields =
      absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
  int first = 0, last = 0;
  if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &first) ||
      !absl::SimpleAtoi(fields[1], &last) || first < 1 || first > last || last > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("ephemeral port range '", text, "'; allowed: two ports, first <= last"));
  }
  return std::make_pair(first, last);
}

absl::StatusOr<int> FreePort() { return FreePortBelow(FirstEphemeralPort()); }

absl::StatusOr<int> FreePortBelow(int first_ephemeral) {
  std::string why;
  if (first_ephemeral - kLowest >= 1000) {  // room enough for a random draw
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> draw(kLowest, first_ephemeral - 1);
    for (int attempt = 0; attempt < 64; ++attempt) {
      const int port = TryBind(draw(random), &why);
      if (port > 0) return port;
    }
  }
  const int port = TryBind(0, &why);  // the kernel's choice, as a last resort
  if (port > 0) return port;
  return absl::InternalError(absl::StrCat("cannot find a free port on 127.0.0.1: ", why));
}

}  // namespace rwn
