#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/table.h"
#include "core/text_proto.h"
#include "reports/gnuplot.h"
#include "run/run_folder.h"
#include "selectors/selector.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

// The file name stem of a sweep's table and figures.
std::string FileStem(const std::string& sweep) { return absl::StrReplaceAll(sweep, {{"/", "_"}}); }

// y = a + b x by least squares.
std::pair<double, double> Fit(const std::vector<std::pair<double, double>>& xy) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = xy.size();
  for (auto [x, y] : xy) sx += x, sy += y, sxx += x * x, sxy += x * y;
  const double d = n * sxx - sx * sx;
  if (n < 2 || d == 0) return {n > 0 ? sy / n : 0, 0};
  const double b = (n * sxy - sx * sy) / d;
  return {(sy - b * sx) / n, b};
}

// Draws <sweep>_<kind>.png from <sweep>_<kind>.dat (`data`) with gnuplot
// (<sweep>_<kind>.gp): the title "<sweep>: <title>", then `settings`
// (gnuplot lines: axes, key, scales), then one plot of `plots`.
absl::Status DrawFigure(const std::string& out, const std::string& sweep, const std::string& kind,
                        const std::string& title, const std::string& settings,
                        const std::string& data, const std::vector<std::string>& plots,
                        std::vector<std::string>* written) {
  const std::string name = absl::StrCat(FileStem(sweep), "_", kind);
  const std::string base = (fs::path(out) / name).string();
  RETURN_IF_ERROR(WriteFileAtomically(base + ".dat", data));
  const std::string script = absl::StrCat(GnuplotHeader(base + ".png"), "set title ",
                                          GnuplotQuote(absl::StrCat(sweep, ": ", title)), "\n",
                                          settings, "data = ", GnuplotQuote(base + ".dat"),
                                          "\nplot ", absl::StrJoin(plots, ", \\\n  "), "\n");
  RETURN_IF_ERROR(RunGnuplot(base + ".gp", script));
  written->push_back(name + ".png");
  return absl::OkStatus();
}

// Test accuracy against the learned fraction of parameters.
absl::Status FractionFigure(const std::string& sweep, const std::vector<const Point*>& points,
                            const std::string& out, std::vector<std::string>* written) {
  std::map<std::string, std::vector<const Point*>> lines;  // "<model>, fixed <kind>"
  std::map<std::string, double> reference;                 // model -> all-learned accuracy
  for (const Point* p : points) {
    if (p->all_learned) {
      reference[p->model] = 100 * p->final_top1.mean;
    } else {
      lines[absl::StrCat(p->model, ", fixed ", p->fixed)].push_back(p);
    }
  }
  if (lines.empty()) return absl::OkStatus();
  std::vector<std::string> plots;
  int index = 0;
  std::string data;
  for (auto& [label, line] : lines) {
    std::sort(line.begin(), line.end(),
              [](const Point* a, const Point* b) { return a->fraction < b->fraction; });
    for (const Point* p : line) {
      absl::StrAppend(&data, p->fraction, " ", 100 * p->final_top1.mean, " ",
                      100 * p->final_top1.std, "\n");
    }
    absl::StrAppend(&data, "\n\n");
    plots.push_back(
        absl::StrCat("data index ", index++, " with yerrorlines title ", GnuplotQuote(label)));
  }
  for (const auto& [model, accuracy] : reference) {
    plots.push_back(absl::StrCat(accuracy, " with lines dashtype 2 title ",
                                 GnuplotQuote(absl::StrCat(model, ", all learned"))));
  }
  return DrawFigure(out, sweep, "fraction", "test accuracy against the fraction of weights learned",
                    "set xlabel 'fraction of parameters learned (log scale)'\n"
                    "set ylabel 'test top-1 accuracy (%)'\nset logscale x\n"
                    "set key bottom right\nset grid\n",
                    data, plots, written);
}

// Test accuracy against log10 of the learned parameters, with fitted lines.
absl::Status ParamsFigure(const std::string& sweep, const std::vector<const Point*>& points,
                          const std::string& out, std::vector<std::string>* written) {
  // One series (and fit) per model, and per fixed-weight kind when the
  // sweep has both: zeroed and random fixed weights follow different lines.
  bool zero = false;
  for (const Point* p : points) zero |= !p->all_learned && p->fixed == "zero";
  std::map<std::string, std::vector<std::pair<double, double>>> by_model;
  for (const Point* p : points) {
    if (p->learned == 0) continue;
    const double x = std::log10(static_cast<double>(p->learned));
    if (!zero) {
      by_model[p->model].push_back({x, 100 * p->final_top1.mean});
    } else if (p->all_learned) {  // the end point of both lines
      for (const char* kind : {"random", "zero"}) {
        by_model[absl::StrCat(p->model, ", fixed ", kind)].push_back({x, 100 * p->final_top1.mean});
      }
    } else {
      by_model[absl::StrCat(p->model, ", fixed ", p->fixed)].push_back(
          {x, 100 * p->final_top1.mean});
    }
  }
  if (by_model.empty()) return absl::OkStatus();
  std::string data;
  std::vector<std::string> plots;
  int index = 0, series = 0;
  for (const auto& [model, xy] : by_model) {
    // A series' points and its fit share a colour; point shapes differ too.
    const int color = ++series;
    for (auto [x, y] : xy) absl::StrAppend(&data, x, " ", y, "\n");
    absl::StrAppend(&data, "\n\n");
    plots.push_back(absl::StrCat("data index ", index++, " with points linecolor ", color,
                                 " pointtype ", 4 + 2 * (series % 5), " title ",
                                 GnuplotQuote(model)));
    if (xy.size() >= 2) {
      // The fitted line over the model's own range of x.
      auto [a, b] = Fit(xy);
      double low = xy[0].first, high = xy[0].first;
      for (auto [x, y] : xy) low = std::min(low, x), high = std::max(high, x);
      absl::StrAppend(&data, low, " ", a + b * low, "\n", high, " ", a + b * high, "\n\n\n");
      plots.push_back(
          absl::StrCat("data index ", index++, " with lines linecolor ", color, " title ",
                       GnuplotQuote(absl::StrFormat("%s fit: %.1f points per decade", model, b))));
    }
  }
  return DrawFigure(out, sweep, "params", "test accuracy against learned parameters",
                    "set xlabel 'log10(learned parameters)'\nset ylabel 'test top-1 accuracy (%)'\n"
                    "set key bottom right\nset grid\n",
                    data, plots, written);
}

// The paper's dim_slice of a learn block with one slicing selector.
std::string SliceDimension(const LearnSpec& learn) {
  std::string dimension;
  for (const SelectorSpec& spec : learn.selector()) {
    auto selector = SelectorRegistry::Global().CreateFromOneof(spec, SelectorContext{});
    if (!selector.ok()) return "";
    const std::string kind = (*selector)->SlicedDimension();
    if (kind.empty()) continue;
    if (!dimension.empty() && dimension != kind) return "";
    dimension = kind;
  }
  return dimension;
}

// Accuracy against learned parameters, one series per sliced dimension,
// each point labelled with its last label (Figure 2).
absl::Status DimensionsFigure(const std::string& sweep, const std::vector<const Point*>& points,
                              const std::string& out, std::vector<std::string>* written) {
  std::map<std::string, std::vector<const Point*>> series;
  for (const Point* p : points) {
    if (!p->dimension.empty()) series[p->dimension].push_back(p);
  }
  if (series.size() < 2) return absl::OkStatus();
  std::string data;
  std::vector<std::string> plots;
  int index = 0;
  for (const auto& [dimension, members] : series) {
    // Points that coincide (e.g. a third and one of 3 rows) share one label.
    std::vector<std::pair<std::pair<int64_t, double>, std::string>> labelled;
    for (const Point* p : members) {
      const std::pair<int64_t, double> at = {p->learned, 100 * p->final_top1.mean};
      const std::string label = p->labels.empty() ? p->name : p->labels.back();
      auto it = std::find_if(labelled.begin(), labelled.end(),
                             [&](const auto& entry) { return entry.first == at; });
      if (it == labelled.end()) {
        labelled.push_back({at, label});
      } else {
        absl::StrAppend(&it->second, ",", label);
      }
    }
    for (const auto& [at, label] : labelled) {
      absl::StrAppend(&data, at.first, " ", at.second, " ", label, "\n");
    }
    absl::StrAppend(&data, "\n\n");
    plots.push_back(absl::StrCat("data index ", index,
                                 " using 1:2 with points pointtype 7 pointsize 1.5 title ",
                                 GnuplotQuote(absl::StrCat("dim_slice ", dimension))));
    plots.push_back(absl::StrCat("data index ", index++,
                                 " using 1:2:3 with labels offset 0,1 font 'Sans,9' notitle"));
  }
  return DrawFigure(out, sweep, "dims", "slicing different dimensions of the conv weights",
                    "set xlabel 'learned parameters (log scale)'\n"
                    "set ylabel 'test top-1 accuracy (%)'\nset logscale x\n"
                    "set key bottom right\nset grid\n",
                    data, plots, written);
}

}  // namespace

absl::StatusOr<std::vector<RunRecord>> ReadRuns(const std::string& root, int* unfinished) {
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    return absl::NotFoundError(absl::StrCat(root, ": no such folder of runs"));
  }
  std::vector<RunRecord> runs;
  int open = 0;
  for (auto it = fs::recursive_directory_iterator(root, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    const RunFolder folder(it->path().string());
    if (!it->is_directory(error) || !folder.IsRun()) continue;
    it.disable_recursion_pending();  // what is inside a run belongs to it
    if (!folder.Finished()) {
      ++open;
      continue;
    }
    RunRecord run;
    run.dir = folder.dir();
    ASSIGN_OR_RETURN(run.spec, folder.ReadSpec());
    ASSIGN_OR_RETURN(run.summary, folder.ReadSummary());
    runs.push_back(std::move(run));
  }
  auto order = [](const RunRecord& run) {
    const SweepCoordinates& at = run.spec.sweep();
    return std::make_tuple(!run.spec.has_sweep(), at.name(), at.point(), run.spec.name(),
                           run.spec.seed());
  };
  std::sort(runs.begin(), runs.end(),
            [&](const RunRecord& a, const RunRecord& b) { return order(a) < order(b); });
  if (unfinished) *unfinished = open;
  return runs;
}

Stat Summarize(const std::vector<double>& values) {
  Stat stat;
  stat.n = static_cast<int>(values.size());
  if (values.empty()) return stat;
  for (double v : values) stat.mean += v;
  stat.mean /= stat.n;
  if (stat.n > 1) {
    double squares = 0;
    for (double v : values) squares += (v - stat.mean) * (v - stat.mean);
    stat.std = std::sqrt(squares / (stat.n - 1));
  }
  return stat;
}

std::string FormatPercent(const Stat& stat) {
  if (stat.n == 0) return "";
  if (stat.n == 1) return absl::StrFormat("%.2f", 100 * stat.mean);
  return absl::StrFormat("%.2f +- %.2f", 100 * stat.mean, 100 * stat.std);
}

namespace {

// A point's name: its sweep and labels, or outside a sweep the run's name.
std::string PointName(const ExperimentSpec& spec) {
  if (!spec.has_sweep()) return spec.name();
  std::vector<std::string> parts = {spec.sweep().name()};
  parts.insert(parts.end(), spec.sweep().label().begin(), spec.sweep().label().end());
  return absl::StrJoin(parts, "/");
}

}  // namespace

std::vector<Point> GroupPoints(const std::vector<RunRecord>& runs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RunRecord*>> groups;
  for (const RunRecord& run : runs) {
    const std::string name = PointName(run.spec);
    if (groups.count(name) == 0) order.push_back(name);
    groups[name].push_back(&run);
  }
  std::vector<Point> points;
  for (const std::string& name : order) {
    const std::vector<const RunRecord*>& members = groups[name];
    const RunRecord& first = *members.front();
    Point p;
    p.name = name;
    p.sweep = first.spec.sweep().name();
    p.axes.assign(first.spec.sweep().axis().begin(), first.spec.sweep().axis().end());
    p.labels.assign(first.spec.sweep().label().begin(), first.spec.sweep().label().end());
    p.model = first.summary.model();
    p.dataset = first.summary.dataset();
    p.params = first.summary.params();
    p.learned = first.summary.learned_params();
    p.fraction = p.params > 0 ? static_cast<double>(p.learned) / p.params : 1;
    p.all_learned = !first.spec.has_learn() || p.learned == p.params;
    p.fixed = first.spec.learn().fixed() == LearnSpec::ZERO ? "zero" : "random";
    p.dimension = SliceDimension(first.spec.learn());
    p.members = first.summary.ensemble().members();
    std::vector<double> finals, bests, member_means, bases;
    for (const RunRecord* run : members) {
      if (run->summary.status() == RunSummary::DIVERGED) {
        ++p.diverged;
        continue;
      }
      finals.push_back(run->summary.final_test_top1());
      bests.push_back(run->summary.best_test_top1());
      member_means.push_back(run->summary.ensemble().mean_member_test_top1());
      bases.push_back(run->summary.ensemble().base_test_top1());
    }
    p.final_top1 = Summarize(finals);
    p.best_top1 = Summarize(bests);
    p.mean_member_top1 = Summarize(member_means);
    p.base_top1 = Summarize(bases);
    points.push_back(std::move(p));
  }
  return points;
}

namespace {

// Writes the report's files into one folder and remembers their names.
struct ReportWriter {
  std::string out;
  std::vector<std::string>* written;
  absl::Status Write(const std::string& name, const std::string& content) const {
    RETURN_IF_ERROR(WriteFileAtomically((fs::path(out) / name).string(), content));
    written->push_back(name);
    return absl::OkStatus();
  }
};

// A summary's accuracy as a cell: empty when the run has none.
std::string Fraction(bool present, double value) {
  return present ? absl::StrFormat("%.4f", value) : "";
}

// One row per run; a value that does not apply to a run is an empty cell.
Table RunsTable(const std::vector<RunRecord>& runs) {
  Table all({"name", "seed", "status", "model", "dataset", "params", "learned", "final_top1",
             "best_top1", "best_epoch", "test_top1_at_best_val", "epochs", "wall_seconds"});
  for (const RunRecord& run : runs) {
    const RunSummary& s = run.summary;
    all.AddRow({run.spec.name(), absl::StrCat(run.spec.seed()),
                s.status() == RunSummary::DIVERGED ? "diverged" : "finished", s.model(),
                s.dataset(), absl::StrCat(s.params()), absl::StrCat(s.learned_params()),
                Fraction(s.has_final_test_top1(), s.final_test_top1()),
                Fraction(s.has_best_test_top1(), s.best_test_top1()),
                s.has_best_epoch() ? absl::StrCat(s.best_epoch()) : "",
                Fraction(s.has_test_top1_at_best_val(), s.test_top1_at_best_val()),
                absl::StrCat(s.epochs()), absl::StrFormat("%.1f", s.wall_seconds())});
  }
  return all;
}

// A point's accuracy over its finished runs, and how many diverged:
// "84.12 +- 0.31 (1 diverged)", or "diverged" when all did.
std::string ResultCell(const Stat& stat, int diverged) {
  if (diverged == 0) return FormatPercent(stat);
  if (stat.n == 0) return "diverged";
  return absl::StrCat(FormatPercent(stat), " (", diverged, " diverged)");
}

// One row per point, mean +- std over seeds.
Table PointsTable(const std::vector<Point>& points) {
  Table table({"point", "model", "dataset", "learned / params", "learned", "runs", "test top-1 (%)",
               "best-epoch test top-1 (%)"},
              {Table::kLeft, Table::kLeft, Table::kLeft, Table::kRight, Table::kRight,
               Table::kRight, Table::kRight, Table::kRight});
  for (const Point& p : points) {
    table.AddRow({p.name, p.model, p.dataset,
                  absl::StrCat(WithCommas(p.learned), " / ", WithCommas(p.params)),
                  absl::StrFormat("%.2f%%", 100 * p.fraction),
                  absl::StrCat(p.final_top1.n + p.diverged), ResultCell(p.final_top1, p.diverged),
                  ResultCell(p.best_top1, p.diverged)});
  }
  return table;
}

using Sweeps = std::vector<std::pair<std::string, std::vector<const Point*>>>;

// The points of each sweep, in order; points outside a sweep are left out.
Sweeps BySweep(const std::vector<Point>& points) {
  Sweeps sweeps;
  for (const Point& p : points) {
    if (p.sweep.empty()) continue;
    const std::string& sweep = p.sweep;
    auto it = std::find_if(sweeps.begin(), sweeps.end(),
                           [&](const auto& entry) { return entry.first == sweep; });
    if (it == sweeps.end()) it = sweeps.insert(sweeps.end(), {sweep, {}});
    it->second.push_back(&p);
  }
  return sweeps;
}

// Cheap ensembles: the layout of Table 4.
Table EnsembleTable(const std::vector<const Point*>& members) {
  Table ensembles({"", "model", "members", "learned (all members)", "mean member top-1 (%)",
                   "ensemble top-1 (%)", "base top-1 (%)"},
                  {Table::kLeft, Table::kLeft, Table::kRight, Table::kRight, Table::kRight,
                   Table::kRight, Table::kRight});
  for (const Point* p : members) {
    ensembles.AddRow({p->labels.empty() ? p->name : absl::StrJoin(p->labels, " / "), p->model,
                      absl::StrCat(p->members), WithCommas(p->learned),
                      FormatPercent(p->mean_member_top1), FormatPercent(p->final_top1),
                      FormatPercent(p->base_top1)});
  }
  return ensembles;
}

// The pivot table's row axis: the label with the most values, the last one
// on a tie.
size_t RowAxis(const std::vector<const Point*>& members) {
  size_t depth = members.front()->labels.size();
  for (const Point* p : members) depth = std::min(depth, p->labels.size());
  size_t row_axis = depth > 0 ? depth - 1 : 0;
  size_t most = 0;
  for (size_t axis = 0; axis < depth; ++axis) {
    std::set<std::string> values;
    for (const Point* p : members) values.insert(p->labels[axis]);
    if (values.size() >= most) most = values.size(), row_axis = axis;
  }
  return row_axis;
}

// Rows: the values of the row axis; columns: the other labels.
Table PivotTable(const std::vector<const Point*>& members) {
  const size_t row_axis = RowAxis(members);
  std::vector<std::string> columns, rows;
  std::map<std::pair<std::string, std::string>, const Point*> cells;
  for (const Point* p : members) {
    const std::string row =
        p->labels.empty() ? "-" : p->labels[std::min(row_axis, p->labels.size() - 1)];
    std::vector<std::string> others;
    for (size_t axis = 0; axis < p->labels.size(); ++axis) {
      if (axis != row_axis) others.push_back(p->labels[axis]);
    }
    const std::string column = others.empty() ? "test top-1 (%)" : absl::StrJoin(others, " / ");
    if (std::find(columns.begin(), columns.end(), column) == columns.end())
      columns.push_back(column);
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
    cells[{row, column}] = p;
  }
  const std::vector<std::string>& axes = members.front()->axes;
  std::vector<std::string> headers = {row_axis < axes.size() ? axes[row_axis] : ""};
  headers.insert(headers.end(), columns.begin(), columns.end());
  std::vector<Table::Align> align(headers.size(), Table::kRight);
  align[0] = Table::kLeft;
  Table pivot(headers, align);
  for (const std::string& row : rows) {
    std::vector<std::string> cells_of_row = {row};
    for (const std::string& column : columns) {
      auto it = cells.find({row, column});
      cells_of_row.push_back(
          it == cells.end() ? "" : ResultCell(it->second->final_top1, it->second->diverged));
    }
    pivot.AddRow(cells_of_row);
  }
  return pivot;
}

// A sweep's table and, unless it is of ensembles, its figures.
absl::Status WriteSweep(const std::string& sweep, const std::vector<const Point*>& members,
                        const ReportWriter& writer) {
  const bool ensembles =
      std::all_of(members.begin(), members.end(), [](const Point* p) { return p->members > 0; });
  const Table table = ensembles ? EnsembleTable(members) : PivotTable(members);
  RETURN_IF_ERROR(writer.Write(FileStem(sweep) + ".md", table.ToMarkdown()));
  RETURN_IF_ERROR(writer.Write(FileStem(sweep) + ".csv", table.ToCsv()));
  if (ensembles) return absl::OkStatus();
  // Figures plot results: a point whose every run diverged has none.
  std::vector<const Point*> results;
  for (const Point* p : members) {
    if (p->final_top1.n > 0) results.push_back(p);
  }
  RETURN_IF_ERROR(FractionFigure(sweep, results, writer.out, writer.written));
  RETURN_IF_ERROR(ParamsFigure(sweep, results, writer.out, writer.written));
  return DimensionsFigure(sweep, results, writer.out, writer.written);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> WriteReport(const std::vector<RunRecord>& runs,
                                                     const std::string& out) {
  std::error_code error;
  fs::create_directories(out, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(out, ": cannot create the report folder: ", error.message()));
  }
  std::vector<std::string> written;
  const ReportWriter writer{out, &written};
  RETURN_IF_ERROR(writer.Write("runs.csv", RunsTable(runs).ToCsv()));
  const std::vector<Point> points = GroupPoints(runs);
  const Table table = PointsTable(points);
  RETURN_IF_ERROR(writer.Write("points.md", table.ToMarkdown()));
  RETURN_IF_ERROR(writer.Write("points.csv", table.ToCsv()));
  for (const auto& [sweep, members] : BySweep(points)) {
    RETURN_IF_ERROR(WriteSweep(sweep, members, writer));
  }
  return written;
}

}  // namespace rwn
