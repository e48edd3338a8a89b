#include "core/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"

namespace rwn {
namespace {

struct Armed {
  std::string point;  // empty: no crash point armed
  int64_t at = 0;
  std::atomic<int64_t> passes{0};
};

// RWN_CRASH_AT, read once.
Armed& ArmedPoint() {
  static Armed* armed = [] {
    auto* a = new Armed;
    const char* text = std::getenv(kCrashAtVariable);
    if (text == nullptr) return a;
    const std::string value = text;
    const size_t colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(value.substr(colon + 1), &a->at) || a->at < 1) {
      std::fprintf(stderr, "rwn: %s=%s; allowed: <point>:<n>, n >= 1 (core/crash_point.h)\n",
                   kCrashAtVariable, text);
      std::exit(2);
    }
    a->point = value.substr(0, colon);
    return a;
  }();
  return *armed;
}

}  // namespace

void CrashPoint(absl::string_view point) {
  Armed& armed = ArmedPoint();
  if (armed.point.empty() || armed.point != point) return;
  if (armed.passes.fetch_add(1) + 1 == armed.at) kill(getpid(), SIGKILL);
}

}  // namespace rwn
