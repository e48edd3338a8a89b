// Optimizer `sgd`: momentum SGD with weight decay, dampening and Nesterov, as
// torch.optim.SGD computes it:
//   d = grad + weight_decay * w
//   buf = d (first step), else momentum * buf + (1 - dampening) * d
//   d = d + momentum * buf (Nesterov) or buf
//   w -= lr * d
// For a masked tensor, d is zeroed outside the mask before the momentum, so
// fixed entries get no decay, no momentum and no step: they stay bit-identical.
// A learned tensor without a gradient (autograd pruned it: nothing after it
// is computed, e.g. a BN feeding only zeroed convs) has gradient zero, so it
// still decays; the split and dense masked paths then agree exactly.
// The paper trains every CIFAR run with it (lr 0.1, momentum 0.9, weight
// decay 5e-4).
//
// Example spec:
//   optimizer { sgd { lr: 0.1 momentum: 0.9 weight_decay: 5e-4 } }
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "optim/optimizer.h"
#include "optim/sgd.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

class Sgd : public Optimizer {
 public:
  Sgd(const SgdSpec& spec, std::vector<LearnedTensor> params)
      : Optimizer(std::move(params)), spec_(spec), momentum_(params_.size()) {
    for (const LearnedTensor& param : params_) {
      fixed_.push_back(param.mask.defined() ? param.mask.logical_not() : torch::Tensor());
    }
  }

  double base_lr() const override { return spec_.lr(); }

  void Step(double lr) override {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
      torch::Tensor weight = params_[i].tensor;
      torch::Tensor d = weight.grad().defined() ? weight.grad() : torch::zeros_like(weight);
      if (spec_.weight_decay() != 0) d = d.add(weight, spec_.weight_decay());
      if (fixed_[i].defined()) d = d.masked_fill(fixed_[i], 0);
      if (spec_.momentum() != 0) {
        torch::Tensor& buffer = momentum_[i];
        if (!buffer.defined()) {
          buffer = d.clone();
        } else {
          buffer.mul_(spec_.momentum()).add_(d, 1 - spec_.dampening());
        }
        d = spec_.nesterov() ? d.add(buffer, spec_.momentum()) : buffer;
      }
      weight.add_(d, -lr);
    }
  }

  std::vector<StateTensor> State() const override {
    std::vector<StateTensor> state;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (momentum_[i].defined()) {
        state.push_back({"momentum/" + params_[i].name, momentum_[i], static_cast<int>(i)});
      }
    }
    return state;
  }

  absl::Status LoadState(const std::vector<StateTensor>& state) override {
    std::map<std::string, StateSlot> slots;
    for (size_t i = 0; i < params_.size(); ++i) {
      slots["momentum/" + params_[i].name] = {&momentum_[i], params_[i].tensor.detach()};
    }
    return AssignState(state, slots);
  }

 private:
  SgdSpec spec_;
  std::vector<torch::Tensor> fixed_;     // complement of each mask
  std::vector<torch::Tensor> momentum_;  // momentum buffers
};

absl::StatusOr<std::unique_ptr<Optimizer>> CreateSgd(const SgdSpec& spec,
                                                     const OptimizerContext& context) {
  for (absl::Status status :
       {CheckPositive("lr", spec.lr()), CheckBelowOne("momentum", spec.momentum()),
        CheckNonNegative("weight_decay", spec.weight_decay()),
        CheckBelowOne("dampening", spec.dampening())}) {
    if (!status.ok()) return status;
  }
  if (spec.nesterov() && (spec.momentum() == 0 || spec.dampening() != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nesterov needs momentum > 0 and dampening 0; got momentum = ", spec.momentum(),
        ", dampening = ", spec.dampening()));
  }
  return GuardTorch("sgd", [&]() -> absl::StatusOr<std::unique_ptr<Optimizer>> {
    return std::unique_ptr<Optimizer>(new Sgd(spec, context.params));
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(OptimizerRegistry, sgd, SgdSpec, CreateSgd, "lr: 0.1 momentum: 0.9",
                    "nesterov: true weight_decay: 0", "momentum: 0.5 dampening: 0.1");

}  // namespace rwn
