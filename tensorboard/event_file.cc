#include "tensorboard/event_file.h"

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "tensorboard/event.pb.h"
#include "tensorboard/records.h"

namespace rwn {
namespace tensorboard {
namespace {

constexpr int kDataClassTensor = 2;
constexpr int kDtypeString = 7;

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Event MakeEvent(int64_t step) {
  Event event;
  event.set_wall_time(Now());
  event.set_step(step);
  return event;
}

// The framed records of `bytes` whose events are at or before `last_step`.
absl::StatusOr<std::string> EventsThrough(const std::string& path, const std::string& bytes,
                                          int64_t last_step) {
  std::string kept;
  for (const std::string& data : ReadRecords(bytes).data) {
    Event event;
    if (!event.ParseFromString(data)) {
      return absl::DataLossError(absl::StrCat(path, ": a record is not a TensorBoard event"));
    }
    if (event.step() <= last_step) kept += FrameRecord(data);
  }
  return kept;
}

}  // namespace

absl::StatusOr<EventFile> EventFile::Open(const std::string& path, int64_t resume_step) {
  std::string kept;
  std::error_code error;
  if (resume_step > 0 && std::filesystem::exists(path, error)) {
    ASSIGN_OR_RETURN(const std::string bytes, ReadFile(path));
    ASSIGN_OR_RETURN(kept, EventsThrough(path, bytes, resume_step));
  }
  const bool afresh = kept.empty();
  if (afresh) {
    Event first = MakeEvent(0);
    first.set_file_version("brain.Event:2");
    kept = FrameRecord(first.SerializeAsString());
  }
  RETURN_IF_ERROR(WriteFileAtomically(path, kept));
  return EventFile(path, afresh);
}

absl::Status EventFile::AddScalars(int64_t step, const std::vector<Scalar>& scalars) {
  Event event = MakeEvent(step);
  for (const Scalar& scalar : scalars) {
    Summary::Value* value = event.mutable_summary()->add_value();
    value->set_tag(scalar.tag);
    value->set_simple_value(static_cast<float>(scalar.value));
  }
  return Append(event.SerializeAsString());
}

absl::Status EventFile::AddText(int64_t step, const std::string& tag, const std::string& markdown) {
  Event event = MakeEvent(step);
  Summary::Value* value = event.mutable_summary()->add_value();
  value->set_tag(tag);
  value->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  value->mutable_metadata()->set_data_class(kDataClassTensor);
  TensorProto* tensor = value->mutable_tensor();
  tensor->set_dtype(kDtypeString);
  tensor->add_string_val(markdown);
  return Append(event.SerializeAsString());
}

absl::Status EventFile::Append(const std::string& serialized_event) {
  return AppendToFile(path_, FrameRecord(serialized_event));
}

}  // namespace tensorboard
}  // namespace rwn
