// Optimizer and Schedule interfaces and their registries.
//
// An optimizer only ever receives learned tensors (W_l). A tensor learned in
// part carries a mask (the dense masked path, docs/design.md, "Learn plans and the two conv
// paths"): every optimizer must zero its gradient outside the mask before any state or update sees
// it (weight decay and momentum included), so fixed entries stay bit-identical. A learned tensor
// whose gradient autograd pruned has gradient zero (it still decays), so the split and masked paths
// agree.
#ifndef RWN_OPTIM_OPTIMIZER_H_
#define RWN_OPTIM_OPTIMIZER_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/registry.h"

namespace rwn {

struct LearnedTensor {
  std::string name;   // parameter name, e.g. "block1.0.conv1.weight"
  at::Tensor tensor;  // the parameter (requires grad)
  at::Tensor mask;    // bool, same shape, true = learned; undefined = all learned
};

// One tensor of an optimizer's state, for checkpoints. `param` is the index
// of the learned tensor it mirrors entry for entry (a momentum buffer), so a
// checkpoint can store only its learned entries; -1 for anything else (step
// counts and scalars, as 0-dim tensors).
struct StateTensor {
  std::string name;
  at::Tensor tensor;
  int param = -1;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // The learning rate the spec gives; schedules scale it.
  virtual double base_lr() const = 0;
  // One update of every learned tensor with learning rate `lr`.
  virtual void Step(double lr) = 0;
  // Drops every learned tensor's gradient.
  void ZeroGrad();
  // Everything Step has accumulated, as named tensors (the tensors
  // themselves, not copies). Empty before the first step for optimizers that
  // create their state lazily.
  virtual std::vector<StateTensor> State() const = 0;
  // Puts back a State() of an optimizer of the same spec on the same learned
  // tensors; a name, shape or type that does not fit is an error.
  virtual absl::Status LoadState(const std::vector<StateTensor>& state) = 0;
  const std::vector<LearnedTensor>& params() const { return params_; }

 protected:
  explicit Optimizer(std::vector<LearnedTensor> params) : params_(std::move(params)) {}
  std::vector<LearnedTensor> params_;
};

// Where LoadState puts one saved tensor: `target` receives a copy; `like`
// gives the shape and type it must have.
struct StateSlot {
  at::Tensor* target;
  at::Tensor like;
};

// For LoadState implementations: copies every saved tensor into the slot of
// its name, after checking shape and type. Slots that `state` does not name
// are left as they are (lazily created state).
absl::Status AssignState(const std::vector<StateTensor>& state,
                         const std::map<std::string, StateSlot>& slots);

// Option checks shared by the optimizer factories; each error names the
// option, its value and what is allowed.
absl::Status CheckPositive(const char* name, double value);     // value > 0
absl::Status CheckNonNegative(const char* name, double value);  // value >= 0
// 0 <= value < 1, or 0 < value < 1 when `zero_allowed` is false.
absl::Status CheckBelowOne(const char* name, double value, bool zero_allowed = true);

struct OptimizerContext {
  std::vector<LearnedTensor> params;
};

using OptimizerRegistry = Registry<std::unique_ptr<Optimizer>, OptimizerContext>;

// Learning-rate schedule: the factor on the base learning rate in an epoch.
class Schedule {
 public:
  virtual ~Schedule() = default;
  // `epoch` is 0-based.
  virtual double Factor(int64_t epoch) const = 0;
};

// The linear warm-up factor of epoch `epoch` (0-based): (epoch + 1) /
// (warmup_epochs + 1) during warm-up, 1 after.
inline double WarmupFactor(int64_t epoch, int64_t warmup_epochs) {
  return epoch < warmup_epochs ? static_cast<double>(epoch + 1) / (warmup_epochs + 1) : 1.0;
}

struct ScheduleContext {
  int64_t epochs = 1;  // the run's length
};

using ScheduleRegistry = Registry<std::unique_ptr<Schedule>, ScheduleContext>;

}  // namespace rwn

#endif  // RWN_OPTIM_OPTIMIZER_H_
