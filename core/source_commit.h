// Which rwn source a process runs, for the record of a run: $RWN_COMMIT
// when set; else, under `bazel run` (which sets $BUILD_WORKSPACE_DIRECTORY to
// the checkout it built from), that checkout's `git describe --always
// --dirty --abbrev=12`; else "" (unknown, e.g. a binary run from bazel-bin).
#ifndef RWN_CORE_SOURCE_COMMIT_H_
#define RWN_CORE_SOURCE_COMMIT_H_

#include <string>

namespace rwn {

// Computed once per process, and exported as $RWN_COMMIT so that the
// processes it starts (sweep workers, ranks) record the same.
std::string SourceCommit();

}  // namespace rwn

#endif  // RWN_CORE_SOURCE_COMMIT_H_
