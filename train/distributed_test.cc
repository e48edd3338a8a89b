// Which c10d backend a rank's device gets, and what a build without NCCL
// says when GPU ranks ask for it (no GPU needed).
#include "train/distributed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "core/free_port.h"
#include "core/testing.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

TEST(BackendTest, NcclForGpusAndGlooForTheCpu) {
  EXPECT_EQ(BackendFor("cuda:0"), "nccl");
  EXPECT_EQ(BackendFor("cuda:3"), "nccl");
  EXPECT_EQ(BackendFor("cpu"), "gloo");
}

DistributedOptions OneRankOn(const std::string& device) {
  DistributedOptions options;
  options.device = device;
  options.master_port = *FreePort();
  options.timeout = std::chrono::seconds(20);
  return options;
}

TEST(BackendTest, CpuRanksConnectOverGloo) {
  absl::StatusOr<std::unique_ptr<Communicator>> ranks = Communicator::Connect(OneRankOn("cpu"));
  ASSERT_OK(ranks);
  EXPECT_EQ((*ranks)->world_size(), 1);
}

TEST(BackendTest, GpuRanksStartNccl) {
  absl::StatusOr<std::unique_ptr<Communicator>> ranks = Communicator::Connect(OneRankOn("cuda:0"));
#ifndef RWN_LIBTORCH_HAS_NCCL
  // This libtorch has no NCCL: refused before any rendezvous, as bad input.
  EXPECT_EQ(ranks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ranks.status().message(), HasSubstr("--device=cuda:0 with 1 ranks needs NCCL"));
#else
  if (torch::cuda::is_available()) {
    ASSERT_OK(ranks);
  } else {
    // NCCL is there and was started: it is NCCL that finds no GPU.
    EXPECT_FALSE(ranks.ok());
    EXPECT_THAT(ranks.status().message(), HasSubstr("NCCL"));
  }
#endif
}

}  // namespace
}  // namespace rwn
