// A one-level JSON object writer for metrics lines and summaries:
//   JsonObject().Add("epoch", 3).Add("top1", 0.91).ToString()
//   -> {"epoch":3,"top1":0.91}
#ifndef RWN_CORE_JSON_H_
#define RWN_CORE_JSON_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace rwn {

class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, absl::string_view value);
  JsonObject& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonObject& Add(absl::string_view key, double value);  // non-finite -> null
  JsonObject& Add(absl::string_view key, int64_t value);
  JsonObject& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  JsonObject& Add(absl::string_view key, bool value);
  // `json` must already be valid JSON (a nested object or array).
  JsonObject& AddRaw(absl::string_view key, absl::string_view json);

  std::string ToString() const { return "{" + body_ + "}"; }

 private:
  void Key(absl::string_view key);
  std::string body_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace rwn

#endif  // RWN_CORE_JSON_H_
