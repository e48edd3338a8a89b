// Schedule `constant`: the base learning rate every epoch, after an optional
// linear warm-up.
//
// Example spec:
//   schedule { constant { warmup_epochs: 2 } }
#include "absl/strings/str_cat.h"
#include "optim/constant.pb.h"
#include "optim/optimizer.h"

namespace rwn {
namespace {

class ConstantSchedule : public Schedule {
 public:
  explicit ConstantSchedule(const ConstantSpec& spec) : spec_(spec) {}
  double Factor(int64_t epoch) const override { return WarmupFactor(epoch, spec_.warmup_epochs()); }

 private:
  ConstantSpec spec_;
};

absl::StatusOr<std::unique_ptr<Schedule>> CreateConstant(const ConstantSpec& spec,
                                                         const ScheduleContext&) {
  if (spec.warmup_epochs() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("warmup_epochs = ", spec.warmup_epochs(), "; allowed: >= 0"));
  }
  return std::unique_ptr<Schedule>(new ConstantSchedule(spec));
}

}  // namespace

RWN_REGISTER_PLUGIN(ScheduleRegistry, constant, ConstantSpec, CreateConstant, "",
                    "warmup_epochs: 3");

}  // namespace rwn
