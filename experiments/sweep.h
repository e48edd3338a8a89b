// Sweeps: a base experiment spec and named axes whose values are partial
// specs (experiments/sweep.proto), expanded into a grid of points.
#ifndef RWN_EXPERIMENTS_SWEEP_H_
#define RWN_EXPERIMENTS_SWEEP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "experiments/sweep.pb.h"

namespace rwn {

struct SweepPoint {
  int index = 0;                     // 0-based, in grid order (last axis fastest, seeds last)
  std::string sweep_name;            // the base spec's name
  std::vector<std::string> labels;   // one per axis, then "seed-N" if seeds are listed
  ExperimentSpec spec;               // the merged spec, with its name and seed
};

// The file in <out>/<sweep name>/ that lists the sweep's point names in grid
// order, one per line; `rwn report` orders its rows and columns by it.
inline constexpr char kSweepPointsFile[] = "sweep_points.txt";

// Checks the sweep itself (axes, labels, patches) and returns its points.
// Errors name the axis and value: an axis without a name or values, two axes
// of one name, a value without a label or with a duplicate label, a patch
// that sets nothing or sets the name or seed (labels and seeds give those).
absl::StatusOr<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& sweep);

}  // namespace rwn

#endif  // RWN_EXPERIMENTS_SWEEP_H_
