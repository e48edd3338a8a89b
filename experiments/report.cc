#include "experiments/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/table.h"
#include "core/text_proto.h"
#include "google/protobuf/util/json_util.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

std::string WithoutSeed(const std::string& name) {
  const size_t slash = name.rfind('/');
  if (slash != std::string::npos && absl::StartsWith(name.substr(slash + 1), "seed-")) {
    return name.substr(0, slash);
  }
  return name;
}

std::string SweepOf(const std::string& name) {
  return std::string(*absl::StrSplit(name, '/').begin());
}

std::string Quote(const std::string& text) {  // for gnuplot strings
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

absl::Status RunGnuplot(const std::string& script_path) {
  const std::string command = absl::StrCat("gnuplot ", Quote(script_path), " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot start gnuplot");
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gnuplot failed on ", script_path, " (install Debian's gnuplot-nox with ./setup.sh): ",
        output));
  }
  return absl::OkStatus();
}

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
  std::string script = absl::StrCat(
      "set terminal pngcairo noenhanced size 900,600 font 'Sans,11'\nset output ",
      Quote((fs::path(out) / (sweep + "_fraction.png")).string()), "\n",
      "set title ", Quote(absl::StrCat(sweep, ": test accuracy against the fraction of weights learned")),
      "\nset xlabel 'fraction of parameters learned (log scale)'\n"
      "set ylabel 'test top-1 accuracy (%)'\nset logscale x\nset key bottom right\nset grid\n");
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
    plots.push_back(absl::StrCat("data index ", index++, " with yerrorlines title ", Quote(label)));
  }
  for (const auto& [model, accuracy] : reference) {
    plots.push_back(absl::StrCat(accuracy, " with lines dashtype 2 title ",
                                 Quote(absl::StrCat(model, ", all learned"))));
  }
  const std::string data_path = (fs::path(out) / (sweep + "_fraction.dat")).string();
  RETURN_IF_ERROR(WriteFileAtomically(data_path, data));
  absl::StrAppend(&script, "data = ", Quote(data_path), "\nplot ", absl::StrJoin(plots, ", \\\n  "),
                  "\n");
  const std::string script_path = (fs::path(out) / (sweep + "_fraction.gp")).string();
  RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  RETURN_IF_ERROR(RunGnuplot(script_path));
  written->push_back(sweep + "_fraction.png");
  return absl::OkStatus();
}

// Test accuracy against log10 of the learned parameters, with fitted lines.
absl::Status ParamsFigure(const std::string& sweep, const std::vector<const Point*>& points,
                          const std::string& out, std::vector<std::string>* written) {
  std::map<std::string, std::vector<std::pair<double, double>>> by_model;
  for (const Point* p : points) {
    if (p->learned > 0) {
      by_model[p->model].push_back({std::log10(static_cast<double>(p->learned)),
                                    100 * p->final_top1.mean});
    }
  }
  if (by_model.empty()) return absl::OkStatus();
  std::string data;
  std::vector<std::string> plots;
  int index = 0;
  for (const auto& [model, xy] : by_model) {
    for (auto [x, y] : xy) absl::StrAppend(&data, x, " ", y, "\n");
    absl::StrAppend(&data, "\n\n");
    plots.push_back(absl::StrCat("data index ", index++, " with points pointtype 7 title ",
                                 Quote(model)));
    if (xy.size() >= 2) {
      // The fitted line over the model's own range of x.
      auto [a, b] = Fit(xy);
      double low = xy[0].first, high = xy[0].first;
      for (auto [x, y] : xy) low = std::min(low, x), high = std::max(high, x);
      absl::StrAppend(&data, low, " ", a + b * low, "\n", high, " ", a + b * high, "\n\n\n");
      plots.push_back(absl::StrCat("data index ", index++, " with lines title ",
                                   Quote(absl::StrFormat("%s fit: %.1f points per decade", model, b))));
    }
  }
  const std::string data_path = (fs::path(out) / (sweep + "_params.dat")).string();
  RETURN_IF_ERROR(WriteFileAtomically(data_path, data));
  const std::string script = absl::StrCat(
      "set terminal pngcairo noenhanced size 900,600 font 'Sans,11'\nset output ",
      Quote((fs::path(out) / (sweep + "_params.png")).string()), "\n",
      "set title ", Quote(absl::StrCat(sweep, ": test accuracy against learned parameters")),
      "\nset xlabel 'log10(learned parameters)'\nset ylabel 'test top-1 accuracy (%)'\n"
      "set key bottom right\nset grid\n", "data = ", Quote(data_path), "\nplot ",
      absl::StrJoin(plots, ", \\\n  "), "\n");
  const std::string script_path = (fs::path(out) / (sweep + "_params.gp")).string();
  RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  RETURN_IF_ERROR(RunGnuplot(script_path));
  written->push_back(sweep + "_params.png");
  return absl::OkStatus();
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
    if (it->path().filename() != "spec.pbtxt") continue;
    const fs::path dir = it->path().parent_path();
    if (!fs::exists(dir / "summary.json")) {
      ++open;
      continue;
    }
    RunRecord run;
    run.dir = dir.string();
    ASSIGN_OR_RETURN(run.spec, ParseTextProtoFile<ExperimentSpec>((dir / "spec.pbtxt").string()));
    ASSIGN_OR_RETURN(std::string json, ReadFile((dir / "summary.json").string()));
    if (!google::protobuf::util::JsonStringToMessage(json, &run.summary).ok()) {
      return absl::DataLossError(absl::StrCat((dir / "summary.json").string(),
                                              ": not a run summary"));
    }
    runs.push_back(std::move(run));
  }
  std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) {
    return a.spec.name() != b.spec.name() ? a.spec.name() < b.spec.name()
                                          : a.spec.seed() < b.spec.seed();
  });
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
  if (stat.n <= 1) return absl::StrFormat("%.2f", 100 * stat.mean);
  return absl::StrFormat("%.2f +- %.2f", 100 * stat.mean, 100 * stat.std);
}

std::vector<Point> GroupPoints(const std::vector<RunRecord>& runs) {
  std::map<std::string, std::vector<const RunRecord*>> groups;
  for (const RunRecord& run : runs) groups[WithoutSeed(run.spec.name())].push_back(&run);
  std::vector<Point> points;
  for (const auto& [name, members] : groups) {
    Point p;
    p.name = name;
    std::vector<std::string> parts = absl::StrSplit(name, '/');
    p.labels.assign(parts.begin() + 1, parts.end());
    const RunRecord& first = *members.front();
    p.model = first.summary.model();
    p.dataset = first.summary.dataset();
    p.params = first.summary.params();
    p.learned = first.summary.learned_params();
    p.fraction = p.params > 0 ? static_cast<double>(p.learned) / p.params : 1;
    p.all_learned = !first.spec.has_learn();
    p.fixed = first.spec.learn().fixed() == LearnSpec::ZERO ? "zero" : "random";
    std::vector<double> finals, bests;
    for (const RunRecord* run : members) {
      finals.push_back(run->summary.final_test_top1());
      bests.push_back(run->summary.best_test_top1());
    }
    p.final_top1 = Summarize(finals);
    p.best_top1 = Summarize(bests);
    points.push_back(std::move(p));
  }
  return points;
}

absl::StatusOr<std::vector<std::string>> WriteReport(const std::vector<RunRecord>& runs,
                                                     const std::string& out) {
  std::error_code error;
  fs::create_directories(out, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(out, ": cannot create the report folder: ", error.message()));
  }
  std::vector<std::string> written;
  auto write = [&](const std::string& name, const std::string& content) -> absl::Status {
    RETURN_IF_ERROR(WriteFileAtomically((fs::path(out) / name).string(), content));
    written.push_back(name);
    return absl::OkStatus();
  };
  // Every run.
  Table all({"name", "seed", "model", "dataset", "params", "learned", "final_top1", "best_top1",
             "best_epoch", "test_top1_at_best_val", "epochs", "wall_seconds"});
  for (const RunRecord& run : runs) {
    const RunSummary& s = run.summary;
    all.AddRow({run.spec.name(), absl::StrCat(run.spec.seed()), s.model(), s.dataset(),
                absl::StrCat(s.params()), absl::StrCat(s.learned_params()),
                absl::StrFormat("%.4f", s.final_test_top1()),
                absl::StrFormat("%.4f", s.best_test_top1()), absl::StrCat(s.best_epoch()),
                absl::StrFormat("%.4f", s.test_top1_at_best_val()), absl::StrCat(s.epochs()),
                absl::StrFormat("%.1f", s.wall_seconds())});
  }
  RETURN_IF_ERROR(write("runs.csv", all.ToCsv()));

  // Every point, mean +- std over seeds.
  const std::vector<Point> points = GroupPoints(runs);
  Table table({"point", "model", "dataset", "learned / params", "learned", "runs",
               "test top-1 (%)", "best-epoch test top-1 (%)"},
              {Table::kLeft, Table::kLeft, Table::kLeft, Table::kRight, Table::kRight,
               Table::kRight, Table::kRight, Table::kRight});
  for (const Point& p : points) {
    table.AddRow({p.name, p.model, p.dataset,
                  absl::StrCat(WithCommas(p.learned), " / ", WithCommas(p.params)),
                  absl::StrFormat("%.2f%%", 100 * p.fraction), absl::StrCat(p.final_top1.n),
                  FormatPercent(p.final_top1), FormatPercent(p.best_top1)});
  }
  RETURN_IF_ERROR(write("points.md", table.ToMarkdown()));
  RETURN_IF_ERROR(write("points.csv", table.ToCsv()));

  // Per sweep: the pivot table and the figures.
  std::map<std::string, std::vector<const Point*>> sweeps;
  for (const Point& p : points) sweeps[SweepOf(p.name)].push_back(&p);
  for (const auto& [sweep, members] : sweeps) {
    std::vector<std::string> columns, rows;
    std::map<std::pair<std::string, std::string>, const Point*> cells;
    for (const Point* p : members) {
      const std::string row = p->labels.empty() ? "-" : p->labels.back();
      const std::string column =
          p->labels.size() <= 1
              ? "test top-1 (%)"
              : absl::StrJoin(p->labels.begin(), p->labels.end() - 1, " / ");
      if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
      if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
      cells[{row, column}] = p;
    }
    std::vector<std::string> headers = {""};
    headers.insert(headers.end(), columns.begin(), columns.end());
    std::vector<Table::Align> align(headers.size(), Table::kRight);
    align[0] = Table::kLeft;
    Table pivot(headers, align);
    for (const std::string& row : rows) {
      std::vector<std::string> cellsOfRow = {row};
      for (const std::string& column : columns) {
        auto it = cells.find({row, column});
        cellsOfRow.push_back(it == cells.end() ? "" : FormatPercent(it->second->final_top1));
      }
      pivot.AddRow(cellsOfRow);
    }
    RETURN_IF_ERROR(write(sweep + ".md", pivot.ToMarkdown()));
    RETURN_IF_ERROR(write(sweep + ".csv", pivot.ToCsv()));
    RETURN_IF_ERROR(FractionFigure(sweep, members, out, &written));
    RETURN_IF_ERROR(ParamsFigure(sweep, members, out, &written));
  }
  return written;
}

}  // namespace rwn
