#include "reports/figures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "reports/gnuplot.h"
#include "reports/page.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

constexpr int kWidth = 1100, kHeight = 600;
// Sweeps with more points than this get no curves figure: their lines
// would not be told apart.
constexpr size_t kMostCurves = 7;  // as many as SeriesColor has
constexpr size_t kMostValidationCurves = 3;

// The least-squares line y = a + b x, and its R^2: the share of the
// variance of y that the line explains (NaN where y does not vary).
struct Line {
  double a = 0, b = 0, r2 = std::numeric_limits<double>::quiet_NaN();
};
Line Fit(const std::vector<std::pair<double, double>>& xy) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = xy.size();
  for (auto [x, y] : xy) sx += x, sy += y, sxx += x * x, sxy += x * y;
  const double d = n * sxx - sx * sx;
  if (n < 2 || d == 0) return {n > 0 ? sy / n : 0, 0};
  Line line;
  line.b = (n * sxy - sx * sy) / d;
  line.a = (sy - line.b * sx) / n;
  double residual = 0, total = 0;
  for (auto [x, y] : xy) {
    residual += std::pow(y - line.a - line.b * x, 2);
    total += std::pow(y - sy / n, 2);
  }
  if (total > 0) line.r2 = 1 - residual / total;
  return line;
}

// Each model's colour, in the order the models first appear.
std::map<std::string, std::string> ModelColors(const std::vector<const Point*>& points) {
  std::map<std::string, std::string> colors;
  for (const Point* p : points) {
    if (colors.count(p->model) == 0) colors[p->model] = SeriesColor(colors.size());
  }
  return colors;
}

// Whether some point has several seeds (then error bars are drawn).
bool HasSpread(const std::vector<const Point*>& points) {
  return std::any_of(points.begin(), points.end(), [](const Point* p) { return p->top1.n > 1; });
}

// Marker and dash of a fixed-weight kind (random: filled, solid; zero: open,
// dashed) and of its `variant`-th setting of the sweep's other axes.
std::string KindStyle(const std::string& fixed, int variant = 0) {
  static const int kFilled[] = {7, 9, 13, 11}, kOpen[] = {4, 8, 12, 10};
  static const int kSolid[] = {1, 4, 5, 1}, kDashed[] = {2, 3, 6, 2};
  const int v = variant % 4;
  return fixed == "zero" ? absl::StrCat("pointtype ", kOpen[v], " dashtype ", kDashed[v])
                         : absl::StrCat("pointtype ", kFilled[v], " dashtype ", kSolid[v]);
}

// What sets a point's series apart besides its model and fixed-weight kind:
// its labels on the axes that model and kind do not determine, except the
// one the series runs along (the most labels, then the widest range of
// learned parameters), joined by ", " (Figure 4's "with-bn", "without-bn").
std::map<const Point*, std::string> SeriesExtras(const std::vector<const Point*>& points) {
  std::map<const Point*, std::string> extras;
  if (points.empty()) return extras;
  size_t depth = points.front()->labels.size();
  for (const Point* p : points) depth = std::min(depth, p->labels.size());
  std::vector<size_t> free_axes;
  for (size_t axis = 0; axis < depth; ++axis) {
    std::map<std::pair<std::string, std::string>, std::set<std::string>> by_kind;
    for (const Point* p : points) by_kind[{p->model, p->fixed}].insert(p->labels[axis]);
    if (std::any_of(by_kind.begin(), by_kind.end(),
                    [](const auto& entry) { return entry.second.size() > 1; })) {
      free_axes.push_back(axis);
    }
  }
  // An axis's label count, then how far apart its labels' parameter counts
  // lie (the largest count of one label minus the largest of another).
  auto rank = [&](size_t axis) {
    std::map<std::string, int64_t> most;
    for (const Point* p : points) {
      int64_t& learned = most[p->labels[axis]];
      learned = std::max(learned, p->learned);
    }
    int64_t low = std::numeric_limits<int64_t>::max(), high = 0;
    for (const auto& [label, learned] : most)
      low = std::min(low, learned), high = std::max(high, learned);
    return std::make_pair(most.size(), high - low);
  };
  const auto along = std::max_element(free_axes.begin(), free_axes.end(),
                                      [&](size_t a, size_t b) { return rank(a) < rank(b); });
  for (const Point* p : points) {
    std::vector<std::string> labels;
    for (auto axis = free_axes.begin(); axis != free_axes.end(); ++axis) {
      if (axis != along) labels.push_back(p->labels[*axis]);
    }
    extras[p] = absl::StrJoin(labels, ", ");
  }
  return extras;
}

// A series: model, fixed-weight kind ("" when the figure does not tell
// kinds apart) and extra (SeriesExtras).
using SeriesKey = std::tuple<std::string, std::string, std::string>;

// The series' legend entry and style; `variants` numbers the extras.
std::string SeriesTitle(const SeriesKey& key) {
  const auto& [model, kind, extra] = key;
  std::string title = kind.empty() ? model : absl::StrCat(model, ", fixed ", kind);
  if (!extra.empty()) absl::StrAppend(&title, ", ", extra);
  return title;
}
std::string SeriesStyle(const SeriesKey& key, std::map<std::string, int>* variants) {
  const std::string& extra = std::get<2>(key);
  const int variant = variants->emplace(extra, variants->size()).first->second;
  return KindStyle(std::get<1>(key), variant);
}

// A point's x, mean and std (in %) as a data line.
std::string DataLine(double x, const Point& p) {
  return absl::StrCat(x, " ", 100 * p.top1.mean, " ", 100 * p.top1.std, "\n");
}

// The settings every figure shares: title, y axis, grid, legend outside.
std::string CommonSettings(const std::string& title) {
  // Centred on the whole figure, not on the plot beside the legend, where a
  // long title would run off the left edge.
  return absl::StrCat("set label 1000 ", GnuplotQuote(title),
                      " at screen 0.5, screen 0.975 center front\nset tmargin 4",
                      "\nset ylabel 'test top-1 accuracy (%)'\nset grid\n",
                      "set key outside right top vertical Left reverse spacing 1.3\n",
                      "set border 3\nset tics nomirror\n");
}

// The figure's title: the sweep's (or its name), then what it shows.
std::string Title(const FigureTarget& target, const std::string& subtitle) {
  return absl::StrCat(target.title.empty() ? target.sweep : target.title, "\n", subtitle);
}

// Writes <sweep>_<kind>.dat and .gp and draws the .png and .svg.
absl::Status Draw(const FigureTarget& target, const std::string& kind, const std::string& subtitle,
                  const std::string& settings, const std::string& data,
                  const std::vector<std::string>& plots) {
  const std::string name = absl::StrCat(absl::StrReplaceAll(target.sweep, {{"/", "_"}}), "_", kind);
  const std::string base = (fs::path(target.out) / name).string();
  RETURN_IF_ERROR(WriteFileAtomically(base + ".dat", data));
  const std::string body = absl::StrCat(CommonSettings(Title(target, subtitle)), settings,
                                        "data = ", GnuplotQuote(name + ".dat"), "\nplot ",
                                        absl::StrJoin(plots, ", \\\n  "));
  RETURN_IF_ERROR(RunGnuplot(base + ".gp", GnuplotFigure(name, kWidth, kHeight, body)));
  target.written->push_back(name + ".png");
  if (target.page != nullptr) {
    target.page->AddFigure(target.title.empty() ? target.sweep : target.title, subtitle, name);
  }
  return absl::OkStatus();
}

// A series of points: its data block and plot clause, or its fit's.
std::string SeriesPlot(int index, bool spread, const std::string& color, const std::string& style,
                       const std::string& with, const std::string& title) {
  // Lines have a dash but no marker: their style's "pointtype N" is left out.
  const bool lines = with == "lines";
  std::string line_style = style;
  if (const size_t at = style.find("pointtype "); lines && at != std::string::npos) {
    const size_t end = style.find(' ', at + 10);
    line_style.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
  }
  return absl::StrCat("data index ", index, spread ? " using 1:2:3 with " : " using 1:2 with ",
                      with, " linecolor rgb '", color, "' ", line_style, " linewidth 2 ",
                      lines ? "" : "pointsize 1.3 ",
                      title.empty() ? "notitle" : "title " + GnuplotQuote(title));
}

}  // namespace

absl::Status FractionFigure(const FigureTarget& target, const std::vector<const Point*>& points) {
  const std::map<std::string, std::string> colors = ModelColors(points);
  const std::map<const Point*, std::string> extras = SeriesExtras(points);
  std::vector<SeriesKey> order;
  std::map<SeriesKey, std::vector<const Point*>> lines;
  std::vector<const Point*> references;
  for (const Point* p : points) {
    if (p->all_learned) {
      references.push_back(p);
      continue;
    }
    const SeriesKey key = {p->model, p->fixed, extras.at(p)};
    if (lines.count(key) == 0) order.push_back(key);
    lines[key].push_back(p);
  }
  std::map<std::string, int> variants;
  if (lines.empty()) return absl::OkStatus();
  const bool spread = HasSpread(points);
  std::string data;
  std::vector<std::string> plots;
  int index = 0;
  for (const auto& key : order) {
    std::vector<const Point*>& line = lines[key];
    std::sort(line.begin(), line.end(),
              [](const Point* a, const Point* b) { return a->fraction < b->fraction; });
    // Slices of one dimension at growing sizes make a line; other selections
    // (Table 1's layer groups) are points, each labelled.
    const bool sliced =
        std::all_of(line.begin(), line.end(), [](const Point* p) { return !p->dimension.empty(); });
    for (const Point* p : line) {
      data += DataLine(p->fraction, *p);
      if (!sliced)
        data.insert(data.size() - 1, " " + (p->labels.empty() ? p->name : p->labels.back()));
    }
    data += "\n\n";
    const std::string color = colors.at(std::get<0>(key));
    const std::string with =
        sliced ? (spread ? "yerrorlines" : "linespoints") : (spread ? "yerrorbars" : "points");
    plots.push_back(
        SeriesPlot(index, spread, color, SeriesStyle(key, &variants), with, SeriesTitle(key)));
    if (!sliced) {
      plots.push_back(absl::StrCat("data index ", index, " using 1:2:4 with labels offset 0,1.2 ",
                                   "textcolor rgb '", color, "' font 'Sans,9' notitle"));
    }
    ++index;
  }
  // One line per model: learning everything under each fixed kind is the
  // same training, so its points are averaged.
  std::map<std::string, std::pair<double, int>> reference;  // model -> sum, count
  for (const Point* p : references) {
    reference[p->model].first += p->top1.mean;
    ++reference[p->model].second;
  }
  for (const auto& [model, sum_count] : reference) {
    plots.push_back(absl::StrCat(
        100 * sum_count.first / sum_count.second, " with lines linecolor rgb '", colors.at(model),
        "' dashtype 3 linewidth 2 title ", GnuplotQuote(absl::StrCat(model, ", all learned"))));
  }
  return Draw(target, "fraction", "test accuracy against the fraction of parameters learned",
              absl::StrCat("set xlabel 'parameters learned (log scale)'\nset logscale x\n",
                           // Tic labels are formats: %% is a percent sign.
                           "set xtics ('0.1%%' 0.001, '0.2%%' 0.002, '0.5%%' 0.005, '1%%' 0.01, "
                           "'2%%' 0.02, '5%%' 0.05, '10%%' 0.1, '20%%' 0.2, '50%%' 0.5, "
                           "'100%%' 1)\n"),
              data, plots);
}

absl::Status ParamsFigure(const FigureTarget& target, const std::vector<const Point*>& points) {
  // One series (and fit) per model, and per fixed-weight kind when the sweep
  // has both: zeroed and random fixed weights follow different lines. The
  // all-learned point ends both.
  bool zero = false;
  for (const Point* p : points) zero |= !p->all_learned && p->fixed == "zero";
  const std::map<std::string, std::string> colors = ModelColors(points);
  const std::map<const Point*, std::string> extras = SeriesExtras(points);
  std::vector<SeriesKey> order;
  std::map<SeriesKey, std::vector<const Point*>> series;
  for (const Point* p : points) {
    if (p->learned == 0) continue;
    std::vector<std::string> kinds = {p->fixed};
    if (!zero) kinds = {""};
    if (zero && p->all_learned) kinds = {"random", "zero"};
    for (const std::string& kind : kinds) {
      const SeriesKey key = {p->model, kind, extras.at(p)};
      if (series.count(key) == 0) order.push_back(key);
      series[key].push_back(p);
    }
  }
  std::map<std::string, int> variants;
  // Nothing to plot against when every point learns as much (a sweep of
  // epochs or learning rates).
  const bool one_count = std::all_of(points.begin(), points.end(), [&](const Point* p) {
    return p->learned == points.front()->learned;
  });
  if (series.empty() || one_count) return absl::OkStatus();
  const bool spread = HasSpread(points);
  std::string data;
  std::vector<std::string> plots;
  int index = 0;
  for (const auto& key : order) {
    const std::vector<const Point*>& members = series[key];
    std::vector<std::pair<double, double>> xy;
    for (const Point* p : members) {
      data += DataLine(static_cast<double>(p->learned), *p);
      xy.push_back({std::log10(static_cast<double>(p->learned)), 100 * p->top1.mean});
    }
    data += "\n\n";
    const std::string title = SeriesTitle(key);
    const std::string color = colors.at(std::get<0>(key));
    const std::string style = SeriesStyle(key, &variants);
    if (xy.size() < 2) {
      plots.push_back(
          SeriesPlot(index++, spread, color, style, spread ? "yerrorbars" : "points", title));
      continue;
    }
    const Line line = Fit(xy);
    // Two points lie on their line whatever they are: R^2 from three.
    const std::string r2 =
        xy.size() > 2 && std::isfinite(line.r2) ? absl::StrFormat(", R\u00b2 %.2f", line.r2) : "";
    plots.push_back(SeriesPlot(index++, spread, color, style, spread ? "yerrorbars" : "points",
                               absl::StrFormat("%s: %.1f points per decade%s", title, line.b, r2)));
    // The fitted line over the series' own range.
    const auto [low, high] = std::minmax_element(xy.begin(), xy.end());
    absl::StrAppend(&data, std::pow(10, low->first), " ", line.a + line.b * low->first, "\n",
                    std::pow(10, high->first), " ", line.a + line.b * high->first, "\n\n\n");
    plots.push_back(SeriesPlot(index++, false, color, style, "lines", ""));
  }
  return Draw(target, "params",
              "test accuracy against learned parameters, with a least-squares line in log10 "
              "parameters",
              absl::StrCat("set xlabel 'learned parameters (log scale)'\nset logscale x\n",
                           "set format x '%.0s%c'\nset mxtics 10\n"),
              data, plots);
}

bool SlicesSeveralDimensions(const std::vector<const Point*>& points) {
  std::set<std::string> dimensions;
  for (const Point* p : points) {
    if (!p->dimension.empty()) dimensions.insert(p->dimension);
  }
  return dimensions.size() >= 2;
}

absl::Status DimensionsFigure(const FigureTarget& target, const std::vector<const Point*>& points) {
  if (!SlicesSeveralDimensions(points)) return absl::OkStatus();
  std::map<std::string, std::vector<const Point*>> series;
  for (const Point* p : points) {
    if (!p->dimension.empty()) series[p->dimension].push_back(p);
  }
  const bool spread = HasSpread(points);
  std::string data;
  std::vector<std::string> plots;
  int index = 0;
  for (const auto& [dimension, members] : series) {
    // Points that coincide (e.g. a third and one of 3 rows) share one label.
    std::vector<std::pair<const Point*, std::string>> labelled;
    for (const Point* p : members) {
      const std::string label = p->labels.empty() ? p->name : p->labels.back();
      auto same = std::find_if(labelled.begin(), labelled.end(), [&](const auto& entry) {
        return entry.first->learned == p->learned && entry.first->top1.mean == p->top1.mean;
      });
      if (same == labelled.end()) {
        labelled.push_back({p, label});
      } else {
        absl::StrAppend(&same->second, ",", label);
      }
    }
    for (const auto& [p, label] : labelled) {
      absl::StrAppend(&data, p->learned, " ", 100 * p->top1.mean, " ", 100 * p->top1.std, " ",
                      label, "\n");
    }
    data += "\n\n";
    const std::string color = SeriesColor(index);
    plots.push_back(SeriesPlot(index, spread, color, "pointtype 7",
                               spread ? "yerrorbars" : "points",
                               absl::StrCat("dim_slice ", dimension)));
    plots.push_back(absl::StrCat("data index ", index++, " using 1:2:4 with labels offset 0,1.2 ",
                                 "textcolor rgb '", color, "' font 'Sans,9' notitle"));
  }
  return Draw(target, "dims", "test accuracy against learned parameters, per sliced dimension",
              absl::StrCat("set xlabel 'learned parameters (log scale)'\nset logscale x\n",
                           "set format x '%.0s%c'\nset mxtics 10\n"),
              data, plots);
}

absl::Status CurvesFigure(const FigureTarget& target, const std::vector<const Point*>& points) {
  if (points.empty() || points.size() > kMostCurves) return absl::OkStatus();
  const bool several_epochs = std::any_of(
      points.begin(), points.end(), [](const Point* p) { return p->epoch_test_top1.size() >= 2; });
  if (!several_epochs) return absl::OkStatus();
  const bool spread = HasSpread(points);
  // Validation curves beside the test ones only while the lines stay few.
  const bool validation_drawn =
      points.size() <= kMostValidationCurves &&
      std::any_of(points.begin(), points.end(), [](const Point* p) {
        return std::any_of(p->epoch_val_top1.begin(), p->epoch_val_top1.end(),
                           [](const Stat& s) { return s.n > 0; });
      });
  std::string data;
  std::vector<std::string> plots;
  int index = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = *points[i];
    const std::string color = SeriesColor(i);
    const std::string label = p.labels.empty() ? p.name : absl::StrJoin(p.labels, " / ");
    for (const bool validation : {false, true}) {
      if (validation && !validation_drawn) continue;
      const std::vector<Stat>& curve = validation ? p.epoch_val_top1 : p.epoch_test_top1;
      if (std::none_of(curve.begin(), curve.end(), [](const Stat& s) { return s.n > 0; })) {
        continue;
      }
      for (size_t epoch = 0; epoch < curve.size(); ++epoch) {
        if (curve[epoch].n == 0) continue;
        absl::StrAppend(&data, epoch + 1, " ", 100 * curve[epoch].mean, " ", 100 * curve[epoch].std,
                        "\n");
      }
      data += "\n\n";
      plots.push_back(SeriesPlot(
          index++, spread, color, validation ? "pointtype 6 dashtype 2" : "pointtype 7 dashtype 1",
          spread ? "yerrorlines" : "linespoints",
          validation_drawn ? absl::StrCat(label, validation ? ", validation" : ", test") : label));
    }
  }
  return Draw(target, "curves",
              validation_drawn
                  ? "top-1 accuracy after each epoch: test (solid), validation (dashed)"
                  : "test top-1 accuracy after each epoch",
              "set xlabel 'epoch'\nset xtics 1\nset ylabel 'top-1 accuracy (%)'\n", data, plots);
}

}  // namespace rwn
