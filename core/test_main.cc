// main() of every rwn test: runtime set-up first (core/runtime.h), then gtest.
#include <gtest/gtest.h>

#include "core/runtime.h"

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
