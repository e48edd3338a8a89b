// main() of every rwn test above core: the runtime set-up first
// (torch_support/runtime.h), then gtest.
#include <gtest/gtest.h>

#include "torch_support/runtime.h"

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
