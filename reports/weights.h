// `rwn weights --run=DIR`: the weight analysis of the paper's Section 4.4
// (Figure 6). For every conv layer of a trained run: how many weights are
// learned and fixed, and the mean absolute value and variance of each kind.
#ifndef RWN_REPORTS_WEIGHTS_H_
#define RWN_REPORTS_WEIGHTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/report.h"
#include "run/load.h"

namespace rwn {

struct LayerWeights {
  std::string layer, group;
  int64_t learned = 0, fixed = 0;
  double learned_mean_abs = 0, learned_variance = 0;  // 0 when none are learned
  double fixed_mean_abs = 0, fixed_variance = 0;      // 0 when none are fixed
};

// One row per conv layer of the loaded run, in forward order.
std::vector<LayerWeights> AnalyzeWeights(const LoadedRun& run);

// Figure 6 for every finished run below a folder: each run is loaded and
// analyzed, and `out` gets
//   weights.csv   one row per run and conv layer
//   weights.png   (and .svg) mean |w| (top) and variance (bottom) per conv layer in
//                 forward order: one line per run for its learned weights,
//                 and one for the fixed weights (their random initialization)
// The figure is titled `title` (the sweep's name when empty), and added to
// `page` if given.
// Returns the written file names.
absl::StatusOr<std::vector<std::string>> WriteWeightsReport(const std::vector<RunRecord>& runs,
                                                            const std::string& out,
                                                            const std::string& title = "",
                                                            ReportPage* page = nullptr);

// The rows as a Markdown table and as CSV.
std::string WeightsMarkdown(const std::vector<LayerWeights>& rows);
std::string WeightsCsv(const std::vector<LayerWeights>& rows);

}  // namespace rwn

#endif  // RWN_REPORTS_WEIGHTS_H_
