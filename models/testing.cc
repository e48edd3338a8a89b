#include "models/testing.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/text_proto.h"
#include "models/model.pb.h"

namespace rwn {

const std::map<std::string, std::string>& SmallModelSpecs() {
  static const auto* specs = [] {
    auto* small = new std::map<std::string, std::string>();
    for (const std::string& name : ModelRegistry::Global().Names()) {
      const std::vector<std::string>& examples = ModelRegistry::Global().Examples(name);
      if (!examples.empty()) (*small)[name] = absl::StrCat(name, " { ", examples[0], " }");
    }
    return small;
  }();
  return *specs;
}

std::shared_ptr<Network> MakeSmallModel(const std::string& model, const ModelContext& context) {
  return MakeSmallModelFromSpec(SmallModelSpecs().at(model), context);
}

std::shared_ptr<Network> MakeSmallModelFromSpec(const std::string& text,
                                                const ModelContext& context) {
  ModelSpec spec;
  absl::Status parsed = ParseTextProto(text, "model spec", &spec);
  auto network = parsed.ok() ? ModelRegistry::Global().CreateFromOneof(spec, context)
                             : absl::StatusOr<std::shared_ptr<Network>>(parsed);
  if (!network.ok()) {
    std::fprintf(stderr, "MakeSmallModelFromSpec(%s): %s\n", text.c_str(),
                 std::string(network.status().message()).c_str());
    std::abort();
  }
  return *network;
}

}  // namespace rwn
