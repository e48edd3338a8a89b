// Kill -9 anywhere: `rwn train` killed at 13 named moments in turn (mid-epoch,
// during evaluation, half-way through a metrics or log line, at every stage
// of the checkpoint's and the summary's atomic write, including between
// rename and the folder's fsync; core/crash_point.h) and, in a second run, at
// random moments, resumes each time from what is on disk and ends bit for
// bit where an uninterrupted run ends. After every kill the run folder is
// readable: its checkpoint, if any, loads. The same for a sweep's workers
// and for `rwn launch` with 2 ranks, one rank killed at a random moment.
// The random delays come from a seed printed in the log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/subprocess.h"
#include "core/testing.h"
#include "train/checkpoint.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// WRN-10-1 learning half its filters with momentum SGD and a schedule; a
// validation split, so each epoch evaluates twice: 16 steps an epoch.
constexpr char kBase[] = R"pb(
  seed: 11
  model { wide_resnet { depth: 10 widen_factor: 1 dropout: 0.2 } }
  dataset { synthetic { train_size: 320 test_size: 64 size: 12 noise: 60 } }
  optimizer { sgd { lr: 0.05 momentum: 0.9 } }
  schedule { step { milestones: 2 gamma: 0.1 } }
  epochs: 3
  batch_size: 16
  validation_size: 64
  eval_batch_size: 32
)pb";

// The sweep's axis: two fractions of filters learned.
constexpr char kAxis[] = R"(
  axis {
    name: "fraction"
    value { label: "0.25" patch { learn { selector { filter_fraction { fraction: 0.25 } } } } }
    value { label: "0.5" patch { learn { selector { filter_fraction { fraction: 0.5 } } } } }
  }
)";

constexpr char kSelector[] = "learn { selector { filter_fraction { fraction: 0.5 } } }";

struct Ended {
  bool killed = false;  // by SIGKILL
  int code = 0;         // else its exit code
};

Ended Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return {WTERMSIG(status) == SIGKILL, 128 + WTERMSIG(status)};
  return {false, WEXITSTATUS(status)};
}

// The run folders (those with a spec.pbtxt) under `root`.
std::vector<fs::path> RunDirs(const fs::path& root) {
  std::vector<fs::path> dirs;
  if (!fs::exists(root)) return dirs;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename() == "spec.pbtxt" &&
        entry.path().parent_path().filename() != ".sweep") {
      dirs.push_back(entry.path().parent_path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// The children of `pid` (Linux's /proc/<pid>/task/<pid>/children).
std::vector<pid_t> Children(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/task/", pid, "/children"));
  std::vector<pid_t> children;
  for (pid_t child; in >> child;) children.push_back(child);
  return children;
}

class KillAnywhereTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TestDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    const unsigned seed = std::random_device()();
    std::printf("random kill delays from seed %u\n", seed);
    random_.seed(seed);
  }

  std::string WriteSpec(const std::string& name, const std::string& text) {
    const std::string path = (root_ / (name + ".pbtxt")).string();
    EXPECT_OK(WriteFileAtomically(path, text));
    return path;
  }

  // Starts `argv` with RWN_CRASH_AT=`crash_at` (unless empty), in its own
  // process group, its output appended to root_/<log>.log.
  pid_t Start(const std::vector<std::string>& argv, const std::string& crash_at,
              const std::string& log) {
    SpawnOptions spawn;
    spawn.argv = argv;
    if (!crash_at.empty()) spawn.env.push_back({"RWN_CRASH_AT", crash_at});
    spawn.output_file = (root_ / (log + ".log")).string();
    spawn.append = true;
    spawn.new_session = true;
    absl::StatusOr<pid_t> pid = Spawn(spawn);
    EXPECT_OK(pid);
    return pid.value_or(-1);
  }

  Ended Run(const std::vector<std::string>& argv, const std::string& log) {
    return Wait(Start(argv, "", log));
  }

  // Sleeps a random part of `span`.
  void SleepRandom(Clock::duration span) {
    std::uniform_real_distribution<double> part(0.05, 0.95);
    std::this_thread::sleep_for(std::chrono::duration_cast<Clock::duration>(span * part(random_)));
  }

  std::string Log(const std::string& log) const {
    return ReadFile((root_ / (log + ".log")).string()).value_or("");
  }

  fs::path root_;
  std::mt19937 random_;
};

// A killed run's folder is readable: its checkpoint, if it has one, loads.
void ExpectReadable(const fs::path& out) {
  for (const fs::path& dir : RunDirs(out)) {
    if (fs::exists(dir / "checkpoint.rwn")) {
      EXPECT_OK(ReadCheckpoint((dir / "checkpoint.rwn").string()));
    }
  }
}

// Every run folder under `a` ended bit for bit as the one of the same name
// under `b`, with each epoch once in its metrics and no temporary files.
void ExpectSameRuns(const fs::path& a, const fs::path& b) {
  const std::vector<fs::path> as = RunDirs(a), bs = RunDirs(b);
  ASSERT_EQ(as.size(), bs.size());
  ASSERT_FALSE(as.empty());
  for (size_t r = 0; r < as.size(); ++r) {
    SCOPED_TRACE(as[r].string());
    EXPECT_TRUE(fs::exists(as[r] / "summary.json"));
    absl::StatusOr<Checkpoint> x = ReadCheckpoint((as[r] / "checkpoint.rwn").string());
    absl::StatusOr<Checkpoint> y = ReadCheckpoint((bs[r] / "checkpoint.rwn").string());
    ASSERT_OK(x);
    ASSERT_OK(y);
    EXPECT_EQ(x->epoch(), y->epoch());
    ASSERT_EQ(x->learned_size(), y->learned_size());
    for (int i = 0; i < x->learned_size(); ++i) {
      EXPECT_TRUE(x->learned(i).data() == y->learned(i).data()) << x->learned(i).name();
    }
    ASSERT_EQ(x->optimizer_size(), y->optimizer_size());
    for (int i = 0; i < x->optimizer_size(); ++i) {
      EXPECT_TRUE(x->optimizer(i).data() == y->optimizer(i).data()) << x->optimizer(i).name();
    }
    ASSERT_EQ(x->buffers_size(), y->buffers_size());
    for (int i = 0; i < x->buffers_size(); ++i) {
      EXPECT_TRUE(x->buffers(i).data() == y->buffers(i).data()) << x->buffers(i).name();
    }
    ASSERT_EQ(x->history_size(), y->history_size());
    for (int i = 0; i < x->history_size(); ++i) {
      EXPECT_EQ(x->history(i).train_loss(), y->history(i).train_loss()) << "epoch " << i + 1;
      EXPECT_EQ(x->history(i).test_loss(), y->history(i).test_loss()) << "epoch " << i + 1;
      EXPECT_EQ(x->history(i).val_loss(), y->history(i).val_loss()) << "epoch " << i + 1;
    }
    absl::StatusOr<std::string> metrics = ReadFile((as[r] / "metrics.jsonl").string());
    ASSERT_OK(metrics);
    EXPECT_EQ(std::count(metrics->begin(), metrics->end(), '\n'), x->history_size());
    for (const auto& entry : fs::directory_iterator(as[r])) {
      EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
    }
  }
}

TEST_F(KillAnywhereTest, TrainKilledAtEveryStageResumesToTheSameBits) {
  const std::string spec = WriteSpec("run", absl::StrCat(kBase, kSelector, " name: \"run\""));
  auto train = [&](const std::string& out) {
    return std::vector<std::string>{RwnBinary(),      "train",
                                    "--spec=" + spec, "--out=" + (root_ / out).string(),
                                    "--quiet",        "--threads=1"};
  };
  const auto started = Clock::now();
  ASSERT_EQ(Run(train("straight"), "straight").code, 0) << Log("straight");
  const Clock::duration straight = Clock::now() - started;

  // Each moment kills the process that resumes from the previous one's folder.
  const std::vector<std::string> moments = {
      "step:7",                     // mid-epoch 1, nothing saved yet
      "evaluate:2",                 // during epoch 1's evaluation
      "appending:metrics.jsonl:1",  // half of epoch 1's metrics line
      "created:checkpoint.rwn:1",   // an empty temporary checkpoint
      "written:checkpoint.rwn:1",   // written, not yet fsync'ed
      "synced:checkpoint.rwn:1",    // fsync'ed, not yet renamed
      "renamed:checkpoint.rwn:1",   // renamed, the folder not yet fsync'ed
      "written:metrics.jsonl:1",    // the resumed run rewriting its metrics
      "appending:log.txt:2",        // half of epoch 2's log line
      "step:20",                    // mid-epoch 3
      "synced:checkpoint.rwn:1",    // the last checkpoint, before its rename
      "written:summary.json:1",     // the summary, before its fsync
      "synced:summary.json:1",      // the summary, before its rename
  };
  for (const std::string& moment : moments) {
    SCOPED_TRACE(moment);
    const Ended ended = Wait(Start(train("killed"), moment, "killed"));
    ASSERT_TRUE(ended.killed) << "not killed at " << moment << ": exit " << ended.code << "\n"
                              << Log("killed");
    ExpectReadable(root_ / "killed");
  }
  ASSERT_EQ(Run(train("killed"), "killed").code, 0) << Log("killed");
  EXPECT_THAT(Log("killed"), HasSubstr("resumed after epoch"));
  ExpectSameRuns(root_ / "killed", root_ / "straight");

  // And at random moments of another run.
  int kills = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const pid_t pid = Start(train("random"), "", "random");
    SleepRandom(straight);
    kill(-pid, SIGKILL);
    if (Wait(pid).killed) ++kills;
    ExpectReadable(root_ / "random");
    if (!RunDirs(root_ / "random").empty() &&
        fs::exists(RunDirs(root_ / "random")[0] / "summary.json")) {
      break;
    }
  }
  std::printf("killed %d of the random attempts\n", kills);
  ASSERT_EQ(Run(train("random"), "random").code, 0) << Log("random");
  ExpectSameRuns(root_ / "random", root_ / "straight");
}

TEST_F(KillAnywhereTest, SweepWorkersKilledResumeToTheSameBits) {
  const std::string sweep =
      WriteSpec("sweep", absl::StrCat("base { ", kBase, " name: \"sweep\" }", kAxis));
  auto run = [&](const std::string& out) {
    return std::vector<std::string>{RwnBinary(), "sweep", "--spec=" + sweep,
                                    "--out=" + (root_ / out).string(), "--threads=2"};
  };
  const auto started = Clock::now();
  ASSERT_EQ(Run(run("straight"), "straight").code, 0) << Log("straight");
  const Clock::duration straight = Clock::now() - started;

  // Both workers kill themselves mid-epoch 2: the sweep says so and fails.
  Ended ended = Wait(Start(run("killed"), "step:25", "killed"));
  EXPECT_EQ(ended.code, 1) << Log("killed");
  EXPECT_THAT(Log("killed"), HasSubstr("killed by signal 9"));
  ExpectReadable(root_ / "killed");
  // Then one worker, killed from outside at a random moment.
  const pid_t pid = Start(run("killed"), "", "killed");
  SleepRandom(straight);
  const std::vector<pid_t> workers = Children(pid);
  if (!workers.empty()) kill(workers.back(), SIGKILL);
  Wait(pid);
  ExpectReadable(root_ / "killed");
  ASSERT_EQ(Run(run("killed"), "killed").code, 0) << Log("killed");
  ExpectSameRuns(root_ / "killed", root_ / "straight");
}

TEST_F(KillAnywhereTest, ALaunchedRankKilledResumesToTheSameBits) {
  const std::string spec = WriteSpec("ranks", absl::StrCat(kBase, kSelector, " name: \"ranks\""));
  auto launch = [&](const std::string& out) {
    return std::vector<std::string>{RwnBinary(),
                                    "launch",
                                    "--nproc=2",
                                    "--",
                                    "train",
                                    "--spec=" + spec,
                                    "--out=" + (root_ / out).string(),
                                    "--quiet",
                                    "--dist_timeout=30"};
  };
  const auto started = Clock::now();
  ASSERT_EQ(Run(launch("straight"), "straight").code, 0) << Log("straight");
  const Clock::duration straight = Clock::now() - started;

  // Both ranks kill themselves after rank 0's first checkpoint is in place.
  Ended ended = Wait(Start(launch("killed"), "renamed:checkpoint.rwn:1", "killed"));
  EXPECT_NE(ended.code, 0) << Log("killed");
  ExpectReadable(root_ / "killed");
  // One rank, killed from outside at a random moment: launch stops the other.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const pid_t pid = Start(launch("killed"), "", "killed");
    SleepRandom(straight);
    const std::vector<pid_t> ranks = Children(pid);
    if (!ranks.empty()) kill(ranks[random_() % ranks.size()], SIGKILL);
    Wait(pid);
    ExpectReadable(root_ / "killed");
  }
  ASSERT_EQ(Run(launch("killed"), "killed").code, 0) << Log("killed");
  ExpectSameRuns(root_ / "killed", root_ / "straight");
}

}  // namespace
}  // namespace rwn
