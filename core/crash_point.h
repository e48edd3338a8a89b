// Crash points: named moments at which a test can have the process kill
// itself with SIGKILL, to show that kill -9 at exactly that moment loses
// nothing (tests/kill_anywhere_test.cc). RWN_CRASH_AT=<point>:<n> kills the
// process the n-th time it passes <point>; unset (always, outside such
// tests), CrashPoint costs one comparison.
//
// The points: "step" (after each optimizer step), "evaluate" (after each
// evaluation batch), and for a file <name> written by core/files.h:
// "created:<name>", "written:<name>" (before its fsync), "synced:<name>"
// (before its rename), "renamed:<name>" (before its folder's fsync), and
// "appending:<name>" (half of a line appended).
#ifndef RWN_CORE_CRASH_POINT_H_
#define RWN_CORE_CRASH_POINT_H_

#include "absl/strings/string_view.h"

namespace rwn {

inline constexpr char kCrashAtVariable[] = "RWN_CRASH_AT";

void CrashPoint(absl::string_view point);

}  // namespace rwn

#endif  // RWN_CORE_CRASH_POINT_H_
