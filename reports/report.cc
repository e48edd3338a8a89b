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
#include "reports/figures.h"
#include "reports/page.h"
#include "run/run_folder.h"
#include "selectors/selector.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

// The file name stem of a sweep's table and figures.
std::string FileStem(const std::string& sweep) { return absl::StrReplaceAll(sweep, {{"/", "_"}}); }

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

// A point's name: its sweep and labels, or outside a sweep the run's name.
std::string PointName(const ExperimentSpec& spec) {
  if (!spec.has_sweep()) return spec.name();
  std::vector<std::string> parts = {spec.sweep().name()};
  parts.insert(parts.end(), spec.sweep().label().begin(), spec.sweep().label().end());
  return absl::StrJoin(parts, "/");
}

// Keeps, of the runs sharing a point and seed, the one whose summary was
// written last; the others' folders go to `superseded`.
void DropSuperseded(std::vector<RunRecord>* runs, std::vector<std::string>* superseded) {
  std::map<std::pair<std::string, int64_t>, std::pair<fs::file_time_type, size_t>> newest;
  std::error_code error;
  for (size_t i = 0; i < runs->size(); ++i) {
    const RunRecord& run = (*runs)[i];
    const auto written = fs::last_write_time(RunFolder(run.dir).summary(), error);
    auto [it, added] = newest.try_emplace({PointName(run.spec), run.spec.seed()}, written, i);
    if (added) continue;
    const RunRecord& kept = (*runs)[it->second.second];
    if (std::tie(written, run.dir) > std::tie(it->second.first, kept.dir))
      it->second = {written, i};
  }
  std::vector<bool> keep(runs->size());
  for (const auto& [key, at] : newest) keep[at.second] = true;
  std::vector<RunRecord> kept;
  for (size_t i = 0; i < runs->size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move((*runs)[i]));
    } else if (superseded) {
      superseded->push_back((*runs)[i].dir);
    }
  }
  *runs = std::move(kept);
  if (superseded) std::sort(superseded->begin(), superseded->end());
}

}  // namespace

absl::StatusOr<std::vector<RunRecord>> ReadRuns(const std::string& root, int* unfinished,
                                                std::vector<std::string>* superseded) {
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
    ASSIGN_OR_RETURN(run.epochs, folder.ReadMetrics());
    runs.push_back(std::move(run));
  }
  DropSuperseded(&runs, superseded);
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

void PrintSuperseded(const std::string& command, const std::vector<std::string>& superseded) {
  for (const std::string& dir : superseded) {
    std::fprintf(stderr, "%s: skipped %s: a newer run of its point and seed replaces it\n",
                 command.c_str(), dir.c_str());
  }
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

// The point's per-epoch test and validation top-1 over its runs.
void EpochCurves(const std::vector<const RunRecord*>& runs, Point* p) {
  std::vector<std::vector<double>> test, val;
  for (const RunRecord* run : runs) {
    for (const EpochMetrics& epoch : run->epochs) {
      if (epoch.epoch() < 1) continue;
      const size_t at = epoch.epoch() - 1;
      if (test.size() <= at) test.resize(at + 1), val.resize(at + 1);
      test[at].push_back(epoch.test_top1());
      if (epoch.has_val_top1()) val[at].push_back(epoch.val_top1());
    }
  }
  for (size_t at = 0; at < test.size(); ++at) {
    p->epoch_test_top1.push_back(Summarize(test[at]));
    p->epoch_val_top1.push_back(Summarize(val[at]));
  }
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
    p.chosen_by_validation = std::all_of(members.begin(), members.end(), [](const RunRecord* run) {
      return run->summary.status() == RunSummary::DIVERGED ||
             run->summary.has_test_top1_at_best_val();
    });
    std::vector<double> finals, bests, member_means, bases;
    for (const RunRecord* run : members) {
      if (run->summary.status() == RunSummary::DIVERGED) {
        ++p.diverged;
        continue;
      }
      finals.push_back(p.chosen_by_validation ? run->summary.test_top1_at_best_val()
                                              : run->summary.final_test_top1());
      bests.push_back(run->summary.best_test_top1());
      member_means.push_back(run->summary.ensemble().mean_member_test_top1());
      bases.push_back(run->summary.ensemble().base_test_top1());
    }
    p.top1 = Summarize(finals);
    EpochCurves(members, &p);
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
  ReportPage* page;  // or null
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
                  absl::StrFormat("%.2f%%", 100 * p.fraction), absl::StrCat(p.top1.n + p.diverged),
                  ResultCell(p.top1, p.diverged), ResultCell(p.best_top1, p.diverged)});
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
                      FormatPercent(p->mean_member_top1), FormatPercent(p->top1),
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
          it == cells.end() ? "" : ResultCell(it->second->top1, it->second->diverged));
    }
    pivot.AddRow(cells_of_row);
  }
  return pivot;
}

// A sweep's table and, unless it is of ensembles, its figures.
absl::Status WriteSweep(const std::string& sweep, const std::vector<const Point*>& members,
                        const ReportTitles& titles, const ReportWriter& writer) {
  const bool ensembles =
      std::all_of(members.begin(), members.end(), [](const Point* p) { return p->members > 0; });
  const Table table = ensembles ? EnsembleTable(members) : PivotTable(members);
  RETURN_IF_ERROR(writer.Write(FileStem(sweep) + ".md", table.ToMarkdown()));
  RETURN_IF_ERROR(writer.Write(FileStem(sweep) + ".csv", table.ToCsv()));
  if (writer.page != nullptr) {
    const std::string title = titles.table().empty() ? sweep : titles.table();
    writer.page->AddTable(title,
                          ensembles ? "test top-1 (%), mean +- std over seeds"
                          : members.front()->chosen_by_validation
                              ? "test top-1 (%) at the epoch of best validation top-1, mean +- "
                                "std over seeds"
                              : "test top-1 (%) after the last epoch, mean +- std over seeds",
                          table, FileStem(sweep) + ".csv");
  }
  if (ensembles) return absl::OkStatus();
  // Figures plot results: a point whose every run diverged has none.
  std::vector<const Point*> results;
  for (const Point* p : members) {
    if (p->top1.n > 0) results.push_back(p);
  }
  auto target = [&](const std::string& title) {
    return FigureTarget{writer.out, sweep, title, writer.written, writer.page};
  };
  // Slices of several dimensions are compared in their own figure; one
  // line through all of them would join unrelated points.
  if (SlicesSeveralDimensions(results)) {
    RETURN_IF_ERROR(DimensionsFigure(target(titles.dims_figure()), results));
  } else {
    RETURN_IF_ERROR(FractionFigure(target(titles.fraction_figure()), results));
    RETURN_IF_ERROR(ParamsFigure(target(titles.params_figure()), results));
  }
  return CurvesFigure(target(titles.table()), members);
}

// "a, b and c".
std::string Enumerate(std::vector<std::string> list) {
  if (list.size() <= 1) return absl::StrJoin(list, "");
  const std::string last = list.back();
  list.pop_back();
  return absl::StrCat(absl::StrJoin(list, ", "), " and ", last);
}
std::string Enumerate(const std::set<std::string>& items) {
  return Enumerate(std::vector<std::string>(items.begin(), items.end()));
}
std::string Enumerate(const std::set<uint64_t>& numbers) {
  std::vector<std::string> items;
  for (uint64_t n : numbers) items.push_back(absl::StrCat(n));
  return Enumerate(items);
}

}  // namespace

ReportPage MakeReportPage(const std::vector<RunRecord>& runs, const ReportOptions& options) {
  std::set<std::string> sweeps, titles, models, datasets, commits, devices;
  std::set<uint64_t> epochs, seeds;  // in numeric order
  int diverged = 0;
  for (const RunRecord& run : runs) {
    const std::string sweep = run.spec.sweep().name();
    sweeps.insert(sweep.empty() ? run.spec.name() : sweep);
    auto titled = options.titles.find(sweep);
    if (titled != options.titles.end() && !titled->second.table().empty()) {
      titles.insert(titled->second.table());
    }
    models.insert(run.summary.model());
    datasets.insert(run.summary.dataset());
    epochs.insert(run.spec.epochs());
    seeds.insert(run.spec.seed());
    if (run.summary.has_commit()) commits.insert(run.summary.commit());
    if (run.summary.has_device()) devices.insert(run.summary.device());
    diverged += run.summary.status() == RunSummary::DIVERGED;
  }
  const std::string title =
      titles.size() == 1 && sweeps.size() == 1 ? *titles.begin() : absl::StrJoin(sweeps, ", ");
  std::string about = absl::StrCat(
      runs.size(), runs.size() == 1 ? " run" : " runs",
      diverged > 0 ? absl::StrCat(" (", diverged, " diverged)") : "", " of ", Enumerate(models),
      " on ", Enumerate(datasets), "; ", Enumerate(epochs),
      epochs.size() == 1 && *epochs.begin() == 1 ? " epoch" : " epochs", "; seed",
      seeds.size() == 1 ? " " : "s ", Enumerate(seeds),
      devices.empty() ? "" : absl::StrCat("; trained on ", Enumerate(devices)), "; rwn ",
      commits.empty() ? "commit not recorded" : absl::StrCat("commit ", Enumerate(commits)), ".");
  return ReportPage(title, about);
}

absl::StatusOr<std::vector<std::string>> WriteReport(const std::vector<RunRecord>& runs,
                                                     const std::string& out,
                                                     const ReportOptions& options,
                                                     ReportPage* page) {
  std::error_code error;
  fs::create_directories(out, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(out, ": cannot create the report folder: ", error.message()));
  }
  std::vector<std::string> written;
  const ReportWriter writer{out, &written, page};
  RETURN_IF_ERROR(writer.Write("runs.csv", RunsTable(runs).ToCsv()));
  const std::vector<Point> points = GroupPoints(runs);
  for (const auto& [sweep, members] : BySweep(points)) {
    auto titles = options.titles.find(sweep);
    RETURN_IF_ERROR(WriteSweep(
        sweep, members, titles == options.titles.end() ? ReportTitles() : titles->second, writer));
  }
  const Table table = PointsTable(points);
  RETURN_IF_ERROR(writer.Write("points.md", table.ToMarkdown()));
  RETURN_IF_ERROR(writer.Write("points.csv", table.ToCsv()));
  if (page != nullptr) {
    page->AddTable("Every point",
                   "parameters learned, runs, and test top-1 (%), mean +- std over seeds", table,
                   "points.csv");
    page->AddFile("runs.csv", "one row per run (seed, status, accuracies, epochs, wall time)");
  }
  return written;
}

}  // namespace rwn
