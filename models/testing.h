// Test helpers: a small configuration of every registered model, so that
// contract tests can run over all of them in seconds.
#ifndef RWN_MODELS_TESTING_H_
#define RWN_MODELS_TESTING_H_

#include <map>
#include <memory>
#include <string>

#include "models/model.h"

namespace rwn {

// Model name -> ModelSpec text of its small configuration: the first
// example the model registers (RWN_REGISTER_PLUGIN). A model without one is
// missing here, and the model contract test fails.
const std::map<std::string, std::string>& SmallModelSpecs();

// The small configuration of `model`, built for `context`; dies on failure.
std::shared_ptr<Network> MakeSmallModel(const std::string& model, const ModelContext& context);

// The model of ModelSpec text `spec` (e.g. a small spec with a field added),
// built for `context`; dies on failure.
std::shared_ptr<Network> MakeSmallModelFromSpec(const std::string& spec,
                                                const ModelContext& context);

}  // namespace rwn

#endif  // RWN_MODELS_TESTING_H_
