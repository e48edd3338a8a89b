#include "selectors/plan.h"

#include <torch/torch.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "models/conv.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

torch::Tensor MaskOf(const TensorPlan& plan, const std::vector<int64_t>& shape) {
  switch (plan.kind) {
    case TensorPlan::kAll:
      return torch::ones(shape, torch::kBool);
    case TensorPlan::kSlice: {
      torch::Tensor mask = torch::zeros(shape, torch::kBool);
      mask.narrow(plan.dim, plan.begin, plan.end - plan.begin).fill_(true);
      return mask;
    }
    case TensorPlan::kMask:
      return plan.mask;
  }
  return {};
}

TensorPlan Union(const TensorPlan& a, const TensorPlan& b, const std::vector<int64_t>& shape) {
  if (a.kind == TensorPlan::kAll || b.kind == TensorPlan::kAll) return TensorPlan::All();
  if (a.kind == TensorPlan::kSlice && b.kind == TensorPlan::kSlice && a.dim == b.dim &&
      std::max(a.begin, b.begin) <= std::min(a.end, b.end)) {
    const int64_t begin = std::min(a.begin, b.begin), end = std::max(a.end, b.end);
    if (begin == 0 && end == shape[a.dim]) return TensorPlan::All();
    return TensorPlan::Slice(a.dim, begin, end);
  }
  TensorPlan plan;
  plan.kind = TensorPlan::kMask;
  plan.mask = MaskOf(a, shape).logical_or(MaskOf(b, shape));
  if (plan.mask.all().item<bool>()) return TensorPlan::All();
  return plan;
}

bool SamePlan(const TensorPlan& a, const TensorPlan& b) {
  return a.kind == b.kind && a.dim == b.dim && a.begin == b.begin && a.end == b.end &&
         a.kind != TensorPlan::kMask;
}

}  // namespace

std::map<std::string, std::vector<int64_t>> ParamShapes(const Network& network) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const Layer& layer : network.layers) {
    shapes[layer.weight] = layer.shape;
    if (!layer.bias.empty()) shapes[layer.bias] = {layer.out_channels};
  }
  return shapes;
}

LearnPlan UnionPlans(const LearnPlan& a, const LearnPlan& b, const Network& network) {
  LearnPlan result = a;
  const auto shapes = ParamShapes(network);
  for (const auto& [name, plan] : b) {
    auto it = result.find(name);
    if (it == result.end()) {
      result.emplace(name, plan);
    } else {
      it->second = Union(it->second, plan, shapes.at(name));
    }
  }
  return result;
}

namespace {

// The learn block's selectors, then the `batchnorm` and `classifier`
// selectors when also_learn_batchnorm and also_learn_classifier say so.
std::vector<SelectorSpec> SelectorsOf(const LearnSpec& learn) {
  std::vector<SelectorSpec> selectors(learn.selector().begin(), learn.selector().end());
  if (learn.also_learn_batchnorm()) selectors.emplace_back().mutable_batchnorm();
  if (learn.also_learn_classifier()) selectors.emplace_back().mutable_classifier();
  return selectors;
}

// Specs written before the rename of `batchnorm` and `classifier`.
absl::Status RefuseOldNames(const LearnSpec& learn) {
  for (const auto& [set, name, value] :
       {std::tuple{learn.has_batchnorm(), "batchnorm", learn.batchnorm()},
        std::tuple{learn.has_classifier(), "classifier", learn.classifier()}}) {
    if (!set) continue;
    const char* text = value ? "true" : "false";
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", text,
                                                   " is the old name; write also_learn_", name,
                                                   ": ", text, " (same meaning)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LearnPlan> BuildPlan(const LearnSpec* learn, const Network& network, uint64_t seed) {
  return GuardTorch("learn", [&]() -> absl::StatusOr<LearnPlan> {
    LearnPlan plan;
    if (learn == nullptr) {
      for (const auto& [name, shape] : ParamShapes(network)) plan.emplace(name, TensorPlan::All());
      return plan;
    }
    RETURN_IF_ERROR(RefuseOldNames(*learn));
    const std::vector<SelectorSpec> selectors = SelectorsOf(*learn);
    for (size_t i = 0; i < selectors.size(); ++i) {
      absl::StatusOr<std::unique_ptr<Selector>> selector =
          SelectorRegistry::Global().CreateFromOneof(selectors[i], SelectorContext{seed});
      if (!selector.ok()) {  // the registry names the plugin
        return absl::Status(selector.status().code(),
                            absl::StrCat("selector[", i, "].", selector.status().message()));
      }
      absl::StatusOr<LearnPlan> selected = (*selector)->Select(network);
      if (!selected.ok()) {
        return absl::Status(selected.status().code(),
                            absl::StrCat("selector[", i, "].", ChosenPluginOf(selectors[i])->name,
                                         ": ", selected.status().message()));
      }
      plan = UnionPlans(plan, *selected, network);
    }
    return plan;
  });
}

int64_t LearnedCount(const LearnPlan& plan, const std::string& param,
                     const std::vector<int64_t>& shape) {
  auto it = plan.find(param);
  if (it == plan.end()) return 0;
  const TensorPlan& p = it->second;
  switch (p.kind) {
    case TensorPlan::kAll:
      return Numel(shape);
    case TensorPlan::kSlice:
      return Numel(shape) / shape[p.dim] * (p.end - p.begin);
    case TensorPlan::kMask:
      return p.mask.sum().item<int64_t>();
  }
  return 0;
}

PlanCount CountPlan(const LearnPlan& plan, const Network& network) {
  PlanCount count;
  const auto shapes = ParamShapes(network);
  for (const Layer& layer : network.layers) {
    LayerCount row{layer.name, layer.group, 0, 0};
    for (const std::string& name : {layer.weight, layer.bias}) {
      if (name.empty()) continue;
      row.params += Numel(shapes.at(name));
      row.learned += LearnedCount(plan, name, shapes.at(name));
    }
    count.params += row.params;
    count.learned += row.learned;
    count.layers.push_back(row);
  }
  return count;
}

namespace {

// The fast path: a conv whose weight is learned as one slice along dim 0 or
// 1 (and whose bias fits that slice) is split. Returns whether it was.
bool SplitConv(const LearnPlan& plan, const ApplyOptions& options, const Layer& layer,
               ConvImpl* conv, std::vector<LearnedTensor>* learned) {
  const auto weight_plan = plan.find(layer.weight);
  if (options.dense_mask || weight_plan == plan.end()) return false;
  const TensorPlan& w = weight_plan->second;
  if (w.kind != TensorPlan::kSlice || w.dim > 1) return false;
  const auto bias_plan = layer.bias.empty() ? plan.end() : plan.find(layer.bias);
  const bool bias_learned = bias_plan != plan.end();
  const bool bias_fits = !bias_learned || (w.dim == 0 ? SamePlan(bias_plan->second, w)
                                                      : bias_plan->second.kind == TensorPlan::kAll);
  if (!bias_fits) return false;
  std::vector<torch::Tensor> parts =
      conv->Split(w.dim, w.begin, w.end, options.zero_fixed, bias_learned);
  learned->push_back({layer.weight, parts[0], {}});
  if (bias_learned) learned->push_back({layer.bias, parts[1], {}});
  return true;
}

// The general path: each of the layer's tensors is fixed, learned whole, or
// learned under a dense mask.
void ApplyToTensors(const LearnPlan& plan, const ApplyOptions& options, const Layer& layer,
                    const std::map<std::string, std::vector<int64_t>>& shapes,
                    torch::OrderedDict<std::string, torch::Tensor>& params,
                    std::vector<LearnedTensor>* learned) {
  const bool zero = options.zero_fixed && layer.kind == LayerKind::kConv;
  for (const std::string& name : {layer.weight, layer.bias}) {
    if (name.empty()) continue;
    torch::Tensor tensor = params[name];
    auto it = plan.find(name);
    if (it == plan.end()) {
      tensor.requires_grad_(false);
      if (zero) tensor.zero_();
    } else if (it->second.kind == TensorPlan::kAll) {
      learned->push_back({name, tensor, {}});
    } else {
      torch::Tensor mask = MaskOf(it->second, shapes.at(name));
      if (zero) tensor.masked_fill_(mask.logical_not(), 0);
      learned->push_back({name, tensor, mask});
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<LearnedTensor>> ApplyPlan(const LearnPlan& plan,
                                                     const ApplyOptions& options,
                                                     Network* network) {
  return GuardTorch("applying the learn plan", [&]() -> absl::StatusOr<std::vector<LearnedTensor>> {
    const auto shapes = ParamShapes(*network);
    for (const auto& entry : plan) {
      if (shapes.count(entry.first) == 0) {
        return absl::InvalidArgumentError(absl::StrCat("the plan names '", entry.first, "', which ",
                                                       network->description, " does not have"));
      }
    }
    const auto modules = network->module->named_modules(/*name_prefix=*/"", /*include_self=*/false);
    auto params = network->module->named_parameters();
    std::vector<LearnedTensor> learned;
    torch::NoGradGuard no_grad;
    for (const Layer& layer : network->layers) {
      auto* conv = layer.kind == LayerKind::kConv ? modules[layer.name]->as<ConvImpl>() : nullptr;
      if (conv != nullptr && SplitConv(plan, options, layer, conv, &learned)) continue;
      // A wholly fixed, zeroed conv is not computed at all.
      const bool untouched =
          plan.count(layer.weight) == 0 && (layer.bias.empty() || plan.count(layer.bias) == 0);
      if (conv != nullptr && options.zero_fixed && !options.dense_mask && untouched) {
        conv->Split(0, 0, 0, /*zero_fixed=*/true, false);
        continue;
      }
      ApplyToTensors(plan, options, layer, shapes, params, &learned);
    }
    return learned;
  });
}

at::Tensor CurrentValue(const Network& network, const std::string& name) {
  for (const Layer& layer : network.layers) {
    if (name != layer.weight && name != layer.bias) continue;
    if (layer.kind == LayerKind::kConv) {
      auto modules = network.module->named_modules(/*name_prefix=*/"", /*include_self=*/false);
      const auto* conv = modules[layer.name]->as<ConvImpl>();
      return name == layer.weight ? conv->whole_weight() : conv->whole_bias();
    }
    return network.module->named_parameters()[name];
  }
  return {};
}

at::Tensor LearnedMask(const LearnPlan& plan, const std::string& name,
                       const std::vector<int64_t>& shape) {
  auto it = plan.find(name);
  return it == plan.end() ? torch::zeros(shape, torch::kBool) : MaskOf(it->second, shape);
}

void ExportPlain(Network* network) {
  for (const auto& module : network->module->modules(/*include_self=*/false)) {
    if (auto* conv = module->as<ConvImpl>()) conv->Merge();
  }
  for (auto& param : network->module->parameters()) param.requires_grad_(true);
}

}  // namespace rwn
