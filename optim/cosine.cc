// Schedule `cosine`: cosine annealing from the base rate to final_factor of
// it over the run's epochs (PyTorch's CosineAnnealingLR, T_max = epochs,
// stepped per epoch), after an optional linear warm-up. The authors' code
// crashed on its cosine schedule; this one is tested.
//
// Example spec:
//   schedule { cosine { final_factor: 0.01 warmup_epochs: 1 } }
#include <cmath>

#include "absl/strings/str_cat.h"
#include "optim/cosine.pb.h"
#include "optim/optimizer.h"

namespace rwn {
namespace {

class CosineSchedule : public Schedule {
 public:
  CosineSchedule(const CosineSpec& spec, int64_t epochs) : spec_(spec), epochs_(epochs) {}

  double Factor(int64_t epoch) const override {
    const double floor = spec_.final_factor();
    const double cosine = (1 + std::cos(M_PI * static_cast<double>(epoch) / epochs_)) / 2;
    return (floor + (1 - floor) * cosine) * WarmupFactor(epoch, spec_.warmup_epochs());
  }

 private:
  CosineSpec spec_;
  int64_t epochs_;
};

absl::StatusOr<std::unique_ptr<Schedule>> CreateCosine(const CosineSpec& spec,
                                                       const ScheduleContext& context) {
  if (!(spec.final_factor() >= 0 && spec.final_factor() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("final_factor = ", spec.final_factor(), "; allowed: 0 <= final_factor < 1"));
  }
  if (spec.warmup_epochs() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("warmup_epochs = ", spec.warmup_epochs(), "; allowed: >= 0"));
  }
  if (context.epochs < 1) {
    return absl::InvalidArgumentError(absl::StrCat("epochs = ", context.epochs, "; allowed: >= 1"));
  }
  return std::unique_ptr<Schedule>(new CosineSchedule(spec, context.epochs));
}

}  // namespace

RWN_REGISTER_PLUGIN(ScheduleRegistry, cosine, CosineSpec, CreateCosine, "",
                    "final_factor: 0.01 warmup_epochs: 2");

}  // namespace rwn
