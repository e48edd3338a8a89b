// Report tables and figures from small fake run folders with known numbers.
#include "reports/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/testing.h"
#include "core/text_proto.h"
#include "reports/page.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = TestDir("report"); }

  // A finished run folder of sweep point `name` ("<sweep>/<label>/...", with
  // a last "/seed-N" when the sweep lists seeds) on the axes `axes_`, at
  // grid position `point`, with seed `seed`.
  void AddRun(const std::string& name, int seed, const std::string& model, int learned, double top1,
              double best_top1, const std::string& learn = "",
              const std::string& extra_summary = "", const fs::path& under = "runs",
              int point = 0) {
    const fs::path dir = root_ / under / name / absl::StrCat("run", seed);
    fs::create_directories(dir);
    std::vector<std::string> parts = absl::StrSplit(name, '/');
    if (absl::StartsWith(parts.back(), "seed-")) parts.pop_back();
    std::string sweep = absl::StrCat("sweep { name: \"", parts[0], "\" point: ", point);
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::StrAppend(&sweep, " axis: \"", axes_[i - 1], "\" label: \"", parts[i], "\"");
    }
    ASSERT_OK(WriteFileAtomically(
        (dir / "spec.pbtxt").string(),
        absl::StrCat("name: \"", name, "\" seed: ", seed, " ", learn, " ", sweep, " }")));
    ASSERT_OK(WriteFileAtomically(
        (dir / "summary.json").string(),
        absl::StrCat("{\"name\":\"", name, "\",\"model\":\"", model,
                     "\",\"dataset\":\"Fashion-MNIST\",\"params\":1000,"
                     "\"learned_params\":",
                     learned, ",\"final_test_top1\":", top1, ",\"best_test_top1\":", best_top1,
                     ",\"best_epoch\":2", extra_summary, "}")));
  }

  std::vector<std::string> axes_ = {"a1", "a2", "a3"};
  fs::path root_;
};

TEST_F(ReportTest, TablesGiveMeanAndStdOverSeedsInThePapersLayout) {
  const char* kRandom = "learn { fixed: RANDOM selector { filter_fraction { fraction: 0.1 } } }";
  const char* kZero = "learn { fixed: ZERO selector { filter_fraction { fraction: 0.1 } } }";
  AddRun("t1/wrn/cifar10/block1/seed-1", 1, "WRN", 100, 0.80, 0.81, kRandom);
  AddRun("t1/wrn/cifar10/block1/seed-2", 2, "WRN", 100, 0.84, 0.85, kRandom);
  AddRun("t1/wrn/cifar100/block1", 1, "WRN", 100, 0.50, 0.52, kRandom);
  AddRun("t1/wrn/cifar10/fc", 1, "WRN", 10, 0.40, 0.41, kZero);
  AddRun("t1/wrn/cifar10/all", 1, "WRN", 1000, 0.90, 0.91);
  fs::create_directories(root_ / "runs" / "t1/unfinished/x");
  ASSERT_OK(WriteFileAtomically((root_ / "runs/t1/unfinished/x/spec.pbtxt").string(),
                                "name: \"t1/unfinished\""));
  int unfinished = 0;
  auto runs = ReadRuns((root_ / "runs").string(), &unfinished);
  ASSERT_OK(runs);
  EXPECT_EQ(runs->size(), 5u);
  EXPECT_EQ(unfinished, 1);

  std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 4u);
  const Point& block1 = points[1];
  EXPECT_EQ(block1.name, "t1/wrn/cifar10/block1");
  EXPECT_EQ(block1.top1.n, 2);
  EXPECT_NEAR(block1.top1.mean, 0.82, 1e-12);
  EXPECT_NEAR(block1.top1.std, 0.028284271, 1e-8);  // sample std of 0.80, 0.84
  EXPECT_EQ(FormatPercent(block1.top1), "82.00 +- 2.83");
  EXPECT_NEAR(block1.fraction, 0.1, 1e-12);
  EXPECT_EQ(points[2].fixed, "zero");
  EXPECT_TRUE(points[0].all_learned);

  auto written = WriteReport(*runs, (root_ / "report").string());
  ASSERT_OK(written);
  EXPECT_THAT(*written, ::testing::IsSupersetOf({"runs.csv", "points.md", "points.csv", "t1.md",
                                                 "t1.csv", "t1_fraction.png", "t1_params.png"}));
  const std::string pivot = *ReadFile((root_ / "report/t1.md").string());
  // Rows: the last label; columns: the labels before it.
  EXPECT_THAT(pivot, HasSubstr("| wrn / cifar10 | wrn / cifar100 |"));
  EXPECT_THAT(pivot, HasSubstr("| block1 | 82.00 +- 2.83 |          50.00 |"));
  EXPECT_THAT(pivot, HasSubstr("| fc     |         40.00 |                |"));
  const std::string csv = *ReadFile((root_ / "report/points.csv").string());
  EXPECT_THAT(csv, HasSubstr("t1/wrn/cifar10/block1,WRN,Fashion-MNIST,\"100 / "
                             "1,000\",10.00%,2,82.00 +- 2.83,83.00 +- 2.83"));
  EXPECT_THAT(
      *ReadFile((root_ / "report/runs.csv").string()),
      HasSubstr(
          "t1/wrn/cifar10/block1/seed-2,2,finished,WRN,Fashion-MNIST,1000,100,0.8400,0.8500,2,,"));
  for (const char* figure : {"t1_fraction", "t1_params"}) {
    const std::string image = *ReadFile((root_ / "report" / figure).string() + ".png");
    ASSERT_GT(image.size(), 1000u) << figure;
    EXPECT_EQ(image.substr(1, 3), "PNG") << figure;
    EXPECT_THAT(*ReadFile((root_ / "report" / figure).string() + ".svg"), HasSubstr("<svg"))
        << figure;
  }
  // The fitted line's slope is in the legend: accuracy points per decade of
  // learned parameters, one line per model, fixed kind and dataset (an axis
  // neither model nor kind explains); the all-learned point (1000 -> 90%)
  // ends both CIFAR-10 lines. Zero: 10 -> 40% and 1000 -> 90%, 50 points
  // over 2 decades. Random: 100 -> 82%, 1000 -> 90%. CIFAR-100's one point
  // has no line. One colour for the model; random and zero differ in marker
  // and dash, and so does the other dataset. A point with two seeds gets
  // error bars (std).
  const std::string params = *ReadFile((root_ / "report/t1_params.gp").string());
  EXPECT_THAT(params, HasSubstr("with yerrorbars linecolor rgb '#0072B2' pointtype 7 dashtype 1"));
  EXPECT_THAT(params, HasSubstr("title \"WRN, fixed random, cifar10: 8.0 points per decade\""));
  EXPECT_THAT(params, HasSubstr("with yerrorbars linecolor rgb '#0072B2' pointtype 4 dashtype 2"));
  EXPECT_THAT(params, HasSubstr("title \"WRN, fixed zero, cifar10: 25.0 points per decade\""));
  EXPECT_THAT(params, HasSubstr("pointtype 9 dashtype 4 linewidth 2 pointsize 1.3 title "
                                "\"WRN, fixed random, cifar100\"\n"));
  // A log axis labelled 1k, 10k, ..., and the legend outside the data.
  EXPECT_THAT(params, HasSubstr("set logscale x\nset format x '%.0s%c'"));
  EXPECT_THAT(params, HasSubstr("set key outside right"));
  // Paths relative to the report folder, which can be moved and redrawn.
  EXPECT_THAT(params, HasSubstr("set output \"t1_params.png\""));
  EXPECT_THAT(params, HasSubstr("data = \"t1_params.dat\""));
  EXPECT_THAT(*ReadFile((root_ / "report/t1_params.dat").string()), HasSubstr("100 82 2.82843\n"));
}

// How straight "accuracy against log parameters" is: from three points of a
// series the legend adds the line's R^2. Here 10, 100, 1000 learned give 50,
// 80, 80%: the line 40 + 15 log10(n) misses by -5, +10, -5 points, 150 of
// the 600 squared points around the mean of 70, so R^2 = 0.75.
TEST_F(ReportTest, TheParamsLegendGivesTheFitsRSquaredFromThreePoints) {
  const char* kFraction = "learn { selector { filter_fraction { fraction: 0.1 } } }";
  AddRun("r/wrn/0.01", 1, "WRN", 10, 0.50, 0.50, kFraction);
  AddRun("r/wrn/0.1", 1, "WRN", 100, 0.80, 0.80, kFraction);
  AddRun("r/wrn/1.0", 1, "WRN", 1000, 0.80, 0.80);
  AddRun("r/vgg/0.1", 1, "VGG", 100, 0.60, 0.60, kFraction);
  AddRun("r/vgg/1.0", 1, "VGG", 1000, 0.70, 0.70);
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const std::string params = *ReadFile((root_ / "report/r_params.gp").string());
  EXPECT_THAT(params, HasSubstr("title \"WRN: 15.0 points per decade, R\u00b2 0.75\""));
  // Two points are always on their line: no R^2.
  EXPECT_THAT(params, HasSubstr("title \"VGG: 10.0 points per decade\""));
}

// The one page: the title, what was run, then every table and figure in
// order, in Markdown (PNGs) and in self-contained HTML (SVGs inline).
TEST_F(ReportTest, OnePageHoldsEveryTableAndFigure) {
  AddRun("p/wrn/0.1/seed-1", 1, "WRN", 100, 0.70, 0.70,
         "learn { selector { filter_fraction { fraction: 0.1 } } }",
         ",\"commit\":\"abc123\",\"device\":\"cpu\"");
  AddRun("p/wrn/0.1/seed-2", 2, "WRN", 100, 0.72, 0.72,
         "learn { selector { filter_fraction { fraction: 0.1 } } }", ",\"device\":\"cuda:0\"");
  AddRun("p/wrn/1.0/seed-1", 1, "WRN", 1000, 0.90, 0.90);
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ReportOptions options;
  options.titles["p"].set_table("Table 9: a test");
  options.titles["p"].set_params_figure("Figure 9: a test");
  ReportPage page = MakeReportPage(*runs, options);
  const std::string out = (root_ / "report").string();
  ASSERT_OK(WriteReport(*runs, out, options, &page));
  auto index = page.Write(out);
  ASSERT_OK(index);
  EXPECT_EQ(*index, (std::vector<std::string>{"index.md", "index.html"}));
  const std::string md = *ReadFile(out + "/index.md");
  EXPECT_THAT(md, HasSubstr("# Table 9: a test\n\n3 runs of WRN on Fashion-MNIST; 10 epochs; "
                            "seeds 1 and 2; trained on cpu and cuda:0; rwn commit abc123.\n"));
  const size_t table = md.find("[CSV](p.csv)"), fraction = md.find("![p](p_fraction.png)"),
               params = md.find("## Figure 9: a test"), points = md.find("## Every point");
  ASSERT_NE(table, std::string::npos) << md;
  ASSERT_NE(fraction, std::string::npos) << md;
  ASSERT_NE(params, std::string::npos) << md;
  EXPECT_LT(table, fraction);
  EXPECT_LT(fraction, params);
  EXPECT_LT(params, points);
  EXPECT_THAT(md, HasSubstr("71.00 +- 1.41 |"));
  const std::string html = *ReadFile(out + "/index.html");
  EXPECT_THAT(html, HasSubstr("<h1>Table 9: a test</h1>"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("<?xml")));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("<td style=\"text-align:right\">71.00 +- 1.41</td>"));
}

// A diverged run has no result: its point's numbers are over the others
// and say how many diverged; a point whose every run diverged reads
// "diverged" and is left out of the figures.
TEST_F(ReportTest, DivergedRunsAreCountedNotAveraged) {
  const char* kLearn = "learn { selector { filter_fraction { fraction: 0.1 } } }";
  AddRun("d/0.1/seed-1", 1, "WRN", 100, 0.80, 0.81, kLearn);
  AddRun("d/0.1/seed-2", 2, "WRN", 100, 0.84, 0.85, kLearn);
  AddRun("d/0.1/seed-3", 3, "WRN", 100, 0, 0, kLearn);
  AddRun("d/0.2/seed-1", 1, "WRN", 200, 0, 0, kLearn);
  for (const char* run : {"d/0.1/seed-3/run3", "d/0.2/seed-1/run1"}) {
    ASSERT_OK(WriteFileAtomically(
        (root_ / "runs" / run / "summary.json").string(),
        "{\"status\":\"DIVERGED\",\"divergence\":{\"epoch\":1,\"step\":2,\"loss\":\"NaN\"},"
        "\"model\":\"WRN\",\"dataset\":\"Fashion-MNIST\",\"params\":1000,\"learned_params\":100}"));
  }
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 4u);
  const std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].top1.n, 2);
  EXPECT_EQ(points[0].diverged, 1);
  EXPECT_NEAR(points[0].top1.mean, 0.82, 1e-12);
  EXPECT_EQ(points[1].top1.n, 0);
  EXPECT_EQ(points[1].diverged, 1);

  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const std::string pivot = *ReadFile((root_ / "report/d.md").string());
  EXPECT_THAT(pivot, HasSubstr("| 0.1 | 82.00 +- 2.83 (1 diverged) |"));
  EXPECT_THAT(pivot, HasSubstr("| 0.2 |                   diverged |"));
  const std::string csv = *ReadFile((root_ / "report/runs.csv").string());
  EXPECT_THAT(csv, HasSubstr("\nd/0.1/seed-3,3,diverged,WRN,Fashion-MNIST,1000,100,,,,,0,0.0\n"));
  // The figure's data has the finished point alone.
  const absl::StatusOr<std::string> data = ReadFile((root_ / "report/d_fraction.dat").string());
  ASSERT_OK(data);
  EXPECT_THAT(*data, HasSubstr("0.1 82 "));
  EXPECT_THAT(*data, ::testing::Not(HasSubstr("0.2 ")));
}

// A point whose spec changed and ran again has a second run folder (another
// fingerprint) for the same seed: the run written last counts, the older is
// named, not averaged in.
TEST_F(ReportTest, ARunReplacedByANewerRunOfItsPointAndSeedIsSkipped) {
  const char* kLearn = "learn { selector { filter_fraction { fraction: 0.1 } } }";
  AddRun("s/0.1/seed-1", 1, "WRN", 100, 0.10, 0.10, kLearn, "", "runs/old");
  AddRun("s/0.1/seed-1", 1, "WRN", 100, 0.80, 0.81, kLearn);
  AddRun("s/0.1/seed-2", 2, "WRN", 100, 0.84, 0.85, kLearn);
  const fs::path old_summary = root_ / "runs/old/s/0.1/seed-1/run1/summary.json";
  const fs::path new_summary = root_ / "runs/s/0.1/seed-1/run1/summary.json";
  fs::last_write_time(old_summary, fs::last_write_time(new_summary) - std::chrono::hours(1));
  std::vector<std::string> superseded;
  auto runs = ReadRuns((root_ / "runs").string(), nullptr, &superseded);
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_THAT(superseded, ::testing::ElementsAre(old_summary.parent_path().string()));
  const std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].top1.n, 2);
  EXPECT_NEAR(points[0].top1.mean, 0.82, 1e-12);

  // Made newer, the other run of seed 1 is the one read.
  fs::last_write_time(old_summary, fs::last_write_time(new_summary) + std::chrono::hours(1));
  superseded.clear();
  runs = ReadRuns((root_ / "runs").string(), nullptr, &superseded);
  ASSERT_OK(runs);
  EXPECT_THAT(superseded, ::testing::ElementsAre(new_summary.parent_path().string()));
  EXPECT_NEAR(GroupPoints(*runs)[0].top1.mean, 0.47, 1e-12);
}

TEST_F(ReportTest, RunsWithAValidationSplitReportTheTestAccuracyAtTheirBestValidationEpoch) {
  const char* kLearn = "learn { selector { filter_fraction { fraction: 0.1 } } }";
  // Last epoch 0.80 and 0.84; at the best validation epoch 0.70 and 0.74.
  AddRun("v/0.1/seed-1", 1, "WRN", 100, 0.80, 0.81, kLearn,
         ",\"best_val_top1\":0.9,\"best_val_epoch\":1,\"test_top1_at_best_val\":0.70");
  AddRun("v/0.1/seed-2", 2, "WRN", 100, 0.84, 0.85, kLearn,
         ",\"best_val_top1\":0.9,\"best_val_epoch\":1,\"test_top1_at_best_val\":0.74");
  // Without a validation split: the last epoch's.
  AddRun("w/0.1/seed-1", 1, "WRN", 100, 0.80, 0.81, kLearn);
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  const std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_TRUE(points[0].chosen_by_validation);
  EXPECT_NEAR(points[0].top1.mean, 0.72, 1e-12);
  EXPECT_NEAR(points[0].best_top1.mean, 0.83, 1e-12);
  EXPECT_FALSE(points[1].chosen_by_validation);
  EXPECT_NEAR(points[1].top1.mean, 0.80, 1e-12);

  ReportPage page("validation", "");
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string(), {}, &page));
  EXPECT_THAT(*ReadFile((root_ / "report/v.md").string()), HasSubstr("| 0.1 |  72.00 +- 2.83 |"));
  ASSERT_OK(page.Write((root_ / "report").string()));
  const std::string index = *ReadFile((root_ / "report/index.md").string());
  EXPECT_THAT(index, HasSubstr("at the epoch of best validation top-1"));
  EXPECT_THAT(index, HasSubstr("after the last epoch"));
}

// Each epoch's metrics line, as training writes it.
std::string EpochLine(int epoch, double test_top1, double val_top1) {
  return absl::StrCat("{\"epoch\":", epoch, ",\"test_top1\":", test_top1,
                      ",\"val_top1\":", val_top1, "}\n");
}

TEST_F(ReportTest, SmallSweepsGetTheirLearningCurves) {
  for (int seed : {1, 2}) {
    const std::string name = absl::StrCat("c/4/seed-", seed);
    AddRun(name, seed, "WRN", 1000, 0.8, 0.8);
    ASSERT_OK(WriteFileAtomically(
        (root_ / "runs" / name / absl::StrCat("run", seed) / "metrics.jsonl").string(),
        EpochLine(1, 0.5 + 0.1 * seed, 0.6) + EpochLine(2, 0.8, 0.9)));
  }
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_EQ((*runs)[0].epochs.size(), 2u);
  EXPECT_DOUBLE_EQ((*runs)[0].epochs[1].val_top1(), 0.9);
  const std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 1u);
  ASSERT_EQ(points[0].epoch_test_top1.size(), 2u);
  EXPECT_NEAR(points[0].epoch_test_top1[0].mean, 0.65, 1e-12);
  EXPECT_NEAR(points[0].epoch_val_top1[1].mean, 0.9, 1e-12);

  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const absl::StatusOr<std::string> data = ReadFile((root_ / "report/c_curves.dat").string());
  ASSERT_OK(data);
  // Test, then validation: epoch, mean and std in %.
  EXPECT_THAT(*data, HasSubstr("1 65 7.07107\n2 80 0\n\n\n1 60 0\n2 90 0\n"));
  EXPECT_TRUE(fs::exists(root_ / "report/c_curves.png"));
  // One point, one parameter count: no figure against parameters.
  EXPECT_FALSE(fs::exists(root_ / "report/c_params.png"));

  // The report of `points` two-epoch runs of sweep `sweep`, in folder `sweep`.
  auto report_of = [&](const std::string& sweep, int points) {
    for (int i = 0; i < points; ++i) {
      AddRun(absl::StrCat(sweep, "/", i), 1, "WRN", 1000, 0.8, 0.8, "", "", "runs_" + sweep, i);
      ASSERT_OK(WriteFileAtomically(
          (root_ / ("runs_" + sweep) / absl::StrCat(sweep, "/", i) / "run1/metrics.jsonl").string(),
          EpochLine(1, 0.5, 0.6) + EpochLine(2, 0.8, 0.9)));
    }
    auto runs = ReadRuns((root_ / ("runs_" + sweep)).string());
    ASSERT_OK(runs);
    ASSERT_OK(WriteReport(*runs, (root_ / sweep).string()));
  };
  // Four points: their test curves alone.
  report_of("four", 4);
  EXPECT_EQ(*ReadFile((root_ / "four/four_curves.dat").string()),
            "1 50 0\n2 80 0\n\n\n1 50 0\n2 80 0\n\n\n1 50 0\n2 80 0\n\n\n1 50 0\n2 80 0\n\n\n");
  EXPECT_THAT(*ReadFile((root_ / "four/four_curves.gp").string()),
              HasSubstr("test top-1 accuracy after each epoch"));

  // A sweep of more points than there are colours gets none.
  report_of("many", 8);
  EXPECT_TRUE(fs::exists(root_ / "many/many.md"));
  EXPECT_FALSE(fs::exists(root_ / "many/many_curves.dat"));
}

TEST_F(ReportTest, AnUnreadableMetricsLineIsNamed) {
  AddRun("bad/1", 1, "WRN", 1000, 0.8, 0.8);
  ASSERT_OK(WriteFileAtomically((root_ / "runs/bad/1/run1/metrics.jsonl").string(),
                                EpochLine(1, 0.5, 0.6) + "{\"epoch\": oops}\n"));
  const absl::Status status = ReadRuns((root_ / "runs").string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("bad/1/run1/metrics.jsonl:2"));
}

TEST_F(ReportTest, RowsAreTheAxisWithTheMostValues) {
  // arch x selection x fixed, as Figure 1: the selections make the rows.
  for (const char* arch : {"wrn", "resnet"}) {
    for (const char* selection : {"0.1", "0.4", "k1"}) {
      for (const char* fixed : {"random", "zero"}) {
        AddRun(absl::StrCat("f/", arch, "/", selection, "/", fixed), 1, arch, 10, 0.5, 0.5);
      }
    }
  }
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const std::string pivot = *ReadFile((root_ / "report/f.md").string());
  EXPECT_THAT(pivot, HasSubstr("| resnet / random | resnet / zero | wrn / random | wrn / zero |"));
  EXPECT_THAT(pivot, HasSubstr("| k1  |"));
}

TEST_F(ReportTest, RowsAndColumnsFollowTheSweepsAxisOrder) {
  // Name order would be block1, bn, conv1, fc; the grid says otherwise.
  axes_ = {"arch", "group"};
  int point = 0;
  for (const char* arch : {"wrn", "densenet"}) {
    for (const char* group : {"conv1", "block1", "fc", "bn"}) {
      AddRun(absl::StrCat("t/", arch, "/", group), 1, arch, 10, 0.5, 0.5, "", "", "runs", point++);
    }
  }
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const std::string pivot = *ReadFile((root_ / "report/t.md").string());
  // The corner names the row axis.
  EXPECT_THAT(pivot, HasSubstr("| group  |   wrn | densenet |"));
  const size_t conv1 = pivot.find("| conv1"), block1 = pivot.find("| block1"),
               fc = pivot.find("| fc"), bn = pivot.find("| bn");
  ASSERT_NE(bn, std::string::npos);
  EXPECT_LT(conv1, block1);
  EXPECT_LT(block1, fc);
  EXPECT_LT(fc, bn);
}

TEST_F(ReportTest, EnsemblesGetTheLayoutOfTable4AndTheirMembersAreNotRuns) {
  const char* kFc =
      ",\"ensemble\":{\"members\":5,\"mean_member_test_top1\":0.685,"
      "\"ensemble_test_top1\":0.7025,\"base_test_top1\":0.6}";
  const char* kFull =
      ",\"ensemble\":{\"members\":5,\"mean_member_test_top1\":0.717,"
      "\"ensemble_test_top1\":0.7635,\"base_test_top1\":0.6}";
  AddRun("t4/fc", 1, "DenseNet", 137090, 0.7025, 0.7025, "", kFc);
  AddRun("t4/full", 1, "DenseNet", 3845810, 0.7635, 0.7635, "", kFull);
  // A member's run folder inside the ensemble's folder.
  AddRun("member-1", 1001, "DenseNet", 27418, 0.69, 0.69, "", "", "runs/t4/fc/run1");
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 2u);
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const std::string table = *ReadFile((root_ / "report/t4.md").string());
  EXPECT_THAT(table, HasSubstr("mean member top-1 (%) | ensemble top-1 (%)"));
  EXPECT_THAT(table, HasSubstr("| fc   | DenseNet |       5 |               137,090 |              "
                               "   68.50 |              70.25 |          60.00 |"));
  EXPECT_THAT(table, HasSubstr("| full | DenseNet |       5 |             3,845,810 |              "
                               "   71.70 |              76.35 |"));
  EXPECT_FALSE(fs::exists(root_ / "report/t4_fraction.png"));
}

TEST_F(ReportTest, SlicingDifferentDimensionsDrawsFigure2) {
  AddRun("f2/filters-1", 1, "DenseNet", 300, 0.50, 0.50,
         "learn { selector { filter_count { count: 1 } } }");
  AddRun("f2/inputs-1", 1, "DenseNet", 280, 0.40, 0.40,
         "learn { selector { input_slice { count: 1 } } }");
  AddRun("f2/rows-1", 1, "DenseNet", 900, 0.45, 0.45,
         "learn { selector { spatial_slice { axis: ROWS count: 1 } } }");
  AddRun("f2/columns-1", 1, "DenseNet", 900, 0.44, 0.44,
         "learn { selector { spatial_slice { axis: COLUMNS count: 1 } } }");
  AddRun("f2/rows-0.34", 1, "DenseNet", 900, 0.45, 0.45,
         "learn { selector { spatial_slice { axis: ROWS fraction: 0.34 } } }");
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 5u);
  EXPECT_EQ(points[0].dimension, "4 columns");
  EXPECT_EQ(points[1].dimension, "1 filters");
  EXPECT_EQ(points[2].dimension, "2 inputs");
  EXPECT_EQ(points[3].dimension, "3 rows");
  EXPECT_EQ(points[4].dimension, "3 rows");
  auto written = WriteReport(*runs, (root_ / "report").string());
  ASSERT_OK(written);
  EXPECT_THAT(*written, ::testing::Contains("f2_dims.png"));
  const std::string image = *ReadFile((root_ / "report/f2_dims.png").string());
  EXPECT_EQ(image.substr(1, 3), "PNG");
  const std::string data = *ReadFile((root_ / "report/f2_dims.dat").string());
  EXPECT_THAT(data, HasSubstr("300 50 0 filters-1\n"));
  EXPECT_THAT(data, HasSubstr("280 40 0 inputs-1\n"));
  // Two slices that select the same weights are one point with both labels.
  EXPECT_THAT(data, HasSubstr("900 45 0 rows-0.34,rows-1\n"));
  // Slices of several dimensions get this figure only.
  EXPECT_THAT(*written, ::testing::Not(::testing::Contains("f2_fraction.png")));
  EXPECT_THAT(*ReadFile((root_ / "report/f2_dims.gp").string()), HasSubstr("dim_slice 2 inputs"));
}

// A selection that learns every parameter (filter fraction 1.0 with BN and
// fc) is the all-learned reference of Figures 1, 4 and 5, drawn as a dotted
// line in the model's colour rather than a point at fraction 1.
TEST_F(ReportTest, ASelectionOfEverythingIsTheAllLearnedReference) {
  AddRun("f1/wrn/1.0", 1, "WRN", 1000, 0.90, 0.90,
         "learn { selector { filter_fraction { fraction: 1.0 } } }");
  // The same training under another label (Figure 1's 1.0 with zeroed fixed
  // weights, of which there are none) joins one reference line, at the mean.
  AddRun("f1/wrn/1.0-zero", 1, "WRN", 1000, 0.92, 0.92,
         "learn { fixed: ZERO selector { filter_fraction { fraction: 1.0 } } }", "", "runs", 2);
  AddRun("f1/wrn/0.1", 1, "WRN", 100, 0.70, 0.70,
         "learn { selector { filter_fraction { fraction: 0.1 } } }");
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  std::vector<Point> points = GroupPoints(*runs);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_FALSE(points[0].all_learned);  // 0.1
  EXPECT_TRUE(points[1].all_learned);   // 1.0
  EXPECT_TRUE(points[2].all_learned);   // 1.0-zero
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  const std::string script = *ReadFile((root_ / "report/f1_fraction.gp").string());
  const std::string reference =
      "91 with lines linecolor rgb '#0072B2' dashtype 3 linewidth 2 title \"WRN, all learned\"";
  int references = 0;  // the script draws the PNG and the SVG
  for (size_t at = script.find(reference); at != std::string::npos;
       at = script.find(reference, at + 1)) {
    ++references;
  }
  EXPECT_EQ(references, 2) << script;
  // Percent ticks on the log axis (%% is a percent sign in a gnuplot format).
  EXPECT_THAT(script, HasSubstr("'10%%' 0.1"));
  EXPECT_EQ(*ReadFile((root_ / "report/f1_fraction.dat").string()), "0.1 70 0\n\n\n");
}

// Table 1's layer groups are not sizes of one slice: the fraction figure
// labels them instead of joining them with a line.
TEST_F(ReportTest, LayerGroupsAreLabelledPointsNotALine) {
  AddRun("g/block1", 1, "WRN", 100, 0.50, 0.50,
         "learn { selector { layer_group { group: \"block1\" } } }");
  AddRun("g/fc", 1, "WRN", 10, 0.60, 0.60, "learn { selector { layer_group { group: \"fc\" } } }",
         "", "runs", 1);
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  EXPECT_EQ(*ReadFile((root_ / "report/g_fraction.dat").string()),
            "0.01 60 0 fc\n0.1 50 0 block1\n\n\n");
  const std::string script = *ReadFile((root_ / "report/g_fraction.gp").string());
  EXPECT_THAT(script, HasSubstr("data index 0 using 1:2 with points "));
  EXPECT_THAT(script, HasSubstr("data index 0 using 1:2:4 with labels"));
  EXPECT_THAT(script, ::testing::Not(HasSubstr("linespoints")));
}

// Figure 4: an axis that neither model nor fixed-weight kind explains (with
// or without BN) splits the series, and is named in the legend; the axis the
// fraction grows along does not.
TEST_F(ReportTest, AnAxisBesideTheFractionMakesSeriesOfItsOwn) {
  // Both axes have two labels; the fraction's spread of parameter counts
  // makes it the one the lines run along, though it comes second.
  axes_ = {"bn", "selection"};
  int point = 0;
  for (const char* bn : {"with-bn", "without-bn"}) {
    for (const char* fraction : {"0.1", "0.4"}) {
      const bool with = std::string(bn) == "with-bn";
      AddRun(absl::StrCat("b/", bn, "/", fraction), 1, "WRN",
             std::stoi(std::string(fraction).substr(2)) * 100 + (with ? 10 : 0), with ? 0.8 : 0.7,
             0.8,
             absl::StrCat("learn { selector { filter_fraction { fraction: ", fraction,
                          " } } also_learn_batchnorm: ", with ? "true" : "false", " }"),
             "", "runs", point++);
    }
  }
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  ASSERT_OK(WriteReport(*runs, (root_ / "report").string()));
  EXPECT_EQ(*ReadFile((root_ / "report/b_fraction.dat").string()),
            "0.11 80 0\n0.41 80 0\n\n\n0.1 70 0\n0.4 70 0\n\n\n");
  const std::string script = *ReadFile((root_ / "report/b_fraction.gp").string());
  EXPECT_THAT(script, HasSubstr("pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "
                                "\"WRN, fixed random, with-bn\""));
  EXPECT_THAT(script, HasSubstr("pointtype 9 dashtype 4 linewidth 2 pointsize 1.3 title "
                                "\"WRN, fixed random, without-bn\""));
}

TEST_F(ReportTest, ThePagesLineListsEpochsAndSeedsInNumericOrder) {
  int point = 0;
  for (int epochs : {16, 4, 8}) {
    for (int seed : {10, 2}) {
      AddRun(absl::StrCat("e/", epochs, "/seed-", seed), seed, "WRN", 1000, 0.9, 0.9,
             absl::StrCat("epochs: ", epochs), "", "runs", point);
    }
    ++point;
  }
  auto runs = ReadRuns((root_ / "runs").string());
  ASSERT_OK(runs);
  fs::create_directories(root_ / "page");
  ASSERT_OK(MakeReportPage(*runs, {}).Write((root_ / "page").string()));
  EXPECT_THAT(*ReadFile((root_ / "page/index.md").string()),
              HasSubstr("6 runs of WRN on Fashion-MNIST; 4, 8 and 16 epochs; seeds 2 and 10;"));
}

TEST_F(ReportTest, AFolderWithoutRunsIsNamed) {
  EXPECT_EQ(ReadRuns((root_ / "nothing").string()).status().message(),
            (root_ / "nothing").string() + ": no such folder of runs");
}

}  // namespace
}  // namespace rwn
