// `rwn weights --run=DIR`: the weight analysis of the paper's Section 4.4
// (Figure 6). For every conv layer of a trained run: how many weights are
// learned and fixed, and the mean absolute value and variance of each kind.
#ifndef RWN_EXPERIMENTS_WEIGHTS_H_
#define RWN_EXPERIMENTS_WEIGHTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/experiment.h"

namespace rwn {

struct LayerWeights {
  std::string layer, group;
  int64_t learned = 0, fixed = 0;
  double learned_mean_abs = 0, learned_variance = 0;  // 0 when none are learned
  double fixed_mean_abs = 0, fixed_variance = 0;      // 0 when none are fixed
};

// One row per conv layer of the loaded run, in forward order.
std::vector<LayerWeights> AnalyzeWeights(const LoadedRun& run);

// The rows as a Markdown table and as CSV.
std::string WeightsMarkdown(const std::vector<LayerWeights>& rows);
std::string WeightsCsv(const std::vector<LayerWeights>& rows);

}  // namespace rwn

#endif  // RWN_EXPERIMENTS_WEIGHTS_H_
