// Test helpers for optimizers.
#ifndef RWN_OPTIM_TESTING_H_
#define RWN_OPTIM_TESTING_H_

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "optim/optimizer.h"
#include "optim/optimizer.pb.h"

namespace rwn {

// The optimizer of `spec` on `params`; a failed test (and null) if it fails.
inline std::unique_ptr<Optimizer> MakeOptimizer(const OptimizerSpec& spec,
                                                std::vector<LearnedTensor> params) {
  auto made = OptimizerRegistry::Global().CreateFromOneof(spec, OptimizerContext{params});
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? std::move(*made) : nullptr;
}

}  // namespace rwn

#endif  // RWN_OPTIM_TESTING_H_
