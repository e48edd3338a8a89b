#include "selectors/slice.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/files.h"

namespace rwn {

absl::Status CheckAmount(bool has_fraction, double fraction, bool has_count, int64_t count) {
  if (has_fraction == has_count) {
    return absl::InvalidArgumentError(
        "set exactly one of fraction (0 < fraction <= 1) and count (>= 1)");
  }
  if (has_fraction && !(fraction > 0 && fraction <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fraction = ", fraction, "; allowed: 0 < fraction <= 1"));
  }
  if (has_count && count < 1) {
    return absl::InvalidArgumentError(absl::StrCat("count = ", count, "; allowed: >= 1"));
  }
  return absl::OkStatus();
}

int64_t SliceCount(const SliceRule& rule, int64_t size) {
  // int(p * size) exactly as the paper's code computes it (double, truncated).
  int64_t count = rule.count > 0 ? std::min(rule.count, size)
                                 : static_cast<int64_t>(rule.fraction * static_cast<double>(size));
  if (rule.min_one) count = std::max<int64_t>(count, 1);
  return std::min(count, size);
}

TensorPlan SlicePlan(const SliceRule& rule, int64_t dim, const std::vector<int64_t>& shape,
                     uint64_t seed, const std::string& layer, bool* empty) {
  const int64_t size = shape[dim];
  const int64_t count = SliceCount(rule, size);
  const int64_t learned = rule.complement ? size - count : count;
  *empty = learned == 0;
  if (learned == size) return TensorPlan::All();
  if (rule.end == RANDOM) {
    uint64_t mixed = std::stoull(Fingerprint(absl::StrCat(seed, "/", layer)), nullptr, 16);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(mixed);
    torch::Tensor chosen = torch::randperm(size, generator, torch::kInt64).narrow(0, 0, count);
    torch::Tensor along = torch::zeros({size}, torch::kBool).index_fill_(0, chosen, true);
    if (rule.complement) along = along.logical_not();
    std::vector<int64_t> view(shape.size(), 1);
    view[dim] = size;
    TensorPlan plan;
    plan.kind = TensorPlan::kMask;
    plan.mask = along.view(view).expand(shape).contiguous();
    return plan;
  }
  const bool first = (rule.end == FIRST) != rule.complement;
  return first ? TensorPlan::Slice(dim, 0, learned) : TensorPlan::Slice(dim, size - learned, size);
}

LearnPlan SliceConvs(const std::vector<const Layer*>& convs, const SliceRule& rule, int64_t dim,
                     uint64_t seed) {
  LearnPlan plan;
  for (const Layer* layer : convs) {
    bool empty = false;
    TensorPlan weight = SlicePlan(rule, dim, layer->shape, seed, layer->name, &empty);
    if (empty) continue;
    if (dim == 0 && !layer->bias.empty()) {
      TensorPlan bias = weight;
      if (weight.kind == TensorPlan::kMask) {
        bias.mask = weight.mask.flatten(1).select(1, 0).contiguous();
      }
      plan[layer->bias] = bias;
    }
    plan[layer->weight] = std::move(weight);
  }
  return plan;
}

std::string GroupList(const Network& network) {
  std::vector<std::string> groups;
  for (const Layer& layer : network.layers) {
    if (groups.empty() || groups.back() != layer.group) groups.push_back(layer.group);
  }
  return absl::StrJoin(groups, ", ");
}

absl::StatusOr<std::vector<const Layer*>> ConvLayersIn(
    const Network& network, const google::protobuf::RepeatedPtrField<std::string>& groups) {
  std::set<std::string> wanted(groups.begin(), groups.end()), known;
  std::set<std::string> linear_groups;
  for (const Layer& layer : network.layers) {
    known.insert(layer.group);
    if (layer.kind == LayerKind::kLinear) linear_groups.insert(layer.group);
  }
  for (const std::string& group : wanted) {
    if (known.count(group) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown group '", group, "'; ", network.description, " has: ", GroupList(network)));
    }
    if (linear_groups.count(group) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("group '", group,
                       "' holds a fully-connected layer, which is learned whole or not at "
                       "all; use layer_group { group: \"",
                       group, "\" } or classifier {}"));
    }
  }
  std::vector<const Layer*> convs;
  for (const Layer& layer : network.layers) {
    if (layer.kind == LayerKind::kConv && (wanted.empty() || wanted.count(layer.group) > 0)) {
      convs.push_back(&layer);
    }
  }
  return convs;
}

}  // namespace rwn
