// FreePort draws from below the kernel's ephemeral range, where no bind to
// port 0 and no outgoing connection can take the port before rank 0 binds it.
#include "core/free_port.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/testing.h"

namespace rwn {
namespace {

TEST(ParseEphemeralRangeTest, ReadsTheKernelsFormat) {
  absl::StatusOr<std::pair<int, int>> range = ParseEphemeralRange("32768\t60999\n");
  ASSERT_OK(range);
  EXPECT_EQ(range->first, 32768);
  EXPECT_EQ(range->second, 60999);
}

TEST(ParseEphemeralRangeTest, RefusesWhatIsNotARange) {
  for (const char* text : {"", "32768", "60999 32768", "0 100", "1024 70000", "a b"}) {
    absl::StatusOr<std::pair<int, int>> range = ParseEphemeralRange(text);
    ASSERT_FALSE(range.ok()) << text;
    EXPECT_NE(range.status().message().find(absl::StrCat("'", text, "'")), std::string::npos)
        << range.status();
  }
}

// Whether `port` can be bound on 127.0.0.1 now.
bool Bindable(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return bound;
}

TEST(FreePortTest, DrawsABindablePortBelowTheEphemeralRange) {
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<int> port = FreePortBelow(32768);
    ASSERT_OK(port);
    EXPECT_GE(*port, 10000);
    EXPECT_LT(*port, 32768);
    EXPECT_TRUE(Bindable(*port)) << *port;
  }
}

// This machine's ephemeral range.
std::pair<int, int> EphemeralRange() {
  std::ifstream file("/proc/sys/net/ipv4/ip_local_port_range");
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<std::pair<int, int>> range = ParseEphemeralRange(text.str());
  EXPECT_OK(range);
  return range.ok() ? *range : std::make_pair(0, 0);
}

TEST(FreePortTest, TakesTheKernelsChoiceWhenTheRangeLeavesNoRoom) {
  // Under 10500 fewer than 1000 ports lie between 10000 and the range: the
  // port is the kernel's, from this machine's real ephemeral range.
  const auto [first, last] = EphemeralRange();
  absl::StatusOr<int> port = FreePortBelow(10500);
  ASSERT_OK(port);
  EXPECT_GE(*port, first);
  EXPECT_LE(*port, last);
  EXPECT_TRUE(Bindable(*port)) << *port;
}

TEST(FreePortTest, UsesThisMachinesRange) {
  const auto [first, last] = EphemeralRange();
  absl::StatusOr<int> port = FreePort();
  ASSERT_OK(port);
  EXPECT_TRUE(Bindable(*port)) << *port;
  if (first - 10000 >= 1000) {
    EXPECT_GE(*port, 10000);
    EXPECT_LT(*port, first);
  } else {
    EXPECT_GE(*port, first);
    EXPECT_LE(*port, last);
  }
}

}  // namespace
}  // namespace rwn
