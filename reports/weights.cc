#include "reports/weights.h"

#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/table.h"
#include "reports/gnuplot.h"
#include "reports/page.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

std::pair<double, double> MeanAbsAndVariance(const torch::Tensor& values) {
  if (values.numel() == 0) return {0, 0};
  const torch::Tensor v = values.to(torch::kFloat64);
  return {v.abs().mean().item<double>(),
          values.numel() > 1 ? v.var(/*unbiased=*/false).item<double>() : 0.0};
}

Table MakeTable(const std::vector<LayerWeights>& rows) {
  Table table({"layer", "group", "learned", "fixed", "learned mean |w|", "learned var",
               "fixed mean |w|", "fixed var"},
              {Table::kLeft, Table::kLeft, Table::kRight, Table::kRight, Table::kRight,
               Table::kRight, Table::kRight, Table::kRight});
  for (const LayerWeights& r : rows) {
    table.AddRow(
        {r.layer, r.group, absl::StrCat(r.learned), absl::StrCat(r.fixed),
         absl::StrFormat("%.6g", r.learned_mean_abs), absl::StrFormat("%.6g", r.learned_variance),
         absl::StrFormat("%.6g", r.fixed_mean_abs), absl::StrFormat("%.6g", r.fixed_variance)});
  }
  return table;
}

}  // namespace

std::vector<LayerWeights> AnalyzeWeights(const LoadedRun& run) {
  torch::NoGradGuard no_grad;
  std::vector<LayerWeights> rows;
  for (const Layer& layer : run.network->layers) {
    if (layer.kind != LayerKind::kConv) continue;
    const torch::Tensor whole = CurrentValue(*run.network, layer.weight).detach().cpu();
    const torch::Tensor mask = LearnedMask(run.plan, layer.weight, whole.sizes().vec());
    LayerWeights row;
    row.layer = layer.name;
    row.group = layer.group;
    const torch::Tensor learned = whole.masked_select(mask);
    const torch::Tensor fixed = whole.masked_select(mask.logical_not());
    row.learned = learned.numel();
    row.fixed = fixed.numel();
    std::tie(row.learned_mean_abs, row.learned_variance) = MeanAbsAndVariance(learned);
    std::tie(row.fixed_mean_abs, row.fixed_variance) = MeanAbsAndVariance(fixed);
    rows.push_back(row);
  }
  return rows;
}

namespace {

using Analyzed = std::vector<std::pair<std::string, std::vector<LayerWeights>>>;

// Loads and analyzes every run (labelled by its name after the sweep part);
// `csv` gets one row per run and conv layer.
absl::StatusOr<Analyzed> AnalyzeRuns(const std::vector<RunRecord>& runs, Table* csv) {
  Analyzed analyzed;
  for (const RunRecord& record : runs) {
    if (record.summary.status() == RunSummary::DIVERGED) continue;  // no trained weights
    absl::StatusOr<LoadedRun> run = LoadRun(record.dir);
    if (!run.ok()) {
      return absl::Status(run.status().code(),
                          absl::StrCat(record.dir, ": ", run.status().message()));
    }
    std::vector<LayerWeights> rows = AnalyzeWeights(*run);
    const std::vector<std::string> parts = absl::StrSplit(record.spec.name(), '/');
    const std::string label =
        parts.size() > 1 ? absl::StrJoin(parts.begin() + 1, parts.end(), " / ") : parts[0];
    for (const LayerWeights& r : rows) {
      csv->AddRow(
          {record.spec.name(), r.layer, r.group, absl::StrCat(r.learned), absl::StrCat(r.fixed),
           absl::StrFormat("%.6g", r.learned_mean_abs), absl::StrFormat("%.6g", r.learned_variance),
           absl::StrFormat("%.6g", r.fixed_mean_abs), absl::StrFormat("%.6g", r.fixed_variance)});
    }
    analyzed.push_back({label, std::move(rows)});
  }
  return analyzed;
}

// The figure's data blocks (one per run's learned weights, then the fixed
// line: per layer, the first run with fixed weights there) into `data`, and
// their plot clauses, with %d for the column.
std::vector<std::string> FigureData(const Analyzed& analyzed, std::string* data) {
  std::vector<std::string> lines;
  int index = 0;
  for (const auto& [label, rows] : analyzed) {
    bool any = false;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].learned == 0) continue;
      absl::StrAppend(data, i + 1, " ", rows[i].learned_mean_abs, " ", rows[i].learned_variance,
                      "\n");
      any = true;
    }
    absl::StrAppend(data, "\n\n");
    if (any)
      lines.push_back(absl::StrCat("data index ", index,
                                   " using 1:%d with linespoints linewidth 2 pointtype 7 "
                                   "linecolor rgb '",
                                   SeriesColor(index), "' title ",
                                   GnuplotQuote(absl::StrCat("learned, ", label))));
    ++index;
  }
  bool any_fixed = false;
  for (size_t i = 0; i < analyzed.front().second.size(); ++i) {
    for (const auto& [label, rows] : analyzed) {
      if (i >= rows.size() || rows[i].fixed == 0) continue;
      absl::StrAppend(data, i + 1, " ", rows[i].fixed_mean_abs, " ", rows[i].fixed_variance, "\n");
      any_fixed = true;
      break;
    }
  }
  if (any_fixed) {
    lines.push_back(
        absl::StrCat("data index ", index,
                     " using 1:%d with lines dashtype 2 linewidth 2 lc rgb '#777777' title "
                     "'fixed (random initialization)'"));
  }
  return lines;
}

// weights.png and .svg: mean |w| above, variance below.
absl::Status DrawFigure(const std::string& title, const Analyzed& analyzed,
                        const std::string& out) {
  std::string data;
  const std::vector<std::string> lines = FigureData(analyzed, &data);
  const std::string data_path = (fs::path(out) / "weights.dat").string();
  RETURN_IF_ERROR(WriteFileAtomically(data_path, data));
  auto plot = [&](int column) {
    std::vector<std::string> filled;
    for (const std::string& line : lines) {
      filled.push_back(absl::StrReplaceAll(line, {{"%d", absl::StrCat(column)}}));
    }
    return absl::StrCat("plot ", absl::StrJoin(filled, ", \\\n  "), "\n");
  };
  const std::string body = absl::StrCat(
      "set multiplot layout 2,1 title ", GnuplotQuote(title), "\n",
      "data = ", GnuplotQuote("weights.dat"),
      "\nset grid\nset border 3\nset tics nomirror\nset key outside right top vertical Left "
      "reverse\nset xlabel 'conv layer (forward order)'\nset ylabel 'mean |w|'\n",
      plot(2), "set ylabel 'variance of w (log scale)'\nset logscale y\n", plot(3),
      "unset multiplot");
  return RunGnuplot((fs::path(out) / "weights.gp").string(),
                    GnuplotFigure("weights", 1100, 900, body));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> WriteWeightsReport(const std::vector<RunRecord>& runs,
                                                            const std::string& out,
                                                            const std::string& title,
                                                            ReportPage* page) {
  if (runs.empty()) return absl::NotFoundError("no finished runs to analyze");
  std::error_code error;
  fs::create_directories(out, error);
  Table csv({"run", "layer", "group", "learned", "fixed", "learned_mean_abs", "learned_variance",
             "fixed_mean_abs", "fixed_variance"});
  ASSIGN_OR_RETURN(const Analyzed analyzed, AnalyzeRuns(runs, &csv));
  RETURN_IF_ERROR(WriteFileAtomically((fs::path(out) / "weights.csv").string(), csv.ToCsv()));
  const std::string sweep =
      std::vector<std::string>(absl::StrSplit(runs.front().spec.name(), '/'))[0];
  const std::string heading = title.empty() ? sweep : title;
  const std::string caption =
      "mean |w| and variance per conv layer: learned weights of each run, and the fixed ones";
  RETURN_IF_ERROR(DrawFigure(absl::StrCat(heading, "\n", caption), analyzed, out));
  if (page != nullptr) {
    page->AddFigure(heading, caption, "weights");
    page->AddFile("weights.csv", "mean |w| and variance per run and conv layer");
  }
  return std::vector<std::string>{"weights.csv", "weights.png"};
}

std::string WeightsMarkdown(const std::vector<LayerWeights>& rows) {
  return MakeTable(rows).ToMarkdown();
}

std::string WeightsCsv(const std::vector<LayerWeights>& rows) { return MakeTable(rows).ToCsv(); }

}  // namespace rwn
