// Exact resume, end to end through the `rwn` binary: a run killed with
// SIGKILL after its first checkpoint and started again by the same command
// ends with the same learned weights, optimizer state and metrics, bit for
// bit, as a run that was never interrupted. And checkpoints that cannot be
// trusted are refused, with nothing changed on disk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/shell.h"
#include "core/subprocess.h"
#include "core/testing.h"
#include "train/checkpoint.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// WRN-10-1 with dropout learning a quarter of its filters (split convs),
// momentum SGD with a step schedule, a validation split: every piece of
// state a checkpoint must carry.
constexpr char kSpec[] = R"pb(
  name: "resume"
  seed: 7
  model { wide_resnet { depth: 10 widen_factor: 1 dropout: 0.3 } }
  dataset { synthetic { train_size: 3072 test_size: 256 size: 16 noise: 80 } }
  learn { selector { filter_fraction { fraction: 0.25 } } }
  optimizer { sgd { lr: 0.05 momentum: 0.9 weight_decay: 5e-4 } }
  schedule { step { milestones: 2 gamma: 0.1 } }
  epochs: 3
  batch_size: 32
  validation_size: 256
)pb";

class ResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TestDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    spec_ = (root_ / "resume.pbtxt").string();
    ASSERT_OK(WriteFileAtomically(spec_, kSpec));
  }

  std::vector<std::string> Command(const std::string& out) const {
    return {RwnBinary(), "train",      "--spec=" + spec_, "--out=" + (root_ / out).string(),
            "--quiet",   "--threads=2"};
  }

  // Starts the command; returns its pid. Output goes to root_/<out>.log.
  pid_t Start(const std::string& out) const {
    SpawnOptions spawn;
    spawn.argv = Command(out);
    spawn.output_file = (root_ / (out + ".log")).string();
    spawn.append = true;
    absl::StatusOr<pid_t> pid = Spawn(spawn);
    EXPECT_OK(pid);
    return pid.value_or(-1);
  }

  // Runs the command to its end; returns its exit code and output.
  std::pair<int, std::string> Run(const std::string& out, const std::string& extra = "") const {
    std::string line;
    for (const std::string& arg : Command(out)) absl::StrAppend(&line, ShellQuote(arg), " ");
    return RunShell(line + extra);
  }

  // The one run folder under root_/<out>.
  fs::path RunDir(const std::string& out) const {
    for (const auto& entry : fs::recursive_directory_iterator(root_ / out)) {
      if (entry.path().filename() == "spec.pbtxt") return entry.path().parent_path();
    }
    return {};
  }

  fs::path root_;
  std::string spec_;
};

void ExpectSameRecords(const google::protobuf::RepeatedPtrField<TensorRecord>& a,
                       const google::protobuf::RepeatedPtrField<TensorRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (int i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name(), b[i].name());
    EXPECT_TRUE(a[i].data() == b[i].data()) << a[i].name() << " differs";
  }
}

TEST_F(ResumeTest, AKilledRunResumesToTheSameBits) {
  auto [code, output] = Run("straight");
  ASSERT_EQ(code, 0) << output;

  // Kill the second run as soon as its first checkpoint is on disk.
  const pid_t pid = Start("killed");
  fs::path checkpoint;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < deadline) {
    fs::path dir = fs::exists(root_ / "killed") ? RunDir("killed") : fs::path();
    if (!dir.empty() && fs::exists(dir / "checkpoint.rwn")) {
      checkpoint = dir / "checkpoint.rwn";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(checkpoint.empty()) << "no checkpoint appeared";
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  ASSERT_FALSE(fs::exists(checkpoint.parent_path() / "summary.json"));
  absl::StatusOr<Checkpoint> first = ReadCheckpoint(checkpoint.string());
  ASSERT_OK(first);
  ASSERT_LT(first->epoch(), 3);

  std::tie(code, output) = Run("killed");
  ASSERT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr(absl::StrCat("resumed after epoch ", first->epoch(), " of 3")));

  absl::StatusOr<Checkpoint> straight =
      ReadCheckpoint((RunDir("straight") / "checkpoint.rwn").string());
  absl::StatusOr<Checkpoint> resumed = ReadCheckpoint(checkpoint.string());
  ASSERT_TRUE(straight.ok() && resumed.ok());
  EXPECT_EQ(resumed->epoch(), 3);
  ExpectSameRecords(straight->learned(), resumed->learned());
  ExpectSameRecords(straight->buffers(), resumed->buffers());
  ExpectSameRecords(straight->optimizer(), resumed->optimizer());
  EXPECT_TRUE(straight->torch_rng() == resumed->torch_rng());
  ASSERT_EQ(straight->history_size(), 3);
  ASSERT_EQ(resumed->history_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const EpochMetrics &a = straight->history(i), &b = resumed->history(i);
    EXPECT_EQ(a.epoch(), b.epoch());
    EXPECT_EQ(a.lr(), b.lr());
    EXPECT_EQ(a.train_loss(), b.train_loss()) << "epoch " << i + 1;
    EXPECT_EQ(a.train_top1(), b.train_top1());
    EXPECT_EQ(a.test_loss(), b.test_loss());
    EXPECT_EQ(a.test_top1(), b.test_top1());
    EXPECT_EQ(a.val_loss(), b.val_loss());
    EXPECT_EQ(a.val_top1(), b.val_top1());
  }
  EXPECT_EQ(straight->history(2).lr(), 0.05 * 0.1);  // the schedule resumed too
  // metrics.jsonl has each epoch once.
  absl::StatusOr<std::string> lines =
      ReadFile((checkpoint.parent_path() / "metrics.jsonl").string());
  ASSERT_OK(lines);
  EXPECT_EQ(std::count(lines->begin(), lines->end(), '\n'), 3);

  // The same command once more: finished, nothing to do.
  std::tie(code, output) = Run("killed");
  EXPECT_EQ(code, 0);
  EXPECT_THAT(output, HasSubstr("resume already finished"));
}

TEST_F(ResumeTest, UntrustworthyCheckpointsAreRefusedAndKept) {
  auto [code, output] = Run("runs");
  ASSERT_EQ(code, 0) << output;
  const fs::path dir = RunDir("runs");
  const std::string path = (dir / "checkpoint.rwn").string();
  fs::remove(dir / "summary.json");  // unfinished again: the next run would resume
  absl::StatusOr<std::string> good = ReadFile(path);
  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(path);
  ASSERT_TRUE(good.ok() && checkpoint.ok());

  auto expect_refused = [&](const std::string& content, const std::string& why) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    auto [code, output] = Run("runs");
    EXPECT_EQ(code, 2) << output;
    EXPECT_THAT(output, HasSubstr(why));
    EXPECT_THAT(output, HasSubstr("To start it afresh, rerun with --restart"));
    EXPECT_EQ(*ReadFile(path), content) << "a refused checkpoint must stay as it was";
    EXPECT_FALSE(fs::exists(dir / "summary.json"));
  };
  expect_refused(good->substr(0, good->size() / 2), "truncated");
  std::string flipped = *good;
  flipped[flipped.size() - 100] ^= 0x20;
  expect_refused(flipped, "checksum mismatch");
  expect_refused("hello", "not an rwn checkpoint");

  Checkpoint other_spec = *checkpoint;
  other_spec.set_spec(other_spec.spec() + "epochs: 4\n");
  ASSERT_OK(WriteCheckpoint(path, other_spec));
  expect_refused(*ReadFile(path), "was written for another spec");
  Checkpoint other_weights = *checkpoint;
  other_weights.set_init_checksum("0123456789abcdef");
  ASSERT_OK(WriteCheckpoint(path, other_weights));
  expect_refused(*ReadFile(path), "are not the ones it was trained with");
  Checkpoint format1 = *checkpoint;
  format1.set_format(1);
  ASSERT_OK(WriteCheckpoint(path, format1));
  expect_refused(*ReadFile(path),
                 "format 1, whose fixed weights were drawn by libtorch's generator");
  Checkpoint missing = *checkpoint;
  missing.mutable_learned()->RemoveLast();
  ASSERT_OK(WriteCheckpoint(path, missing));
  expect_refused(*ReadFile(path), "learned tensors; the spec learns");

  // --restart starts afresh and finishes.
  std::tie(code, output) = Run("runs", "--restart");
  EXPECT_EQ(code, 0) << output;
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  EXPECT_OK(ReadCheckpoint(path));
}

}  // namespace
}  // namespace rwn
