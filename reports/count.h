// `rwn count`: a network's anatomy without training it. A table per layer
// (name, group, kind, shape, parameters, learned, fixed, forward MFLOPs per
// image), subtotals per group, and the totals; the learned total is the
// paper's "Eff. Params".
#ifndef RWN_REPORTS_COUNT_H_
#define RWN_REPORTS_COUNT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"

namespace rwn {

struct InputShape {
  int64_t channels = 0;  // 0: take the shape and classes from the spec's dataset
  int64_t height = 0;
  int64_t width = 0;
  int64_t classes = 0;
};

// Parses "3x32x32" into channels, height and width.
absl::Status ParseInputShape(const std::string& text, InputShape* shape);

// The count report of `spec`'s model and learn plan, as Markdown.
absl::StatusOr<std::string> CountReport(const ExperimentSpec& spec, const InputShape& shape);

}  // namespace rwn

#endif  // RWN_REPORTS_COUNT_H_
