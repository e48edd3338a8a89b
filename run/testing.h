// A tiny run built from a spec, for the tests of every layer that trains
// (the trainer, checkpoints, the frozen prefix, reports) and benchmarks.
#ifndef RWN_RUN_TESTING_H_
#define RWN_RUN_TESTING_H_

#include <string>

#include "run/build.h"

namespace rwn {

// The ExperimentSpec of text `spec_text` (name "test" unless it sets one),
// built by BuildRun; fails the test when it does not build.
BuiltRun BuildRunOrDie(const std::string& spec_text, const BuildOptions& options = {});

}  // namespace rwn

#endif  // RWN_RUN_TESTING_H_
