// main() of every rwn test above core: the runtime set-up first
// (torch_support/runtime.h), with one libtorch thread (tests run two at a
// time on a 2-core machine; a test about threads sets its own count), then
// gtest.
#include <gtest/gtest.h>

#include "torch_support/runtime.h"

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/1);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
