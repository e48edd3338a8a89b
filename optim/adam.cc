// Optimizer `adam`: Adam as torch.optim.Adam computes it (L2 weight decay
// added to the gradient, bias-corrected moments):
//   g = grad + weight_decay * w;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// For a masked tensor g is zeroed outside the mask, so the moments of fixed
// entries stay 0 and their update is exactly 0: they stay bit-identical. The
// paper compares it with SGD; the authors' code ignored its lr and weight
// decay, which rwn honors.
//
// Example spec:
//   optimizer { adam { lr: 0.001 weight_decay: 5e-4 } }
#include <torch/torch.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "optim/adam.pb.h"
#include "optim/optimizer.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

class Adam : public Optimizer {
 public:
  Adam(const AdamSpec& spec, std::vector<LearnedTensor> params)
      : Optimizer(std::move(params)), spec_(spec) {
    for (const LearnedTensor& param : params_) {
      fixed_.push_back(param.mask.defined() ? param.mask.logical_not() : torch::Tensor());
      m_.push_back(torch::zeros_like(param.tensor));
      v_.push_back(torch::zeros_like(param.tensor));
    }
  }

  double base_lr() const override { return spec_.lr(); }

  void Step(double lr) override {
    torch::NoGradGuard no_grad;
    ++step_;
    const double correction1 = 1 - std::pow(spec_.beta1(), step_);
    const double correction2 = 1 - std::pow(spec_.beta2(), step_);
    for (size_t i = 0; i < params_.size(); ++i) {
      torch::Tensor weight = params_[i].tensor;
      // A pruned gradient is a zero gradient (see sgd.cc).
      torch::Tensor g = weight.grad().defined() ? weight.grad() : torch::zeros_like(weight);
      if (spec_.weight_decay() != 0) g = g.add(weight, spec_.weight_decay());
      if (fixed_[i].defined()) g = g.masked_fill(fixed_[i], 0);
      m_[i].mul_(spec_.beta1()).add_(g, 1 - spec_.beta1());
      v_[i].mul_(spec_.beta2()).addcmul_(g, g, 1 - spec_.beta2());
      torch::Tensor denominator = (v_[i].sqrt() / std::sqrt(correction2)).add_(spec_.eps());
      weight.addcdiv_(m_[i], denominator, -lr / correction1);
    }
  }

  std::vector<StateTensor> State() const override {
    std::vector<StateTensor> state = {{"step", torch::tensor(step_, torch::kInt64)}};
    for (size_t i = 0; i < params_.size(); ++i) {
      state.push_back({"m/" + params_[i].name, m_[i], static_cast<int>(i)});
      state.push_back({"v/" + params_[i].name, v_[i], static_cast<int>(i)});
    }
    return state;
  }

  absl::Status LoadState(const std::vector<StateTensor>& state) override {
    torch::Tensor step = torch::tensor(step_, torch::kInt64);
    std::map<std::string, StateSlot> slots = {{"step", {&step, step}}};
    for (size_t i = 0; i < params_.size(); ++i) {
      slots["m/" + params_[i].name] = {&m_[i], m_[i]};
      slots["v/" + params_[i].name] = {&v_[i], v_[i]};
    }
    absl::Status status = AssignState(state, slots);
    step_ = step.item<int64_t>();
    return status;
  }

 private:
  AdamSpec spec_;
  int64_t step_ = 0;
  std::vector<torch::Tensor> fixed_, m_, v_;
};

absl::StatusOr<std::unique_ptr<Optimizer>> CreateAdam(const AdamSpec& spec,
                                                      const OptimizerContext& context) {
  for (absl::Status status :
       {CheckPositive("lr", spec.lr()), CheckBelowOne("beta1", spec.beta1()),
        CheckBelowOne("beta2", spec.beta2()), CheckPositive("eps", spec.eps()),
        CheckNonNegative("weight_decay", spec.weight_decay())}) {
    if (!status.ok()) return status;
  }
  return GuardTorch("adam", [&]() -> absl::StatusOr<std::unique_ptr<Optimizer>> {
    return std::unique_ptr<Optimizer>(new Adam(spec, context.params));
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(OptimizerRegistry, adam, AdamSpec, CreateAdam, "lr: 0.001",
                    "weight_decay: 5e-4 eps: 1e-6");

}  // namespace rwn
