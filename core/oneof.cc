#include "core/oneof.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rwn {

std::vector<std::string> OneofFieldNames(const google::protobuf::Descriptor& type) {
  std::vector<std::string> names;
  if (type.oneof_decl_count() != 1) return names;
  const google::protobuf::OneofDescriptor* oneof = type.oneof_decl(0);
  for (int i = 0; i < oneof->field_count(); ++i) names.push_back(oneof->field(i)->name());
  return names;
}

absl::StatusOr<ChosenPlugin> ChosenPluginOf(const google::protobuf::Message& holder) {
  const google::protobuf::Descriptor* type = holder.GetDescriptor();
  if (type->oneof_decl_count() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(type->full_name(), " is not a plugin choice (it needs exactly one oneof)"));
  }
  const google::protobuf::OneofDescriptor* oneof = type->oneof_decl(0);
  const google::protobuf::FieldDescriptor* field =
      holder.GetReflection()->GetOneofFieldDescriptor(holder, oneof);
  if (field == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(type->name(), ": no ", oneof->name(),
                     " chosen; set one of: ", absl::StrJoin(OneofFieldNames(*type), ", ")));
  }
  if (field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(type->full_name(), ".", field->name(), " is not a message field"));
  }
  return ChosenPlugin{field->name(), &holder.GetReflection()->GetMessage(holder, field)};
}

}  // namespace rwn
