#include "selectors/plan.h"

#include <torch/torch.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/torch_status.h"

namespace rwn {
namespace {

torch::Tensor MaskOf(const TensorPlan& plan, const torch::Tensor& tensor) {
  switch (plan.kind) {
    case TensorPlan::kAll:
      return torch::ones(tensor.sizes(), torch::kBool);
    case TensorPlan::kSlice: {
      torch::Tensor mask = torch::zeros(tensor.sizes(), torch::kBool);
      mask.narrow(plan.dim, plan.begin, plan.end - plan.begin).fill_(true);
      return mask;
    }
    case TensorPlan::kMask:
      return plan.mask;
  }
  return {};
}

TensorPlan Union(const TensorPlan& a, const TensorPlan& b, const torch::Tensor& tensor) {
  if (a.kind == TensorPlan::kAll || b.kind == TensorPlan::kAll) return TensorPlan::All();
  if (a.kind == TensorPlan::kSlice && b.kind == TensorPlan::kSlice && a.dim == b.dim &&
      std::max(a.begin, b.begin) <= std::min(a.end, b.end)) {
    const int64_t begin = std::min(a.begin, b.begin), end = std::max(a.end, b.end);
    if (begin == 0 && end == tensor.size(a.dim)) return TensorPlan::All();
    return TensorPlan::Slice(a.dim, begin, end);
  }
  TensorPlan plan;
  plan.kind = TensorPlan::kMask;
  plan.mask = MaskOf(a, tensor).logical_or(MaskOf(b, tensor));
  if (plan.mask.all().item<bool>()) return TensorPlan::All();
  return plan;
}

}  // namespace

LearnPlan UnionPlans(const LearnPlan& a, const LearnPlan& b, const Network& network) {
  LearnPlan result = a;
  const auto params = network.module->named_parameters();
  for (const auto& [name, plan] : b) {
    auto it = result.find(name);
    if (it == result.end()) {
      result.emplace(name, plan);
    } else {
      it->second = Union(it->second, plan, params[name]);
    }
  }
  return result;
}

absl::StatusOr<LearnPlan> BuildPlan(const LearnSpec* learn, const Network& network,
                                    uint64_t seed) {
  LearnPlan plan;
  if (learn == nullptr) {
    for (const auto& param : network.module->named_parameters()) {
      plan.emplace(param.key(), TensorPlan::All());
    }
    return plan;
  }
  for (int i = 0; i < learn->selector_size(); ++i) {
    absl::StatusOr<std::unique_ptr<Selector>> selector =
        SelectorRegistry::Global().CreateFromOneof(learn->selector(i), SelectorContext{seed});
    absl::StatusOr<LearnPlan> selected =
        selector.ok() ? (*selector)->Select(network) : selector.status();
    if (!selected.ok()) {
      return absl::Status(selected.status().code(),
                          absl::StrCat("selector[", i, "].", selected.status().message()));
    }
    plan = UnionPlans(plan, *selected, network);
  }
  LearnPlan extra;
  const Layer* classifier = nullptr;
  for (const Layer& layer : network.layers) {
    if (layer.kind == LayerKind::kLinear) classifier = &layer;
    if (layer.kind == LayerKind::kBatchNorm && learn->batchnorm()) {
      extra.emplace(layer.weight, TensorPlan::All());
      extra.emplace(layer.bias, TensorPlan::All());
    }
  }
  if (learn->classifier() && classifier != nullptr) {
    extra.emplace(classifier->weight, TensorPlan::All());
    if (!classifier->bias.empty()) extra.emplace(classifier->bias, TensorPlan::All());
  }
  return UnionPlans(plan, extra, network);
}

int64_t LearnedCount(const LearnPlan& plan, const std::string& param, const at::Tensor& tensor) {
  auto it = plan.find(param);
  if (it == plan.end()) return 0;
  const TensorPlan& p = it->second;
  switch (p.kind) {
    case TensorPlan::kAll:
      return tensor.numel();
    case TensorPlan::kSlice:
      return tensor.numel() / tensor.size(p.dim) * (p.end - p.begin);
    case TensorPlan::kMask:
      return p.mask.sum().item<int64_t>();
  }
  return 0;
}

PlanCount CountPlan(const LearnPlan& plan, const Network& network) {
  PlanCount count;
  const auto params = network.module->named_parameters();
  for (const Layer& layer : network.layers) {
    LayerCount row{layer.name, layer.group, 0, 0};
    for (const std::string& name : {layer.weight, layer.bias}) {
      if (name.empty()) continue;
      row.params += params[name].numel();
      row.learned += LearnedCount(plan, name, params[name]);
    }
    count.params += row.params;
    count.learned += row.learned;
    count.layers.push_back(row);
  }
  return count;
}

absl::StatusOr<std::vector<LearnedTensor>> ApplyPlan(const LearnPlan& plan, bool zero_fixed,
                                                     Network* network) {
  return GuardTorch("applying the learn plan",
                    [&]() -> absl::StatusOr<std::vector<LearnedTensor>> {
    const auto params = network->module->named_parameters();
    for (const auto& entry : plan) {
      if (!params.contains(entry.first)) {
        return absl::InvalidArgumentError(
            absl::StrCat("the plan names '", entry.first, "', which ", network->description,
                         " does not have"));
      }
    }
    std::set<std::string> conv_params;
    for (const Layer& layer : network->layers) {
      if (layer.kind != LayerKind::kConv) continue;
      conv_params.insert(layer.weight);
      if (!layer.bias.empty()) conv_params.insert(layer.bias);
    }
    std::vector<LearnedTensor> learned;
    torch::NoGradGuard no_grad;
    for (const auto& param : params) {
      const std::string& name = param.key();
      torch::Tensor tensor = param.value();
      const bool zero = zero_fixed && conv_params.count(name) > 0;
      auto it = plan.find(name);
      if (it == plan.end()) {
        tensor.requires_grad_(false);
        if (zero) tensor.zero_();
      } else if (it->second.kind == TensorPlan::kAll) {
        learned.push_back({name, tensor, {}});
      } else {
        torch::Tensor mask = MaskOf(it->second, tensor);
        torch::Tensor fixed = mask.logical_not();
        if (zero) tensor.masked_fill_(fixed, 0);
        // The dense masked path: no gradient reaches fixed entries; the
        // optimizer masks its updates with `mask` too.
        tensor.register_hook(
            [fixed](const torch::Tensor& grad) { return grad.masked_fill(fixed, 0); });
        learned.push_back({name, tensor, mask});
      }
    }
    return learned;
  });
}

}  // namespace rwn
