// The figures of a sweep's report, drawn with gnuplot as PNG and SVG beside
// their data and script (<sweep>_<kind>.{png,svg,dat,gp}):
//   fraction  test accuracy against the fraction of parameters learned (log
//             scale), one line per model and fixed-weight kind, each model's
//             all-learned accuracy dotted (the paper's Figures 1, 4, 5)
//   params    test accuracy against learned parameters (log scale) with a
//             least-squares line in log10 per series, its slope and (from
//             three points) its R^2 in the legend (Figure 3)
//   dims      accuracy against learned parameters per sliced weight
//             dimension, each point labelled (Figure 2); for a sweep that
//             slices more than one dimension (which gets no other figure)
//   curves    test top-1 after each epoch, one colour per point, for sweeps
//             of at most 7 points trained 2 or more epochs; with validation
//             top-1 dashed beside it for at most 3 points
// One colour per model (colour-blind-safe), one marker and line style per
// fixed-weight kind (random: filled circles, solid; zero: open squares,
// dashed); mean with error bars (sample std over seeds) where a point has
// several seeds; the legend outside the data.
#ifndef RWN_REPORTS_FIGURES_H_
#define RWN_REPORTS_FIGURES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "reports/report.h"

namespace rwn {

class ReportPage;

struct FigureTarget {
  std::string out;                    // the report folder
  std::string sweep;                  // the sweep's name
  std::string title;                  // the figure's title; "" = the sweep's name
  std::vector<std::string>* written;  // gets the names of the PNGs drawn
  ReportPage* page = nullptr;         // gets each figure drawn, if given
};

// Whether `points` slice more than one weight dimension (the dims figure's
// case).
bool SlicesSeveralDimensions(const std::vector<const Point*>& points);

// Each draws nothing (and returns OK) when `points` have nothing to show.
absl::Status FractionFigure(const FigureTarget& target, const std::vector<const Point*>& points);
absl::Status ParamsFigure(const FigureTarget& target, const std::vector<const Point*>& points);
absl::Status DimensionsFigure(const FigureTarget& target, const std::vector<const Point*>& points);
absl::Status CurvesFigure(const FigureTarget& target, const std::vector<const Point*>& points);

}  // namespace rwn

#endif  // RWN_REPORTS_FIGURES_H_
