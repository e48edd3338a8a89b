// Data-parallel training on torch's own c10d engine:
// ranks meet through a c10d::TCPStore on MASTER_ADDR:MASTER_PORT and talk
// through a c10d::ProcessGroupGloo for CPU tensors and, when the ranks train
// on GPUs, a c10d::ProcessGroupNCCL for the GPU tensors (gradients and the
// first broadcast never leave the GPU). The same variables as torchrun's say
// who is who; flags override them.
//
// What the trainer does with a Communicator (train/trainer.h): rank 0's
// learned tensors are broadcast at the start; each rank reads its own shard
// of every epoch's order; after each backward pass the learned tensors'
// gradients (only those) are summed across ranks in flat buckets and
// averaged; batch-norm statistics stay per rank. Every c10d failure (a peer
// that never joins, dies or stalls past the timeout) becomes a Status that
// names the rank, the peer count and the timeout; never a hang or an abort.
#ifndef RWN_TRAIN_DISTRIBUTED_H_
#define RWN_TRAIN_DISTRIBUTED_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace at {
class Tensor;
}  // namespace at

namespace rwn {

struct DistributedOptions {
  int rank = 0;
  int world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // How long a rank waits for its peers, at rendezvous and in every
  // collective, before giving up with an error.
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // Gradients are all-reduced in flat buckets of about this many bytes
  // (PyTorch DDP's default bucket is 25 MB).
  int64_t bucket_bytes = 25 << 20;
  // This rank's device ("cpu" or "cuda:N"); a GPU adds NCCL.
  std::string device = "cpu";
  // What every rank proves it holds before it may join (core/secret.h,
  // train/rendezvous.h); needed when world_size > 1.
  std::string secret;
};

// The c10d backend for tensors on `device`: "nccl" for a GPU, "gloo" for the
// CPU.
std::string BackendFor(const std::string& device);

// Fills options from RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and the
// secret (RWN_DIST_SECRET or RWN_DIST_SECRET_FILE) where set; InvalidArgument
// names a variable that is not a number or out of range, or a bad secret.
absl::Status ReadDistributedEnvironment(DistributedOptions* options);

// Checks rank, world size, port, timeout and that several ranks have a
// secret; InvalidArgument names the value and what is allowed.
absl::Status ValidateDistributedOptions(const DistributedOptions& options);

class Communicator {
 public:
  // Meets the other ranks, each proving the secret (train/rendezvous.h);
  // DeadlineExceeded when they do not all arrive within the timeout,
  // PermissionDenied when this rank is refused or rank 0 holds no secret.
  static absl::StatusOr<std::unique_ptr<Communicator>> Connect(const DistributedOptions& options);
  ~Communicator();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  const DistributedOptions& options() const { return options_; }

  // Overwrites `tensors` on every rank with rank 0's values.
  absl::Status Broadcast(const std::vector<at::Tensor>& tensors);
  // Replaces each tensor by the mean over ranks, flattening them into
  // buckets of options().bucket_bytes (one all-reduce per bucket).
  absl::Status AllReduceMean(const std::vector<at::Tensor>& tensors);
  // Sums `values` over ranks, in place (float64; for metrics).
  absl::Status AllReduceSum(std::vector<double>* values);
  // Whether every rank holds the same `fingerprint` (e.g. of its weights).
  absl::StatusOr<bool> AllEqual(uint64_t fingerprint);

  // Bytes this rank has handed to gradient all-reduces, and the calls.
  int64_t reduced_bytes() const { return reduced_bytes_; }
  int64_t reduce_calls() const { return reduce_calls_; }

 private:
  struct Engine;
  Communicator(const DistributedOptions& options, std::unique_ptr<Engine> engine);
  absl::Status Failed(const char* what, const std::exception& error) const;

  DistributedOptions options_;
  std::unique_ptr<Engine> engine_;
  int64_t reduced_bytes_ = 0;
  int64_t reduce_calls_ = 0;
};

}  // namespace rwn

#endif  // RWN_TRAIN_DISTRIBUTED_H_
