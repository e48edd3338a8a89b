// Optimizer `yellowfin`: YellowFin (Zhang, Mitliagkas and Re, "YellowFin and
// the Art of Momentum Tuning", 2017), heavy-ball momentum whose learning rate
// and momentum are tuned every step. With g the gradient of all learned
// tensors as one vector (weight decay added, fixed entries zeroed) and every
// running average an exponential one with factor beta (divided by 1 - beta^t
// with zero debias):
//   curvature range: h = |g|^2; h_max, h_min = averages of the max and min of
//                    h over the last `curvature_window` steps
//   gradient variance: C = sum(avg(g * g) - avg(g)^2)
//   distance to optimum: D = avg(avg(|g|) / avg(|g|^2))
//   tuning: x = sqrt(mu) minimizes x^2 D^2 + (1 - x)^4 C / h_min^2, the
//           cubic's real root by Vieta's substitution; then
//           mu_t = max(x^2, ((sqrt(h_max/h_min) - 1) / (sqrt(h_max/h_min) + 1))^2)
//           lr_t = (1 - sqrt(mu_t))^2 / h_min
//   mu, lr = running averages of mu_t, lr_t, started at the spec's values
//   update: v = mu v - (lr * schedule factor) g;  w += v
// Fixed entries get zero gradient, so their velocity and update stay zero.
// The paper trains Tiny-ImageNet with it.
//
// Example spec:
//   optimizer { yellowfin { lr: 0.1 } }
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "absl/strings/str_cat.h"
#include "optim/optimizer.h"
#include "optim/yellowfin.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

constexpr double kEps = 1e-12;

// sqrt(mu) = x in [0, 1] minimizing x^2 D^2 + (1 - x)^4 C / h_min^2. The
// stationary point solves y^3 + p y + p = 0 with y = x - 1 and
// p = D^2 h_min^2 / (2 C); its one real root is w - p / (3 w) with
// w^3 = (-p - sqrt(p^2 + 4 p^3 / 27)) / 2.
double OptimalRootMomentum(double variance, double distance, double h_min) {
  const double p = distance * distance * h_min * h_min / (2 * std::max(variance, kEps));
  if (!(p < 1e30)) return 0;  // x ~ 1/p
  const double w3 = (-std::sqrt(p * p + 4.0 / 27.0 * p * p * p) - p) / 2;
  const double w = std::cbrt(w3);
  if (w == 0) return 1;  // p == 0: no distance left, all momentum
  const double x = w - p / (3 * w) + 1;
  return std::clamp(x, 0.0, 1.0);
}

class YellowFin : public Optimizer {
 public:
  YellowFin(const YellowFinSpec& spec, std::vector<LearnedTensor> params)
      : Optimizer(std::move(params)),
        spec_(spec),
        window_(torch::zeros({spec.curvature_window()}, torch::kFloat64)),
        mu_(spec.momentum()),
        lr_(spec.lr()) {
    for (const LearnedTensor& param : params_) {
      fixed_.push_back(param.mask.defined() ? param.mask.logical_not() : torch::Tensor());
      grad_avg_.push_back(torch::zeros_like(param.tensor));
      grad_sq_avg_.push_back(torch::zeros_like(param.tensor));
      velocity_.push_back(torch::zeros_like(param.tensor));
    }
  }

  double base_lr() const override { return spec_.lr(); }

  void Step(double lr) override {
    torch::NoGradGuard no_grad;
    ++step_;
    const double beta = spec_.beta();
    const double debias = spec_.zero_debias() ? 1 - std::pow(beta, step_) : 1;
    auto average = [&](double& avg, double x) {
      avg = beta * avg + (1 - beta) * x;
      return avg / debias;
    };
    std::vector<torch::Tensor> grads;
    double h = 0;
    for (size_t i = 0; i < params_.size(); ++i) {
      torch::Tensor weight = params_[i].tensor;
      torch::Tensor g = weight.grad().defined() ? weight.grad() : torch::zeros_like(weight);
      if (spec_.weight_decay() != 0) g = g.add(weight, spec_.weight_decay());
      if (fixed_[i].defined()) g = g.masked_fill(fixed_[i], 0);
      h += g.square().sum().item<double>();
      grads.push_back(g);
    }
    // Curvature range over the sliding window (a ring buffer in window_).
    const int64_t width = spec_.curvature_window();
    window_[(step_ - 1) % width] = h;
    const torch::Tensor seen = window_.narrow(0, 0, std::min<int64_t>(step_, width));
    const double h_max = average(h_max_avg_, seen.max().item<double>());
    const double h_min = std::max(average(h_min_avg_, seen.min().item<double>()), kEps);
    // Gradient variance.
    double variance = 0;
    for (size_t i = 0; i < grads.size(); ++i) {
      grad_avg_[i].mul_(beta).add_(grads[i], 1 - beta);
      grad_sq_avg_[i].mul_(beta).addcmul_(grads[i], grads[i], 1 - beta);
      variance +=
          (grad_sq_avg_[i] / debias - (grad_avg_[i] / debias).square()).sum().item<double>();
    }
    // Distance to the optimum.
    const double norm = average(norm_avg_, std::sqrt(h));
    const double curvature = std::max(average(h_avg_, h), kEps);
    const double distance = average(distance_avg_, norm / curvature);
    // The single-step tuning, then smoothing.
    const double x = OptimalRootMomentum(variance, distance, h_min);
    const double root_ratio = std::sqrt(h_max / h_min);
    const double mu_t = std::max(x * x, std::pow((root_ratio - 1) / (root_ratio + 1), 2));
    const double lr_t = std::pow(1 - std::sqrt(mu_t), 2) / h_min;
    mu_ = beta * mu_ + (1 - beta) * mu_t;
    lr_ = beta * lr_ + (1 - beta) * lr_t;
    const double step_lr = lr_ * lr / spec_.lr();
    for (size_t i = 0; i < grads.size(); ++i) {
      velocity_[i].mul_(mu_).add_(grads[i], -step_lr);
      params_[i].tensor.add_(velocity_[i]);
    }
  }

  std::vector<StateTensor> State() const override {
    std::vector<StateTensor> state = {{"scalars", Scalars()}, {"window", window_}};
    for (size_t i = 0; i < params_.size(); ++i) {
      const int index = static_cast<int>(i);
      state.push_back({"grad_avg/" + params_[i].name, grad_avg_[i], index});
      state.push_back({"grad_sq_avg/" + params_[i].name, grad_sq_avg_[i], index});
      state.push_back({"velocity/" + params_[i].name, velocity_[i], index});
    }
    return state;
  }

  absl::Status LoadState(const std::vector<StateTensor>& state) override {
    torch::Tensor scalars = Scalars();
    std::map<std::string, StateSlot> slots = {{"scalars", {&scalars, scalars}},
                                              {"window", {&window_, window_}}};
    for (size_t i = 0; i < params_.size(); ++i) {
      slots["grad_avg/" + params_[i].name] = {&grad_avg_[i], grad_avg_[i]};
      slots["grad_sq_avg/" + params_[i].name] = {&grad_sq_avg_[i], grad_sq_avg_[i]};
      slots["velocity/" + params_[i].name] = {&velocity_[i], velocity_[i]};
    }
    absl::Status status = AssignState(state, slots);
    if (!status.ok()) return status;
    auto s = scalars.accessor<double, 1>();
    step_ = static_cast<int64_t>(s[0]);
    h_max_avg_ = s[1], h_min_avg_ = s[2], norm_avg_ = s[3], h_avg_ = s[4];
    distance_avg_ = s[5], mu_ = s[6], lr_ = s[7];
    return absl::OkStatus();
  }

 private:
  torch::Tensor Scalars() const {
    return torch::tensor({static_cast<double>(step_), h_max_avg_, h_min_avg_, norm_avg_, h_avg_,
                          distance_avg_, mu_, lr_},
                         torch::kFloat64);
  }

  YellowFinSpec spec_;
  int64_t step_ = 0;
  torch::Tensor window_;  // |g|^2 of the last steps, float64
  double h_max_avg_ = 0, h_min_avg_ = 0, norm_avg_ = 0, h_avg_ = 0, distance_avg_ = 0;
  double mu_, lr_;  // the tuned, smoothed momentum and learning rate
  std::vector<torch::Tensor> fixed_, grad_avg_, grad_sq_avg_, velocity_;
};

absl::StatusOr<std::unique_ptr<Optimizer>> CreateYellowFin(const YellowFinSpec& spec,
                                                           const OptimizerContext& context) {
  for (absl::Status status :
       {CheckPositive("lr", spec.lr()), CheckBelowOne("momentum", spec.momentum()),
        CheckBelowOne("beta", spec.beta(), /*zero_allowed=*/false),
        CheckNonNegative("weight_decay", spec.weight_decay())}) {
    if (!status.ok()) return status;
  }
  if (spec.curvature_window() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("curvature_window = ", spec.curvature_window(), "; allowed: >= 1"));
  }
  return GuardTorch("yellowfin", [&]() -> absl::StatusOr<std::unique_ptr<Optimizer>> {
    return std::unique_ptr<Optimizer>(new YellowFin(spec, context.params));
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(OptimizerRegistry, yellowfin, YellowFinSpec, CreateYellowFin, "lr: 0.1",
                    "curvature_window: 2 zero_debias: false weight_decay: 5e-4");

}  // namespace rwn
