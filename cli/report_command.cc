// rwn report: tables and figures of a folder of runs (reports/report.h).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "cli/shared_flags.h"
#include "core/text_proto.h"
#include "reports/page.h"
#include "reports/report.h"

namespace rwn::cli {
namespace {

int Report(const std::vector<std::string>&) {
  if (FLAGS_runs.empty() || gflags::GetCommandLineFlagInfoOrDie("out").is_default) {
    return Fail(absl::InvalidArgumentError("report needs --runs=DIR and --out=DIR"));
  }
  int unfinished = 0;
  std::vector<std::string> superseded;
  absl::StatusOr<std::vector<RunRecord>> runs = ReadRuns(FLAGS_runs, &unfinished, &superseded);
  if (!runs.ok()) return Fail(runs.status());
  PrintSuperseded("report", superseded);
  if (runs->empty()) {
    return Fail(absl::NotFoundError(
        absl::StrCat(FLAGS_runs, ": no finished or diverged runs (", unfinished, " unfinished)")));
  }
  ReportOptions options;
  if (!FLAGS_spec.empty()) {
    absl::StatusOr<SweepSpec> sweep = ParseTextProtoFile<SweepSpec>(FLAGS_spec);
    if (!sweep.ok()) return Fail(sweep.status());
    options.titles[sweep->base().name()] = sweep->titles();
  }
  ReportPage page = MakeReportPage(*runs, options);
  absl::StatusOr<std::vector<std::string>> written = WriteReport(*runs, FLAGS_out, options, &page);
  if (!written.ok()) return Fail(written.status());
  absl::StatusOr<std::vector<std::string>> index = page.Write(FLAGS_out);
  if (!index.ok()) return Fail(index.status());
  written->insert(written->begin(), index->begin(), index->end());
  int diverged = 0;
  for (const RunRecord& run : *runs) diverged += run.summary.status() == RunSummary::DIVERGED;
  std::printf("%zu finished runs, %d diverged (%d unfinished, %zu superseded skipped) -> %s: %s\n",
              runs->size() - diverged, diverged, unfinished, superseded.size(), FLAGS_out.c_str(),
              absl::StrJoin(*written, ", ").c_str());
  return 0;
}

}  // namespace

const Command kReport{"report",
                      "  rwn report --runs=DIR --out=DIR [--spec=SWEEP.pbtxt]\n"
                      "      tables (Markdown, CSV; mean +- std over seeds) and figures (PNG,\n"
                      "      SVG) of the finished runs under --runs, all on one page:\n"
                      "      index.md and index.html; diverged runs are counted, not\n"
                      "      plotted. One run per point and seed: where a point's spec changed\n"
                      "      and it ran again, the older run is skipped (and named).\n"
                      "      --spec: the sweep's spec, for its titles.\n",
                      __FILE__,
                      {"runs", "out", "spec"},
                      Report};

}  // namespace rwn::cli
