// Schedule `step`: multiplies the learning rate by gamma after each milestone
// epoch (PyTorch's MultiStepLR). The paper's CIFAR runs and its Tiny-ImageNet
// run (lr 0.1, divided by 10 after epochs 15 and 30) use it.
//
// Example spec:
//   schedule { step { milestones: [15, 30] gamma: 0.1 } }
#include <cmath>

#include "absl/strings/str_cat.h"
#include "optim/optimizer.h"
#include "optim/step.pb.h"

namespace rwn {
namespace {

class StepSchedule : public Schedule {
 public:
  explicit StepSchedule(const StepSpec& spec) : spec_(spec) {}

  double Factor(int64_t epoch) const override {
    int passed = 0;
    for (int32_t milestone : spec_.milestones()) passed += epoch >= milestone ? 1 : 0;
    return std::pow(spec_.gamma(), passed) * WarmupFactor(epoch, spec_.warmup_epochs());
  }

 private:
  StepSpec spec_;
};

absl::StatusOr<std::unique_ptr<Schedule>> CreateStep(const StepSpec& spec, const ScheduleContext&) {
  if (!(spec.gamma() > 0 && spec.gamma() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gamma = ", spec.gamma(), "; allowed: 0 < gamma <= 1"));
  }
  if (spec.warmup_epochs() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("warmup_epochs = ", spec.warmup_epochs(), "; allowed: >= 0"));
  }
  int32_t previous = 0;
  for (int32_t milestone : spec.milestones()) {
    if (milestone <= previous) {
      return absl::InvalidArgumentError(absl::StrCat(
          "milestones must be positive and increasing; got ", milestone, " after ", previous));
    }
    previous = milestone;
  }
  return std::unique_ptr<Schedule>(new StepSchedule(spec));
}

}  // namespace

RWN_REGISTER_PLUGIN(ScheduleRegistry, step, StepSpec, CreateStep, "milestones: [2, 4]",
                    "milestones: [3] gamma: 0.5 warmup_epochs: 2");

}  // namespace rwn
