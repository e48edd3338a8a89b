// Reflection over plugin-choice messages: a spec message (ModelSpec,
// SelectorSpec, ...) holds exactly one `oneof`, one field per plugin.
#ifndef RWN_CORE_ONEOF_H_
#define RWN_CORE_ONEOF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace rwn {

struct ChosenPlugin {
  std::string name;                       // the oneof field's name
  const google::protobuf::Message* spec;  // the field's message, owned by the holder
};

// The field set in `holder`'s single oneof. InvalidArgument naming every field
// of the oneof when none is set, or when `holder` has no single oneof.
absl::StatusOr<ChosenPlugin> ChosenPluginOf(const google::protobuf::Message& holder);

// Names of the fields of `type`'s single oneof, in declaration order (empty
// when `type` has no oneof or more than one).
std::vector<std::string> OneofFieldNames(const google::protobuf::Descriptor& type);

}  // namespace rwn

#endif  // RWN_CORE_ONEOF_H_
