// Training one (non-ensemble) spec into its run folder (run/run_folder.h).
//
// Everything in the spec is checked, the dataset loaded and the model built
// before the folder is created, so a bad spec leaves nothing behind. A
// finished run is not run again. An unfinished one resumes from its
// checkpoint, exactly: the fixed weights are regenerated and checked against
// the checkpoint's checksum, and training continues as if never stopped. A
// checkpoint that is corrupt or belongs to another spec is refused (DataLoss)
// with the way to start afresh.
#ifndef RWN_RUN_TRAIN_RUN_H_
#define RWN_RUN_TRAIN_RUN_H_

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "run/run_options.h"

namespace rwn {

// Trains `spec` (which has no ensemble block), resumes it, or reads its
// finished run.
absl::StatusOr<RunOutcome> TrainRun(const ExperimentSpec& spec, const RunOptions& options);

}  // namespace rwn

#endif  // RWN_RUN_TRAIN_RUN_H_
