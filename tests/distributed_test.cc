// Data-parallel training through the `rwn` binary on loopback: two ranks
// started by `rwn launch` end with bit-identical learned weights that match
// one process training on the union of their batches; killed ranks resume
// exactly; a rank whose peer never starts fails with the timeout message
// within the timeout; a process without the run's secret is refused and the
// run is unharmed; launch returns the first failing rank's exit code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/shell.h"
#include "core/subprocess.h"
#include "core/testing.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "run/launch.h"
#include "run/load.h"
#include "run/run.h"
#include "selectors/plan.h"
#include "train/checkpoint.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// No batch norm and no dropout, so a rank's batch of 16 and the other's
// make exactly one batch of 32: 96 images are 3 steps.
constexpr char kSpec[] = R"pb(
  seed: 5
  model { wide_resnet { depth: 10 widen_factor: 1 batch_norm: false } }
  dataset { synthetic { train_size: 96 test_size: 32 size: 12 } }
  learn {
    selector { filter_fraction { fraction: 0.5 } }
    also_learn_batchnorm: false
  }
  optimizer { sgd { lr: 0.05 momentum: 0.9 } }
  epochs: 1
  augment: false
)pb";

constexpr char kSecret[] = "5f0c6b1e9a7d43e2b8c1f0a9d6e3b7c4";

class DistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TestDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Writes the spec with `name` and per-rank `batch_size`; returns its path.
  std::string Spec(const std::string& name, int batch_size) const {
    const std::string path = (root_ / (name + ".pbtxt")).string();
    EXPECT_OK(WriteFileAtomically(
        path, absl::StrCat(kSpec, " name: \"", name, "\" batch_size: ", batch_size)));
    return path;
  }

  fs::path root_;
};

TEST_F(DistributedTest, TwoRanksMatchOneProcessOnTheUnionOfTheirBatches) {
  const std::string out = (root_ / "runs").string();
  auto [code, output] =
      RunShell(absl::StrCat("'", RwnBinary(), "' launch --nproc=2 -- train --spec='",
                            Spec("two", 16), "' --out='", out, "' --quiet"));
  ASSERT_EQ(code, 0) << output;
  // Both ranks report the same fingerprint of their learned weights.
  std::smatch match;
  const std::regex line(
      R"(\[rank (\d)\] rank \d: epoch 1 learned weights fingerprint ([0-9a-f]{16}))");
  std::map<std::string, std::string> fingerprints;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    fingerprints[(*it)[1]] = (*it)[2];
  }
  ASSERT_EQ(fingerprints.size(), 2u) << output;
  EXPECT_EQ(fingerprints["0"], fingerprints["1"]);
  EXPECT_THAT(output, HasSubstr("[rank 1] two finished"));

  std::tie(code, output) =
      RunShell(absl::StrCat("'", RwnBinary(), "' train --spec='", Spec("one", 32), "' --out='", out,
                            "' --quiet --threads=1"));
  ASSERT_EQ(code, 0) << output;

  // Only rank 0 wrote a run folder; its weights match the single process's.
  ASSERT_EQ(std::distance(fs::directory_iterator(root_ / "runs/two"), fs::directory_iterator()), 1);
  const fs::path two = fs::directory_iterator(root_ / "runs/two")->path();
  const fs::path one = fs::directory_iterator(root_ / "runs/one")->path();
  absl::StatusOr<LoadedRun> ranks = LoadRun(two.string());
  absl::StatusOr<LoadedRun> single = LoadRun(one.string());
  ASSERT_OK(ranks);
  ASSERT_OK(single);
  ASSERT_EQ(ranks->epochs, 1);
  int compared = 0;
  for (const auto& [name, plan] : ranks->plan) {
    const torch::Tensor a = CurrentValue(*ranks->network, name);
    const torch::Tensor b = CurrentValue(*single->network, name);
    EXPECT_LT((a - b).abs().max().item<double>(), 1e-5) << name;
    ++compared;
  }
  EXPECT_GT(compared, 5);
  // Training moved them: this is not a comparison of two initializations.
  const Dataset& data = *ranks->dataset;
  auto initial = ModelRegistry::Global().CreateFromOneof(
      ranks->spec.model(), ModelContext{data.channels(), data.height(), data.width(),
                                        data.num_classes, ranks->spec.seed()});
  ASSERT_OK(initial);
  const std::string fc = "fc.weight";
  ASSERT_TRUE(ranks->plan.count(fc));
  EXPECT_GT(
      (CurrentValue(*ranks->network, fc) - CurrentValue(**initial, fc)).abs().max().item<double>(),
      1e-3);
  EXPECT_THAT(*ReadFile((two / "log.txt").string()), HasSubstr("on each of 2 ranks"));
}

// Two ranks killed (SIGKILL, launch and both ranks) after their first
// checkpoint resume from rank 0's checkpoint when started again, and end
// bit for bit where two ranks that were never interrupted end.
TEST_F(DistributedTest, KilledRanksResumeToTheSameBits) {
  const std::string spec = (root_ / "resume.pbtxt").string();
  ASSERT_OK(WriteFileAtomically(spec, absl::StrCat(R"pb(
                                  name: "resume"
                                  seed: 5
                                  model { wide_resnet { depth: 10 widen_factor: 1 } }
                                  dataset { synthetic { train_size: 1536 test_size: 64 size: 12 } }
                                  learn { selector { filter_fraction { fraction: 0.5 } } }
                                  optimizer { sgd { lr: 0.05 momentum: 0.9 } }
                                  epochs: 3
                                  batch_size: 16
                                  augment: false
                                )pb")));
  auto launch = [&](const std::string& out) {
    return absl::StrCat("'", RwnBinary(), "' launch --nproc=2 -- train --spec='", spec, "' --out='",
                        (root_ / out).string(), "' --quiet");
  };
  auto [code, output] = RunShell(launch("straight"));
  ASSERT_EQ(code, 0) << output;

  // The same, killed as soon as rank 0's first checkpoint is on disk.
  SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c", launch("killed")};
  spawn.output_file = (root_ / "killed.log").string();
  spawn.new_session = true;  // its own process group: launch and both ranks
  absl::StatusOr<pid_t> started = Spawn(spawn);
  ASSERT_OK(started);
  const pid_t pid = *started;
  fs::path checkpoint;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (checkpoint.empty() && std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(root_ / "killed/resume")) {
      for (const auto& entry : fs::directory_iterator(root_ / "killed/resume")) {
        if (fs::exists(entry.path() / "checkpoint.rwn"))
          checkpoint = entry.path() / "checkpoint.rwn";
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(checkpoint.empty()) << "no checkpoint appeared";
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_FALSE(fs::exists(checkpoint.parent_path() / "summary.json"))
      << "the run ended before it could be killed";

  std::tie(code, output) = RunShell(launch("killed"));
  ASSERT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("[rank 0] resumed after epoch"));
  EXPECT_THAT(output, HasSubstr("[rank 1] resumed after epoch"));
  absl::StatusOr<Checkpoint> resumed = ReadCheckpoint(checkpoint.string());
  absl::StatusOr<Checkpoint> straight = ReadCheckpoint(
      (fs::directory_iterator(root_ / "straight/resume")->path() / "checkpoint.rwn").string());
  ASSERT_TRUE(resumed.ok() && straight.ok());
  EXPECT_EQ(resumed->epoch(), 3);
  ASSERT_EQ(resumed->learned_size(), straight->learned_size());
  for (int i = 0; i < resumed->learned_size(); ++i) {
    EXPECT_TRUE(resumed->learned(i).data() == straight->learned(i).data())
        << resumed->learned(i).name() << " differs";
  }
}

TEST_F(DistributedTest, ARankWhosePeerNeverStartsFailsWithinTheTimeout) {
  // A port nobody listens on.
  absl::StatusOr<int> free = FreePort();
  ASSERT_OK(free);
  const int port = *free;

  const auto start = std::chrono::steady_clock::now();
  auto [code, output] = RunShell(absl::StrCat(
      "RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 RWN_DIST_SECRET=", kSecret, " MASTER_PORT=", port,
      " '", RwnBinary(), "' train --spec='", Spec("alone", 16), "' --out='",
      (root_ / "runs").string(), "' --quiet --threads=1 --dist_timeout=3"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(code, 1) << output;
  EXPECT_THAT(output, HasSubstr("rank 0 of 2: the ranks did not all meet at 127.0.0.1:" +
                                std::to_string(port) + " within the 3 s timeout"));
  EXPECT_THAT(output, HasSubstr("1 of 2 ranks joined"));
  // It gave up (no hang): the 3 s wait plus process start-up, far below
  // c10d's 30-minute default.
  EXPECT_LT(seconds, 30) << output;
  EXPECT_FALSE(fs::exists(root_ / "runs")) << "nothing may be written";
}

// A process without the run's secret that asks to join as rank 1 is
// refused (it says so, and so does rank 0); the real rank 1 then joins and
// the run ends with the bits of a run nobody disturbed.
TEST_F(DistributedTest, AStrangerIsRefusedAndTheRunIsUnharmed) {
  const std::string spec = Spec("guarded", 16);
  absl::StatusOr<int> port = FreePort();
  ASSERT_OK(port);
  auto rank = [&](int r, const std::string& secret, const std::string& out) {
    return absl::StrCat("RANK=", r, " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=", *port,
                        " RWN_DIST_SECRET=", secret, " '", RwnBinary(), "' train --spec='", spec,
                        "' --out='", (root_ / out).string(), "' --quiet --threads=1");
  };
  SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c", rank(0, kSecret, "runs")};
  spawn.output_file = (root_ / "rank0.log").string();
  absl::StatusOr<pid_t> rank0 = Spawn(spawn);
  ASSERT_OK(rank0);

  auto [code, output] = RunShell(rank(1, "the-secret-of-another-run", "stranger"));
  EXPECT_EQ(code, 1) << output;
  EXPECT_THAT(output, HasSubstr("rank 1 of 2: rank 0 at 127.0.0.1:" + std::to_string(*port) +
                                " refused this process: it does not hold this run's secret"));
  EXPECT_FALSE(fs::exists(root_ / "stranger")) << "the stranger may write nothing";

  std::tie(code, output) = RunShell(rank(1, kSecret, "runs"));
  EXPECT_EQ(code, 0) << output;
  int status = 0;
  waitpid(*rank0, &status, 0);
  const std::string said = *ReadFile((root_ / "rank0.log").string());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << said;
  EXPECT_THAT(said, HasSubstr("rank 0 of 2: refused a process that asked to join as rank 1: it "
                              "does not hold this run's secret"));

  std::tie(code, output) =
      RunShell(absl::StrCat("'", RwnBinary(), "' launch --nproc=2 -- train --spec='", spec,
                            "' --out='", (root_ / "undisturbed").string(), "' --quiet"));
  ASSERT_EQ(code, 0) << output;
  absl::StatusOr<Checkpoint> guarded = ReadCheckpoint(
      (fs::directory_iterator(root_ / "runs/guarded")->path() / "checkpoint.rwn").string());
  absl::StatusOr<Checkpoint> undisturbed = ReadCheckpoint(
      (fs::directory_iterator(root_ / "undisturbed/guarded")->path() / "checkpoint.rwn").string());
  ASSERT_OK(guarded);
  ASSERT_OK(undisturbed);
  ASSERT_EQ(guarded->learned_size(), undisturbed->learned_size());
  for (int i = 0; i < guarded->learned_size(); ++i) {
    EXPECT_TRUE(guarded->learned(i).data() == undisturbed->learned(i).data())
        << guarded->learned(i).name() << " differs";
  }
}

TEST_F(DistributedTest, SeveralRanksNeedASecret) {
  auto [code, output] =
      RunShell(absl::StrCat("RANK=0 WORLD_SIZE=2 '", RwnBinary(), "' train --spec='",
                            Spec("open", 16), "' --out='", (root_ / "runs").string(), "' --quiet"));
  EXPECT_EQ(code, 2) << output;
  EXPECT_THAT(output, HasSubstr("2 ranks and no secret: a data-parallel run needs "
                                "RWN_DIST_SECRET or RWN_DIST_SECRET_FILE set"));
  EXPECT_FALSE(fs::exists(root_ / "runs"));
}

TEST_F(DistributedTest, LaunchReturnsTheFirstFailingRanksCode) {
  auto [code, output] = RunShell(
      absl::StrCat("'", RwnBinary(), "' launch --nproc=2 -- train --spec=/nonexistent.pbtxt"));
  EXPECT_EQ(code, 2) << output;
  // Every rank fails reading the spec, before the ranks meet; the launcher
  // may stop the slower one before it prints.
  EXPECT_THAT(output,
              ::testing::ContainsRegex("\\[rank [01]\\] rwn: /nonexistent.pbtxt: cannot open"));
  EXPECT_THAT(output, Not(HasSubstr("did not all meet")));
  EXPECT_THAT(output, HasSubstr("[launch] rank "));
  std::tie(code, output) = RunShell(absl::StrCat("'", RwnBinary(), "' launch --nproc=0 -- train"));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("--nproc=0; allowed: >= 1"));
  std::tie(code, output) =
      RunShell(absl::StrCat("'", RwnBinary(), "' train --spec=x --world_size=2 --rank=2"));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("rank 2; allowed: 0 to 1 (world size 2)"));
}

}  // namespace
}  // namespace rwn
