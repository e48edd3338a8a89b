// rwn train: one spec into its run folder, on one rank or as one rank of
// data-parallel training.
#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/outcome.h"
#include "cli/shared_flags.h"
#include "core/source_commit.h"
#include "run/run.h"
#include "torch_support/runtime.h"
#include "train/device.h"
#include "train/distributed.h"

DEFINE_bool(restart, false, "discard the spec's run folder (finished or not) and start afresh");
DEFINE_int32(rank, -1, "this process's rank (default: $RANK, else 0)");
DEFINE_int32(world_size, 0, "number of ranks (default: $WORLD_SIZE, else 1)");
DEFINE_string(master_addr, "", "rank 0's address (default: $MASTER_ADDR, else 127.0.0.1)");
DEFINE_double(dist_timeout, 300, "seconds a rank waits for its peers before failing");

namespace rwn::cli {
namespace {

// The ranks of data-parallel training: torchrun's variables, overridden by
// flags.
absl::StatusOr<DistributedOptions> Distributed() {
  DistributedOptions distributed;
  if (absl::Status read = ReadDistributedEnvironment(&distributed); !read.ok()) return read;
  if (FLAGS_rank >= 0) distributed.rank = FLAGS_rank;
  if (FLAGS_world_size > 0) distributed.world_size = FLAGS_world_size;
  if (!FLAGS_master_addr.empty()) distributed.master_addr = FLAGS_master_addr;
  if (FLAGS_master_port > 0) distributed.master_port = FLAGS_master_port;
  distributed.timeout = std::chrono::milliseconds(static_cast<int64_t>(FLAGS_dist_timeout * 1000));
  if (absl::Status valid = ValidateDistributedOptions(distributed); !valid.ok()) return valid;
  return distributed;
}

int Train(const std::vector<std::string>&) {
  if (FLAGS_spec.empty()) return Fail(absl::InvalidArgumentError("train needs --spec=F.pbtxt"));
  RunOptions options;
  options.out = FLAGS_out;
  options.threads = InitRuntime(FLAGS_threads);
  options.quiet = FLAGS_quiet;
  options.checkpoint_every = FLAGS_checkpoint_every;
  options.log_every_n_steps = FLAGS_log_every_n_steps;
  options.commit = SourceCommit();
  options.restart = FLAGS_restart;
  absl::StatusOr<std::string> device = ResolveDevice(FLAGS_device);
  if (!device.ok()) return Fail(device.status());
  options.device = *device;
  options.deterministic = FLAGS_deterministic;
  absl::StatusOr<DistributedOptions> distributed = Distributed();
  if (!distributed.ok()) return Fail(distributed.status());
  distributed->device = options.device;
  std::unique_ptr<Communicator> communicator;
  if (distributed->world_size > 1) {
    // A spec that cannot be read, or a bad value in it, fails every rank
    // alike before they meet: a rank that failed after would leave the
    // others with a rendezvous error instead of the reason.
    if (absl::StatusOr<ExperimentSpec> spec = ReadExperimentFile(FLAGS_spec, options.device);
        !spec.ok()) {
      return Fail(spec.status());
    }
    absl::StatusOr<std::unique_ptr<Communicator>> connected = Communicator::Connect(*distributed);
    if (!connected.ok()) return Fail(connected.status());
    communicator = std::move(*connected);
    options.communicator = communicator.get();
  }
  return PrintOutcome(RunExperimentFile(FLAGS_spec, options));
}

}  // namespace

const Command kTrain{"train",
                     "  rwn train --spec=F.pbtxt [--out=runs] [--threads=N] [--quiet]\n"
                     "            [--checkpoint_every=1] [--log_every_n_steps=10] [--restart]\n"
                     "            [--device=cpu] [--deterministic]\n"
                     "      trains the spec into <out>/<name>/<fingerprint>/ (spec.pbtxt,\n"
                     "      metrics.jsonl, checkpoint.rwn, summary.json, log.txt, and the\n"
                     "      TensorBoard curves events.out.tfevents.rwn). Rerunning\n"
                     "      resumes an unfinished run from its checkpoint and does not rerun a\n"
                     "      finished one; --restart starts afresh. A non-finite loss (or one\n"
                     "      above the spec's max_loss) stops the run, marks it diverged and\n"
                     "      exits 3. With WORLD_SIZE > 1 (or --world_size, --rank,\n"
                     "      --master_addr, --master_port) it is one rank of data-parallel\n"
                     "      training over torch's c10d (Gloo; NCCL between GPUs); every rank\n"
                     "      needs the run's secret in RWN_DIST_SECRET or RWN_DIST_SECRET_FILE.\n",
                     __FILE__,
                     {"spec", "out", "threads", "quiet", "checkpoint_every", "log_every_n_steps",
                      "master_port", "device", "deterministic"},
                     Train};

}  // namespace rwn::cli
