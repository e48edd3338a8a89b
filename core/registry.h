// Registry<Product, Context>: the plugin table of one kind (models, selectors,
// datasets, optimizers, schedules).
//
// A plugin registers a factory under a snake_case name that equals the name of
// its field in the kind's spec `oneof` (e.g. `wide_resnet` in ModelSpec). The
// factory receives that field's message (already checked to be of the plugin's
// own spec type) and a kind-specific context. CreateFromOneof() finds the chosen
// field by protobuf reflection, so adding a plugin never touches a switch.
//
//   using ModelRegistry = Registry<std::shared_ptr<Network>, ModelContext>;
//   RWN_REGISTER_PLUGIN(ModelRegistry, wide_resnet, WideResnetSpec, Create,
//                       "depth: 10 widen_factor: 1");
//
// The strings after the factory are examples of the plugin's spec (the
// field's message in text format). Contract tests run every plugin on its
// examples, so a kind whose contract test needs them fails for a plugin
// that gives none.
//
// Duplicate names are fatal at start-up; an unknown name is NotFound listing
// every registered name.
#ifndef RWN_CORE_REGISTRY_H_
#define RWN_CORE_REGISTRY_H_

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/oneof.h"
#include "google/protobuf/message.h"

namespace rwn {

template <class Product, class Context>
class Registry {
 public:
  using ProductType = Product;
  using ContextType = Context;
  using Factory = std::function<absl::StatusOr<Product>(const google::protobuf::Message& spec,
                                                        const Context& context)>;

  // The process-wide registry of this kind; never destroyed, so plugins may
  // register from static initializers in any order.
  static Registry& Global() {
    static Registry* registry = new Registry();
    return *registry;
  }

  // Adds `factory` under `name`. Dies when `name` is taken: two plugins with
  // one name is a build mistake that must not reach a run.
  bool Register(const std::string& name, Factory factory, std::vector<std::string> examples = {}) {
    if (!factories_.emplace(name, std::move(factory)).second) {
      std::fprintf(stderr, "rwn: plugin '%s' is registered twice\n", name.c_str());
      std::abort();
    }
    examples_[name] = std::move(examples);
    return true;
  }

  // The examples plugin `name` registered (its spec message in text format).
  const std::vector<std::string>& Examples(const std::string& name) const {
    static const std::vector<std::string>* none = new std::vector<std::string>();
    auto it = examples_.find(name);
    return it == examples_.end() ? *none : it->second;
  }

  // Sorted names of every registered plugin.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& entry : factories_) names.push_back(entry.first);
    return names;
  }

  // Label -> "<name> { <example> }" (a oneof field in text format) for every
  // example of every plugin: "<name>" for a plugin's first, "<name>_<i>" for
  // its i-th. The contract tests run these.
  std::map<std::string, std::string> ExampleSpecs() const {
    std::map<std::string, std::string> specs;
    for (const auto& [name, examples] : examples_) {
      for (size_t i = 0; i < examples.size(); ++i) {
        const std::string label = i == 0 ? name : absl::StrCat(name, "_", i + 1);
        specs[label] = absl::StrCat(name, " { ", examples[i], " }");
      }
    }
    return specs;
  }

  bool Contains(absl::string_view name) const { return factories_.count(std::string(name)) > 0; }

  absl::StatusOr<Product> Create(absl::string_view name, const google::protobuf::Message& spec,
                                 const Context& context) const {
    auto it = factories_.find(std::string(name));
    if (it == factories_.end()) {
      return absl::NotFoundError(absl::StrCat(
          "no plugin named '", name,
          "'; registered: ", Names().empty() ? "(none)" : absl::StrJoin(Names(), ", ")));
    }
    absl::StatusOr<Product> product = it->second(spec, context);
    if (!product.ok()) {
      return absl::Status(product.status().code(),
                          absl::StrCat(name, ": ", product.status().message()));
    }
    return product;
  }

  // `holder` is a spec message with one oneof (ModelSpec, SelectorSpec, ...):
  // creates the plugin named by its chosen field from that field's message.
  absl::StatusOr<Product> CreateFromOneof(const google::protobuf::Message& holder,
                                          const Context& context) const {
    absl::StatusOr<ChosenPlugin> chosen = ChosenPluginOf(holder);
    if (!chosen.ok()) return chosen.status();
    return Create(chosen->name, *chosen->spec, context);
  }

 private:
  Registry() = default;
  std::map<std::string, Factory> factories_;
  std::map<std::string, std::vector<std::string>> examples_;
};

namespace registry_internal {

// Adapts `function(const Spec&, const Context&)` to a Registry::Factory,
// checking the message type first.
template <class Spec, class Registry, class Function>
typename Registry::Factory Adapt(const char* name, Function function) {
  return [name, function](const google::protobuf::Message& message,
                          const typename Registry::ContextType& context)
             -> absl::StatusOr<typename Registry::ProductType> {
    if (message.GetDescriptor() != Spec::descriptor()) {
      return absl::InvalidArgumentError(absl::StrCat("plugin '", name, "' takes a ",
                                                     Spec::descriptor()->full_name(), ", got a ",
                                                     message.GetDescriptor()->full_name()));
    }
    return function(static_cast<const Spec&>(message), context);
  };
}

}  // namespace registry_internal
}  // namespace rwn

// Registers `function` (absl::StatusOr<Product>(const SpecType&, const
// Context&)) as plugin `name` of `RegistryType`, with examples of its spec
// (text format strings, optional). One statement at the bottom of the
// plugin's .cc; its cc_library needs `alwayslink = 1`.
#define RWN_REGISTER_PLUGIN(RegistryType, name, SpecType, function, ...)                      \
  static const bool rwn_registered_##name [[maybe_unused]] = RegistryType::Global().Register( \
      #name, ::rwn::registry_internal::Adapt<SpecType, RegistryType>(#name, function),        \
      std::vector<std::string>{__VA_ARGS__})

#endif  // RWN_CORE_REGISTRY_H_
