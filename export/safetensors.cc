#include "export/safetensors.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/files.h"
#include "core/status_macros.h"

namespace rwn {
namespace {

// `text` as a JSON string.
std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

int64_t Elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string LittleEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// One tensor's entry in the header read back, checked against the data.
absl::StatusOr<StoredTensor> ReadEntry(const std::string& path, const std::string& name,
                                       const google::protobuf::Value& entry,
                                       const std::string& data) {
  auto bad = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat(path, ": tensor \"", name, "\": ", what));
  };
  const auto& fields = entry.struct_value().fields();
  if (!fields.count("dtype") || !fields.count("shape") || !fields.count("data_offsets")) {
    return bad("needs dtype, shape and data_offsets");
  }
  StoredTensor tensor;
  tensor.name = name;
  tensor.dtype = fields.at("dtype").string_value();
  if (DtypeSize(tensor.dtype) == 0) return bad(absl::StrCat("unknown dtype ", tensor.dtype));
  for (const auto& d : fields.at("shape").list_value().values()) {
    if (d.number_value() < 0) return bad("a negative dimension");
    tensor.shape.push_back(static_cast<int64_t>(d.number_value()));
  }
  const auto& offsets = fields.at("data_offsets").list_value().values();
  if (offsets.size() != 2) return bad("data_offsets is not [begin, end]");
  const double begin = offsets[0].number_value(), end = offsets[1].number_value();
  if (begin < 0 || end < begin || end > data.size()) return bad("data_offsets outside the data");
  if (end - begin != static_cast<double>(Elements(tensor.shape) * DtypeSize(tensor.dtype))) {
    return bad("its byte range does not match its dtype and shape");
  }
  tensor.bytes = data.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
  return tensor;
}

}  // namespace

int DtypeSize(const std::string& dtype) {
  static const auto* const kSizes =
      new std::map<std::string, int>{{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
                                     {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  auto it = kSizes->find(dtype);
  return it == kSizes->end() ? 0 : it->second;
}

absl::Status WriteSafetensors(const std::string& path, const Safetensors& file) {
  std::vector<std::string> entries;
  if (!file.metadata.empty()) {
    std::vector<std::string> pairs;
    for (const auto& [key, value] : file.metadata) {
      pairs.push_back(absl::StrCat(JsonString(key), ":", JsonString(value)));
    }
    entries.push_back(absl::StrCat("\"__metadata__\":{", absl::StrJoin(pairs, ","), "}"));
  }
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const StoredTensor& t : file.tensors) {
    if (!names.insert(t.name).second || t.name == "__metadata__") {
      return absl::InvalidArgumentError(absl::StrCat("tensor name \"", t.name, "\" is used twice"));
    }
    const int size = DtypeSize(t.dtype);
    if (size == 0 || static_cast<int64_t>(t.bytes.size()) != Elements(t.shape) * size) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor \"", t.name, "\": ", t.bytes.size(), " bytes do not hold dtype ",
                       t.dtype, " of shape [", absl::StrJoin(t.shape, ","), "]"));
    }
    entries.push_back(absl::StrCat(JsonString(t.name), ":{\"dtype\":", JsonString(t.dtype),
                                   ",\"shape\":[", absl::StrJoin(t.shape, ","),
                                   "],\"data_offsets\":[", offset, ",", offset + t.bytes.size(),
                                   "]}"));
    offset += t.bytes.size();
  }
  std::string header = absl::StrCat("{", absl::StrJoin(entries, ","), "}");
  header.append((8 - header.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::vector<absl::string_view> parts;
  const std::string length = LittleEndian64(header.size());
  parts.push_back(length);
  parts.push_back(header);
  for (const StoredTensor& t : file.tensors) parts.push_back(t.bytes);
  return WriteFileAtomically(path, parts);
}

absl::StatusOr<Safetensors> ReadSafetensors(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string bytes, ReadFile(path));
  uint64_t length = 0;
  for (int i = 7; i >= 0 && bytes.size() >= 8; --i) {
    length = (length << 8) | static_cast<uint8_t>(bytes[i]);
  }
  if (bytes.size() < 8 || length > bytes.size() - 8) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a safetensors file (its header length is missing or too long)"));
  }
  google::protobuf::Struct header;
  const auto parsed = google::protobuf::util::JsonStringToMessage(bytes.substr(8, length), &header);
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": the safetensors header is not JSON: ", parsed.message().ToString()));
  }
  const std::string data = bytes.substr(8 + length);
  Safetensors file;
  std::vector<std::pair<double, StoredTensor>> by_offset;
  for (const auto& [name, entry] : header.fields()) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.struct_value().fields()) {
        file.metadata[key] = value.string_value();
      }
      continue;
    }
    ASSIGN_OR_RETURN(StoredTensor tensor, ReadEntry(path, name, entry, data));
    by_offset.push_back(
        {entry.struct_value().fields().at("data_offsets").list_value().values(0).number_value(),
         std::move(tensor)});
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [offset, tensor] : by_offset) file.tensors.push_back(std::move(tensor));
  return file;
}

}  // namespace rwn
