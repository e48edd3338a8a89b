#include "tensorboard/event_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/files.h"
#include "core/testing.h"
#include "tensorboard/event.pb.h"
#include "tensorboard/records.h"

namespace rwn {
namespace tensorboard {
namespace {

TEST(Crc32cTest, MatchesTheStandardCheckValues) {
  // RFC 3720 (iSCSI), B.4, and the catalogue's check value of "123456789".
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(RecordsTest, AFramedRecordHasItsLengthDataAndChecksums) {
  const std::string record = FrameRecord("abc");
  ASSERT_EQ(record.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(record.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(record.substr(12, 3), "abc");
  const uint32_t crc = MaskedCrc32c("abc");
  EXPECT_EQ(record.substr(15),
            std::string({static_cast<char>(crc & 0xff), static_cast<char>((crc >> 8) & 0xff),
                         static_cast<char>((crc >> 16) & 0xff), static_cast<char>(crc >> 24)}));
}

TEST(RecordsTest, ReadingStopsAtARecordCutShortOrCorrupt) {
  const std::string two = FrameRecord("first") + FrameRecord("second");
  Records whole = ReadRecords(two);
  EXPECT_EQ(whole.data, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(whole.valid_bytes, two.size());
  for (size_t cut = 0; cut < two.size(); ++cut) {
    const Records read = ReadRecords(absl::string_view(two).substr(0, cut));
    const size_t expected = cut < FrameRecord("first").size() ? 0 : 1;
    EXPECT_EQ(read.data.size(), expected) << "cut at " << cut;
  }
  std::string corrupt = two;
  corrupt[corrupt.size() - 6] ^= 1;  // a byte of "second"
  EXPECT_EQ(ReadRecords(corrupt).data, std::vector<std::string>{"first"});
}

std::vector<Event> EventsIn(const std::string& path) {
  std::vector<Event> events;
  for (const std::string& data : ReadRecords(*ReadFile(path)).data) {
    events.emplace_back();
    EXPECT_TRUE(events.back().ParseFromString(data));
  }
  return events;
}

TEST(EventFileTest, StartsWithItsVersionAndHoldsScalarsAndText) {
  const std::string path = TestDir("event_file") + "/" + kEventFileName;
  absl::StatusOr<EventFile> file = EventFile::Open(path, 0);
  ASSERT_OK(file);
  EXPECT_TRUE(file->started_afresh());
  ASSERT_OK(file->AddText(0, "spec", "name: \"x\""));
  ASSERT_OK(file->AddScalars(10, {{"loss/train", 0.5}, {"lr", 0.1}}));
  const std::vector<Event> events = EventsIn(path);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  const Summary::Value& text = events[1].summary().value(0);
  EXPECT_EQ(text.tag(), "spec");
  EXPECT_EQ(text.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(text.tensor().string_val(0), "name: \"x\"");
  EXPECT_EQ(events[2].step(), 10);
  ASSERT_EQ(events[2].summary().value_size(), 2);
  EXPECT_EQ(events[2].summary().value(0).tag(), "loss/train");
  EXPECT_FLOAT_EQ(events[2].summary().value(0).simple_value(), 0.5f);
  EXPECT_FLOAT_EQ(events[2].summary().value(1).simple_value(), 0.1f);
  EXPECT_GT(events[2].wall_time(), 1.6e9);
}

TEST(EventFileTest, ResumingDropsTheStepsAfterTheCheckpointAndACutRecord) {
  const std::string path = TestDir("event_file_resume") + "/" + kEventFileName;
  {
    absl::StatusOr<EventFile> file = EventFile::Open(path, 0);
    ASSERT_OK(file);
    ASSERT_OK(file->AddText(0, "spec", "s"));
    for (int step = 10; step <= 50; step += 10) ASSERT_OK(file->AddScalars(step, {{"a", step}}));
  }
  // A writer killed halfway through a record.
  const std::string cut = FrameRecord("partial").substr(0, 9);
  ASSERT_OK(AppendToFile(path, cut));

  absl::StatusOr<EventFile> resumed = EventFile::Open(path, 30);
  ASSERT_OK(resumed);
  EXPECT_FALSE(resumed->started_afresh());
  ASSERT_OK(resumed->AddScalars(40, {{"a", -40}}));
  std::vector<int64_t> steps;
  for (const Event& event : EventsIn(path)) steps.push_back(event.step());
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 0, 10, 20, 30, 40}));
  EXPECT_FLOAT_EQ(EventsIn(path).back().summary().value(0).simple_value(), -40.0f);
  EXPECT_EQ(ReadRecords(*ReadFile(path)).valid_bytes, ReadFile(path)->size());
}

TEST(EventFileTest, ANewRunReplacesAnOldFileAndAMissingOneStartsAfresh) {
  const std::string dir = TestDir("event_file_new");
  const std::string path = dir + "/" + kEventFileName;
  {
    absl::StatusOr<EventFile> file = EventFile::Open(path, 0);
    ASSERT_OK(file);
    ASSERT_OK(file->AddScalars(10, {{"a", 1}}));
  }
  ASSERT_OK(EventFile::Open(path, 0));
  EXPECT_EQ(EventsIn(path).size(), 1u);
  absl::StatusOr<EventFile> missing = EventFile::Open(dir + "/other.tfevents", 20);
  ASSERT_OK(missing);
  EXPECT_TRUE(missing->started_afresh());
}

TEST(EventFileTest, AFileOfOtherRecordsIsRefusedByName) {
  const std::string path = TestDir("event_file_other") + "/" + kEventFileName;
  ASSERT_OK(WriteFileAtomically(path, FrameRecord(std::string("\xff\xff\xff", 3))));
  absl::StatusOr<EventFile> file = EventFile::Open(path, 10);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(file.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace tensorboard
}  // namespace rwn
