// Selector: a plugin that says which entries of which parameters a network
// learns, reading the model's layer table (never parameter names). A
// selector's result is a LearnPlan; a spec's plan is the union of its
// selectors' plans (selectors/plan.h).
#ifndef RWN_SELECTORS_SELECTOR_H_
#define RWN_SELECTORS_SELECTOR_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/registry.h"
#include "models/model.h"

namespace rwn {

// How much of one parameter is learned. A parameter missing from a plan is
// fixed whole.
struct TensorPlan {
  enum Kind { kAll, kSlice, kMask };
  Kind kind = kAll;
  // kSlice: entries [begin, end) along `dim` are learned.
  int64_t dim = 0;
  int64_t begin = 0;
  int64_t end = 0;
  // kMask: bool, the parameter's shape, true = learned.
  at::Tensor mask;

  static TensorPlan All() { return TensorPlan{}; }
  static TensorPlan Slice(int64_t dim, int64_t begin, int64_t end) {
    TensorPlan plan;
    plan.kind = kSlice;
    plan.dim = dim;
    plan.begin = begin;
    plan.end = end;
    return plan;
  }
};

// Parameter name -> what of it is learned.
using LearnPlan = std::map<std::string, TensorPlan>;

class Selector {
 public:
  virtual ~Selector() = default;
  // The plan for `network`; InvalidArgument when the selection does not fit
  // it (e.g. a group the model does not have).
  virtual absl::StatusOr<LearnPlan> Select(const Network& network) const = 0;
  // The weight dimension the selector slices, as reports label it (the
  // paper's dim_slice: "1 filters", "2 inputs", "3 rows", "4 columns", or
  // "3-4 positions"); "" for a selector of whole layers.
  virtual std::string SlicedDimension() const { return ""; }
};

struct SelectorContext {
  uint64_t seed = 1;  // the run's seed, for seeded (random) selections
};

using SelectorRegistry = Registry<std::unique_ptr<Selector>, SelectorContext>;

}  // namespace rwn

#endif  // RWN_SELECTORS_SELECTOR_H_
