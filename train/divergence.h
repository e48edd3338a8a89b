// A run whose training loss stops being finite (or passes the spec's
// max_loss) has diverged: training stops at that step, and the status that
// says so carries where (a Divergence, train/metrics.proto) so that the run
// folder can record it (docs/design.md, "Divergence").
#ifndef RWN_TRAIN_DIVERGENCE_H_
#define RWN_TRAIN_DIVERGENCE_H_

#include <optional>

#include "absl/status/status.h"
#include "train/metrics.pb.h"

namespace rwn {

// Where and why a step diverged, or nullopt: `loss` is not finite, or
// `max_loss` > 0 and `loss` exceeds it. `epoch` and `step` are 1-based.
std::optional<Divergence> CheckLoss(double loss, double max_loss, int epoch, int step, double lr);

// Aborted with `where.message()`, carrying `where` (exit code 3,
// core/exit_code.h).
absl::Status DivergedError(const Divergence& where);

// The Divergence a status carries, or nullopt.
std::optional<Divergence> DivergenceOf(const absl::Status& status);

}  // namespace rwn

#endif  // RWN_TRAIN_DIVERGENCE_H_
