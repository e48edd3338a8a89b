// Sweeps as Slurm job arrays: one array task per unfinished point, each
// running `rwn sweep --spec=F --point=$SLURM_ARRAY_TASK_ID` into the shared
// runs folder, its output in <out>/.sweep/<sweep>/point-<K>.log (the same
// place the local workers write theirs), so `rwn sweep --status` and
// `rwn report` read a Slurm sweep like a local one.
#ifndef RWN_RUN_SLURM_H_
#define RWN_RUN_SLURM_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/sweep.h"

namespace rwn {

struct SlurmOptions {
  std::string rwn;        // absolute path of the rwn binary the tasks run
  std::string spec_path;  // absolute path of the sweep file
  std::string out;        // absolute path of the shared runs folder
  int max_parallel = 0;   // tasks running at once; 0 = as many as Slurm allows
  std::string partition;  // empty: the cluster's default
  std::string time;       // time limit per task, e.g. "04:00:00"; empty: the default
  int cpus_per_task = 1;  // also each task's --threads
  // More flags for every task's `rwn sweep --point=K`, e.g.
  // "--checkpoint_every=2", "--device=cuda" (shell-quoted in the script).
  std::vector<std::string> task_flags;
};

// Checks the options (absolute paths, positive counts, a time limit sbatch
// reads); InvalidArgument names the bad value.
absl::Status ValidateSlurmOptions(const SlurmOptions& options);

// The sbatch script for `indices` (points of `points`).
std::string SlurmScript(const std::vector<SweepPoint>& points, const std::vector<int>& indices,
                        const SlurmOptions& options);

// Writes the script to <out>/.sweep/<sweep>/sweep.sbatch and submits it with
// `sbatch --parsable`; records the job id in .../slurm_job and returns it.
absl::StatusOr<std::string> SubmitSlurm(const std::vector<SweepPoint>& points,
                                        const std::vector<int>& indices,
                                        const SlurmOptions& options);

// Points of the sweep's recorded Slurm job that squeue still lists: index ->
// "pending" or "running". Empty when the sweep was never submitted or the
// job has left the queue.
std::map<int, std::string> SlurmQueue(const std::vector<SweepPoint>& points,
                                      const std::string& out);

}  // namespace rwn

#endif  // RWN_RUN_SLURM_H_
