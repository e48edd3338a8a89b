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

// One run of a sweep. Its spec is the base merged with one value per axis;
// its name is "<sweep>/<label>/.../<label>", with "/seed-N" when the sweep
// lists seeds; spec.sweep() says where it sits in the grid.
struct SweepPoint {
  int index = 0;        // 0-based: the grid (last axis fastest) once per seed
  ExperimentSpec spec;  // the merged spec, with its name, seed and coordinates
};

// Checks the sweep itself (axes, labels, patches) and returns its points.
// Errors name the axis and value: an axis without a name or values, two axes
// of one name, a value without a label or with a duplicate label, a patch
// that sets nothing or sets the name or seed (labels and seeds give those).
absl::StatusOr<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& sweep);

}  // namespace rwn

#endif  // RWN_EXPERIMENTS_SWEEP_H_
