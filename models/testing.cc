#include "models/testing.h"

#include <cstdio>
#include <cstdlib>

#include "core/text_proto.h"
#include "models/model.pb.h"

namespace rwn {

const std::map<std::string, std::string>& SmallModelSpecs() {
  static const auto* specs = new std::map<std::string, std::string>{
      {"wide_resnet", "wide_resnet { depth: 10 widen_factor: 1 }"},
      {"densenet", "densenet { depth: 10 growth_rate: 4 }"},
      {"resnet", "resnet { depth: 8 }"},
      {"vgg", "vgg { depth: 11 width_divisor: 8 }"},
      {"alexnet", "alexnet { width_divisor: 4 }"},
  };
  return *specs;
}

std::shared_ptr<Network> MakeSmallModel(const std::string& model, const ModelContext& context) {
  return MakeSmallModelFromSpec(SmallModelSpecs().at(model), context);
}

std::shared_ptr<Network> MakeSmallModelFromSpec(const std::string& text, const ModelContext& context) {
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
