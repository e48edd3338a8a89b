// `rwn report`: tables and figures from a folder of run folders.
//
// Every finished run under the folder (a run folder with summary.json) is
// read. A sweep's runs carry their coordinates (ExperimentSpec.sweep: the
// sweep, its axes, the point's labels and grid position); the runs of one
// point that differ only in seed (outside a sweep: runs of one name) are one
// point, reported as mean +- std over its seeds. Rows and columns follow the
// sweep's axis order. Written to the output folder:
//   runs.csv                  one row per run
//   points.md, points.csv     one row per point
//   <sweep>.md, <sweep>.csv   per sweep ('/' in its name written as '_'):
//                             rows are the labels of the axis with the most
//                             values (the last such axis on a tie), named in
//                             the corner, columns the other labels (the
//                             layout of the paper's Table 1)
//   <sweep>_fraction, <sweep>_params, <sweep>_dims, <sweep>_curves
//                             (.png, .svg, with their .dat and .gp): the
//                             figures of reports/figures.h
//   index.md, index.html      (written by the ReportPage) every table and
//                             figure on one page
// A sweep of cheap ensembles gets the layout of Table 4 instead: learned
// parameters of all members, mean member accuracy, ensemble accuracy.
// Figures are drawn with gnuplot (Debian gnuplot-nox).
#ifndef RWN_REPORTS_REPORT_H_
#define RWN_REPORTS_REPORT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "experiments/sweep.pb.h"
#include "train/metrics.pb.h"

namespace rwn {

struct RunRecord {
  std::string dir;
  ExperimentSpec spec;
  RunSummary summary;
  std::vector<EpochMetrics> epochs;  // metrics.jsonl
};

// The ended (finished or diverged) runs below `root` (not the runs inside a
// run folder, such as an ensemble's members): sweeps' runs by sweep and grid
// position, then the others by name, each point's runs by seed. Unfinished
// ones are counted in `unfinished` if given. A point and seed is one run:
// where several ended runs share them (the point's spec was changed and run
// again, so its fingerprint, and folder, differ), the one whose summary was
// written last is read and the others' folders are listed in `superseded`.
absl::StatusOr<std::vector<RunRecord>> ReadRuns(const std::string& root, int* unfinished = nullptr,
                                                std::vector<std::string>* superseded = nullptr);
// Names each superseded run folder on stderr, as `command` skipped it.
void PrintSuperseded(const std::string& command, const std::vector<std::string>& superseded);

struct Stat {
  double mean = 0, std = 0;  // std: sample standard deviation (0 for one run)
  int n = 0;
};
Stat Summarize(const std::vector<double>& values);
// "84.12 +- 0.31" (percent), "84.12" for one run, "" for none.
std::string FormatPercent(const Stat& stat);

struct Point {
  std::string name;                 // the sweep and labels joined by '/', or the runs' name
  std::string sweep;                // "" outside a sweep
  std::vector<std::string> axes;    // the sweep's axis names
  std::vector<std::string> labels;  // the point's label on each axis
  std::string model, dataset;
  int64_t params = 0, learned = 0;
  // Test top-1 of the point's runs: at the epoch of best validation top-1
  // when every run held out a validation split (ExperimentSpec.
  // validation_size; the epoch is chosen without looking at the test set),
  // else after the last epoch. best_top1: the best test top-1 of any epoch.
  Stat top1, best_top1;
  bool chosen_by_validation = false;
  // Per epoch (index 0 = epoch 1), over the runs that reached it: test and,
  // with a validation split, validation top-1.
  std::vector<Stat> epoch_test_top1, epoch_val_top1;
  double fraction = 1;       // learned / params
  std::string fixed;         // "random" or "zero"
  bool all_learned = false;  // no learn block, or one that learns every parameter
  // The weight dimension the run slices when its learn block has a single
  // slicing selector (the paper's dim_slice), as the selector names it
  // (Selector::SlicedDimension): "1 filters", "2 inputs", "3 rows",
  // "4 columns" or "3-4 positions"; "" otherwise.
  std::string dimension;
  // Cheap ensembles (ExperimentSpec.ensemble): top1 is the ensemble's.
  int members = 0;  // 0: not an ensemble
  Stat mean_member_top1, base_top1;
  // Runs of the point that diverged; the Stats are over the others.
  int diverged = 0;
};

// Groups runs into points, in the runs' order.
std::vector<Point> GroupPoints(const std::vector<RunRecord>& runs);

struct ReportOptions {
  // Titles of each sweep's table and figures, by sweep name (a sweep spec's
  // `titles`); a sweep without is titled by its name.
  std::map<std::string, ReportTitles> titles;
};

class ReportPage;

// The report's page (reports/page.h) for `runs`: titled by the sweep's
// table title (or the sweeps' names), with a line saying what was run:
// models, data, epochs, seeds and rwn commits.
ReportPage MakeReportPage(const std::vector<RunRecord>& runs, const ReportOptions& options);

// Writes every table and figure for `runs` into `out`, each also added to
// `page` when given (index.md is written by page->Write). Returns the written
// file names.
absl::StatusOr<std::vector<std::string>> WriteReport(const std::vector<RunRecord>& runs,
                                                     const std::string& out,
                                                     const ReportOptions& options = {},
                                                     ReportPage* page = nullptr);

}  // namespace rwn

#endif  // RWN_REPORTS_REPORT_H_
