// Selector `layer_group`: learns whole groups of layers, every parameter of
// every layer in them (paper Section 4.2, Table 1: conv1, block1, block2,
// block3 or fc alone, with every BN layer). Group names come from the
// model's layer table; an unknown one is an error that lists the model's.
//
// Example spec:
//   learn { selector { layer_group { group: "block2" } } also_learn_classifier: false }
#include <set>

#include "absl/strings/str_cat.h"
#include "selectors/layer_group.pb.h"
#include "selectors/selector.h"
#include "selectors/slice.h"

namespace rwn {
namespace {

class LayerGroup : public Selector {
 public:
  explicit LayerGroup(const LayerGroupSpec& spec)
      : groups_(spec.group().begin(), spec.group().end()) {}

  absl::StatusOr<LearnPlan> Select(const Network& network) const override {
    std::set<std::string> known;
    for (const Layer& layer : network.layers) known.insert(layer.group);
    for (const std::string& group : groups_) {
      if (known.count(group) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown group '", group, "'; ", network.description, " has: ", GroupList(network)));
      }
    }
    LearnPlan plan;
    for (const Layer& layer : network.layers) {
      if (groups_.count(layer.group) == 0) continue;
      plan[layer.weight] = TensorPlan::All();
      if (!layer.bias.empty()) plan[layer.bias] = TensorPlan::All();
    }
    return plan;
  }

 private:
  std::set<std::string> groups_;
};

absl::StatusOr<std::unique_ptr<Selector>> CreateLayerGroup(const LayerGroupSpec& spec,
                                                           const SelectorContext&) {
  if (spec.group().empty()) {
    return absl::InvalidArgumentError(
        "no group given; name at least one, e.g. group: \"block1\" (rwn count lists a model's "
        "groups)");
  }
  return std::unique_ptr<Selector>(new LayerGroup(spec));
}

}  // namespace

RWN_REGISTER_PLUGIN(SelectorRegistry, layer_group, LayerGroupSpec, CreateLayerGroup,
                    "group: \"fc\"");

}  // namespace rwn
