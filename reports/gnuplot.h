// Drawing figures with gnuplot (Debian gnuplot-nox, installed by setup.sh):
// the report's and the weight analysis's figures are gnuplot scripts written
// next to their data, so a reader can restyle them. Each figure is drawn as
// PNG (for Markdown pages) and SVG (for papers).
#ifndef RWN_REPORTS_GNUPLOT_H_
#define RWN_REPORTS_GNUPLOT_H_

#include <string>

#include "absl/status/status.h"

namespace rwn {

// `text` as a double-quoted gnuplot string (a newline in it breaks the line).
std::string GnuplotQuote(const std::string& text);

// The colour of series `index` (0-based): the Okabe-Ito palette, which
// colour-blind readers tell apart, as "#rrggbb"; it repeats after 7.
std::string SeriesColor(int index);

// A script that draws `body` (settings and plot commands) twice, into
// `base`.png and `base`.svg, `width` x `height` pixels. Paths in scripts are
// relative to the script's folder, where RunGnuplot runs them, so a report
// folder can be moved and its figures redrawn (`gnuplot NAME.gp` there).
std::string GnuplotFigure(const std::string& base, int width, int height, const std::string& body);

// Writes `script` to `script_path` and runs gnuplot on it in the script's
// folder; the error names the script and repeats gnuplot's output.
absl::Status RunGnuplot(const std::string& script_path, const std::string& script);

}  // namespace rwn

#endif  // RWN_REPORTS_GNUPLOT_H_
