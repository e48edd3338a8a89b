// Running a sweep's points in worker processes on this machine.
//
// Each point runs in its own process (`rwn sweep --spec=F --point=K`), at
// most `workers` at a time, with the cores split between them. A finished
// or diverged point (its run folder has summary.json) is skipped; an
// unfinished one resumes from its checkpoint; a point that fails or diverges
// does not stop the others.
// Each worker's output goes to <out>/.sweep/<base name>/point-<K>.log.
#ifndef RWN_RUN_SWEEP_RUNNER_H_
#define RWN_RUN_SWEEP_RUNNER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/sweep.h"

namespace rwn {

struct SweepRunOptions {
  std::string spec_path;  // the sweep file, which workers read again
  std::string out = "runs";
  int workers = 1;
  int cores = 1;  // split between the workers: cores / workers threads each
  // A worker's argv before its flags, e.g. {"/path/to/rwn", "sweep"}.
  std::vector<std::string> worker_command;
  bool quiet = false;  // no progress lines on stderr
};

struct PointOutcome {
  enum State { kFinished, kAlreadyFinished, kFailed, kDiverged };
  int index = 0;
  std::string name;
  State state = kFailed;
  std::string reason;  // kFailed: the worker's last line of output; kDiverged: where
  double test_top1 = 0;
  double seconds = 0;
};

// Runs every point of the sweep; returns one outcome per point, in order.
// Errors only for problems of the sweep as a whole (cannot start workers).
absl::StatusOr<std::vector<PointOutcome>> RunSweep(const std::vector<SweepPoint>& points,
                                                   const SweepRunOptions& options);

// The folder of the workers' logs.
std::string SweepLogDir(const std::vector<SweepPoint>& points, const std::string& out);

// Where each point of a sweep stands, from its run folder and log, and from
// a scheduler's view of the points it still holds (`scheduled`: point index
// -> "pending" or "running", e.g. from squeue).
struct PointStatus {
  enum State { kFinished, kRunning, kPending, kFailed, kDiverged, kNotStarted };
  int index = 0;
  std::string name;
  State state = kNotStarted;
  std::string detail;  // finished: test top-1; failed: the log's last line; diverged: where
};
std::vector<PointStatus> SweepStatus(const std::vector<SweepPoint>& points, const std::string& out,
                                     const std::map<int, std::string>& scheduled);
const char* PointStateName(PointStatus::State state);

}  // namespace rwn

#endif  // RWN_RUN_SWEEP_RUNNER_H_
