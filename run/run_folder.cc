#include "run/run_folder.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "google/protobuf/util/json_util.h"

namespace rwn {

namespace fs = std::filesystem;

RunFolder RunFolder::Of(const ExperimentSpec& spec, const std::string& out) {
  const std::string fingerprint = Fingerprint(PrintTextProto(spec)).substr(0, 12);
  return RunFolder((fs::path(out) / spec.name() / fingerprint).string());
}

bool RunFolder::IsRun() const { return fs::exists(spec()); }
bool RunFolder::Finished() const { return fs::exists(summary()); }
bool RunFolder::HasCheckpoint() const { return fs::exists(checkpoint()); }
bool RunFolder::BeingTrained() const { return FileLock::IsHeld(lock()); }

absl::StatusOr<RunSummary> RunFolder::ReadSummary() const {
  ASSIGN_OR_RETURN(std::string json, ReadFile(summary()));
  RunSummary result;
  auto status = google::protobuf::util::JsonStringToMessage(json, &result);
  if (status.ok()) return result;
  return absl::DataLossError(absl::StrCat(summary(), ": not a run summary (", status.ToString(),
                                          "); delete the run folder to run it again"));
}

absl::StatusOr<std::vector<EpochMetrics>> RunFolder::ReadMetrics() const {
  std::vector<EpochMetrics> epochs;
  if (!fs::exists(metrics())) return epochs;
  ASSIGN_OR_RETURN(std::string text, ReadFile(metrics()));
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++line_number;
    EpochMetrics& epoch = epochs.emplace_back();
    auto status = google::protobuf::util::JsonStringToMessage(std::string(line), &epoch);
    if (!status.ok()) {
      return absl::DataLossError(absl::StrCat(
          metrics(), ":", line_number, ": not an epoch's metrics (", status.ToString(), ")"));
    }
  }
  return epochs;
}

absl::Status RunFolder::WriteSummary(const RunSummary& result) const {
  return WriteFileAtomically(summary(), ToJson(result) + "\n");
}

absl::StatusOr<ExperimentSpec> RunFolder::ReadSpec() const {
  return ParseTextProtoFile<ExperimentSpec>(spec());
}

absl::StatusOr<FileLock> RunFolder::CreateAndLock() const {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir_, ": cannot create the run folder: ", error.message()));
  }
  absl::StatusOr<FileLock> acquired = FileLock::Acquire(lock());
  if (acquired.ok()) return acquired;
  return absl::FailedPreconditionError(absl::StrCat(dir_, " is being trained by another process (",
                                                    acquired.status().message(),
                                                    "); wait for it, or stop it first"));
}

absl::Status RunFolder::Remove() const {
  if (BeingTrained()) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir_, " is being trained by another process; not restarting it"));
  }
  std::error_code error;
  fs::remove_all(dir_, error);
  return absl::OkStatus();
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace rwn
