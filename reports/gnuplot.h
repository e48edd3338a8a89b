// Drawing PNG figures with gnuplot (Debian gnuplot-nox, installed by
// setup.sh): the report's and the weight analysis's figures are gnuplot
// scripts written next to their data, so a reader can restyle them.
#ifndef RWN_REPORTS_GNUPLOT_H_
#define RWN_REPORTS_GNUPLOT_H_

#include <string>

#include "absl/status/status.h"

namespace rwn {

// `text` as a double-quoted gnuplot string.
std::string GnuplotQuote(const std::string& text);

// The opening lines of a script that draws `png` (1 or more plots).
std::string GnuplotHeader(const std::string& png, int width = 900, int height = 600);

// Writes `script` to `script_path` and runs gnuplot on it; the error names
// the script and repeats gnuplot's output.
absl::Status RunGnuplot(const std::string& script_path, const std::string& script);

}  // namespace rwn

#endif  // RWN_REPORTS_GNUPLOT_H_
