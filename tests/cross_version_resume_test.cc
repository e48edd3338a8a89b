// A checkpoint written by one libtorch leg resumes on the other: the run
// folders under tests/testdata/cross_version/ were stopped after their first
// epoch by an rwn built against Debian's libtorch 1.13 (debian/) and one built
// against the pinned libtorch 2.x (torch2/) (make.sh there). On either leg,
// this test resumes both: the fixed weights regenerated from the seed must
// match the checkpoint's checksum, and training must go on to the end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/version.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/shell.h"
#include "core/testing.h"
#include "train/checkpoint.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kData[] = "tests/testdata/cross_version";

// The one checkpoint below `dir`.
fs::path CheckpointIn(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().filename() == "checkpoint.rwn") return entry.path();
  }
  return {};
}

class CrossVersionResumeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrossVersionResumeTest, ResumesToTheEnd) {
  const std::string leg = GetParam();
  const fs::path out = TestDir(leg);
  fs::copy(fs::path(kData) / leg, out, fs::copy_options::recursive);
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  const fs::path checkpoint = CheckpointIn(out);
  ASSERT_FALSE(checkpoint.empty()) << "no checkpoint under " << kData << "/" << leg;
  absl::StatusOr<Checkpoint> before = ReadCheckpoint(checkpoint.string());
  ASSERT_OK(before);
  ASSERT_EQ(before->epoch(), 1);
  // It really comes from that leg.
  EXPECT_EQ(before->libtorch().rfind(leg == "debian" ? "1." : "2.", 0), 0u) << before->libtorch();

  auto [code, output] = RunShell(absl::StrCat(ShellQuote(RwnBinary()), " train --spec=", kData,
                                              "/spec.pbtxt --out=", ShellQuote(out.string()),
                                              " --quiet --threads=1"));
  ASSERT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("resumed after epoch 1 of 3"));
  absl::StatusOr<Checkpoint> after = ReadCheckpoint(checkpoint.string());
  ASSERT_OK(after);
  EXPECT_EQ(after->epoch(), 3);
  EXPECT_EQ(after->init_checksum(), before->init_checksum());
  EXPECT_EQ(after->libtorch(), TORCH_VERSION);
  ASSERT_EQ(after->history_size(), 3);
  EXPECT_EQ(after->history(0).train_loss(), before->history(0).train_loss());
  EXPECT_TRUE(fs::exists(checkpoint.parent_path() / "summary.json"));
}

INSTANTIATE_TEST_SUITE_P(WrittenBy, CrossVersionResumeTest, ::testing::Values("debian", "torch2"));

}  // namespace
}  // namespace rwn
