#include "train/divergence.h"

#include <cmath>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/exit_code.h"

namespace rwn {

std::optional<Divergence> CheckLoss(double loss, double max_loss, int epoch, int step, double lr) {
  const bool finite = std::isfinite(loss);
  if (finite && (max_loss <= 0 || loss <= max_loss)) return std::nullopt;
  Divergence where;
  where.set_epoch(epoch);
  where.set_step(step);
  where.set_loss(loss);
  where.set_lr(lr);
  const std::string what =
      finite ? absl::StrFormat("the training loss %g passed max_loss %g", loss, max_loss)
             : absl::StrCat("the training loss is ", std::isnan(loss) ? "nan"
                                                     : loss > 0       ? "inf"
                                                                      : "-inf");
  where.set_message(absl::StrFormat(
      "diverged at epoch %d, step %d: %s (lr %g); training stopped and the run folder is marked "
      "diverged. Try a smaller optimizer.lr (e.g. %g), a schedule that warms up, or bfloat16: "
      "false; `rwn train --restart` trains the same spec again",
      epoch, step, what, lr, lr / 10));
  return where;
}

absl::Status DivergedError(const Divergence& where) {
  absl::Status status = absl::AbortedError(where.message());
  status.SetPayload(kDivergedPayload, absl::Cord(where.SerializeAsString()));
  return status;
}

std::optional<Divergence> DivergenceOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kDivergedPayload);
  if (!payload.has_value()) return std::nullopt;
  Divergence where;
  if (!where.ParseFromString(std::string(*payload))) return std::nullopt;
  return where;
}

}  // namespace rwn
