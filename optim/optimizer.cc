#include "optim/optimizer.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rwn {

void Optimizer::ZeroGrad() {
  for (LearnedTensor& param : params_) param.tensor.mutable_grad() = torch::Tensor();
}

absl::Status AssignState(const std::vector<StateTensor>& state,
                         const std::map<std::string, StateSlot>& slots) {
  for (const StateTensor& saved : state) {
    auto slot = slots.find(saved.name);
    if (slot == slots.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state '", saved.name, "' does not belong to this optimizer"));
    }
    const at::Tensor& like = slot->second.like;
    if (!saved.tensor.defined() || saved.tensor.sizes() != like.sizes() ||
        saved.tensor.scalar_type() != like.scalar_type()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "optimizer state '", saved.name, "' has shape [",
          saved.tensor.defined() ? absl::StrJoin(saved.tensor.sizes(), ",") : "", "]; expected [",
          absl::StrJoin(like.sizes(), ","), "] of ", c10::toString(like.scalar_type())));
    }
    *slot->second.target = saved.tensor.clone();
  }
  return absl::OkStatus();
}

absl::Status CheckPositive(const char* name, double value) {
  if (value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " = ", value, "; allowed: > 0"));
}

absl::Status CheckNonNegative(const char* name, double value) {
  if (value >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " = ", value, "; allowed: >= 0"));
}

absl::Status CheckBelowOne(const char* name, double value, bool zero_allowed) {
  if ((zero_allowed ? value >= 0 : value > 0) && value < 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " = ", value, "; allowed: 0 ",
                                                 zero_allowed ? "<=" : "<", " ", name, " < 1"));
}

}  // namespace rwn
