// Text-format protobuf parsing with errors a person can act on:
//   experiments/x.pbtxt:4:9: Message type "rwn.ModelSpec" has no field named
//   "widenet"; allowed fields: wide_resnet
#ifndef RWN_CORE_TEXT_PROTO_H_
#define RWN_CORE_TEXT_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace rwn {

// Parses `text` into `message` (cleared first). Errors are InvalidArgument,
// one line per problem, each `source:line:col: message`; an unknown field
// lists the fields its message allows.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message);

// Reads and parses `path`; NotFound when the file cannot be read.
absl::Status ParseTextProtoFileInto(const std::string& path, google::protobuf::Message* message);

template <class T>
absl::StatusOr<T> ParseTextProtoFile(const std::string& path) {
  T message;
  absl::Status status = ParseTextProtoFileInto(path, &message);
  if (!status.ok()) return status;
  return message;
}

// Deterministic text format of `message` (what spec.pbtxt files hold).
std::string PrintTextProto(const google::protobuf::Message& message);

}  // namespace rwn

#endif  // RWN_CORE_TEXT_PROTO_H_
