// A run folder: where one spec's run lives, and what it holds
// (docs/design.md, "The run folder").
//
//   <out>/<spec name>/<fingerprint of the spec>/
//     spec.pbtxt     the spec as run
//     metrics.jsonl  one EpochMetrics per epoch (train/metrics.proto)
//     checkpoint.rwn the learned tensors, optimizer state and history after
//                    the last checkpointed epoch (train/checkpoint.h); kept
//                    when the run finishes, as its learned delta
//     summary.json   RunSummary; written last, so it marks a finished run
//     log.txt        the epoch lines
//     .lock          flock'ed by the process training the run
//
// An ensemble's folder also holds base/ and member-1/ ... (run/ensemble.h).
#ifndef RWN_RUN_RUN_FOLDER_H_
#define RWN_RUN_RUN_FOLDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/files.h"
#include "experiments/experiment.pb.h"
#include "train/metrics.pb.h"

namespace rwn {

class RunFolder {
 public:
  explicit RunFolder(std::string dir) : dir_(std::move(dir)) {}
  // The folder of `spec` under the runs folder `out`.
  static RunFolder Of(const ExperimentSpec& spec, const std::string& out);

  const std::string& dir() const { return dir_; }
  std::string spec() const { return dir_ + "/spec.pbtxt"; }
  std::string metrics() const { return dir_ + "/metrics.jsonl"; }
  std::string checkpoint() const { return dir_ + "/checkpoint.rwn"; }
  std::string summary() const { return dir_ + "/summary.json"; }
  std::string log() const { return dir_ + "/log.txt"; }
  std::string lock() const { return dir_ + "/.lock"; }
  // A sub-run's folder, e.g. an ensemble's "base".
  RunFolder Sub(const std::string& name) const { return RunFolder(dir_ + "/" + name); }

  // Whether it holds a spec (it was started), a summary (it finished), a
  // checkpoint, and whether a process trains it now.
  bool IsRun() const;
  bool Finished() const;
  bool HasCheckpoint() const;
  bool BeingTrained() const;

  // summary.json: read (DataLoss when it is not a summary) and written
  // atomically.
  absl::StatusOr<RunSummary> ReadSummary() const;
  absl::Status WriteSummary(const RunSummary& summary) const;
  // metrics.jsonl, one EpochMetrics a line (none before the first epoch
  // ends); DataLoss naming the line that is not one.
  absl::StatusOr<std::vector<EpochMetrics>> ReadMetrics() const;
  // spec.pbtxt, parsed.
  absl::StatusOr<ExperimentSpec> ReadSpec() const;

  // Creates the folder and takes its lock; FailedPrecondition naming the
  // folder when it cannot be created or another process trains it.
  absl::StatusOr<FileLock> CreateAndLock() const;
  // Deletes the folder, unless a process trains it (FailedPrecondition).
  absl::Status Remove() const;

 private:
  std::string dir_;
};

// A message as JSON with the proto field names, every field printed.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace rwn

#endif  // RWN_RUN_RUN_FOLDER_H_
