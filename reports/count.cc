#include "reports/count.h"

#include <torch/torch.h>

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/table.h"
#include "datasets/dataset.h"
#include "models/conv.h"
#include "models/model.h"
#include "run/build.h"
#include "selectors/plan.h"

namespace rwn {

absl::Status ParseInputShape(const std::string& text, InputShape* shape) {
  std::vector<std::string> parts = absl::StrSplit(text, 'x');
  int64_t values[3];
  bool ok = parts.size() == 3;
  for (size_t i = 0; ok && i < 3; ++i) ok = absl::SimpleAtoi(parts[i], &values[i]) && values[i] > 0;
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("--input=", text, "; allowed: CxHxW with positive integers, e.g. 3x32x32"));
  }
  shape->channels = values[0];
  shape->height = values[1];
  shape->width = values[2];
  return absl::OkStatus();
}

namespace {

// The input shape: the given one, or the spec's dataset's.
absl::StatusOr<InputShape> ShapeOf(const ExperimentSpec& spec, const InputShape& given) {
  InputShape shape = given;
  if (shape.channels == 0) {
    if (!spec.has_dataset()) {
      return absl::InvalidArgumentError(
          "count needs --input=CxHxW and --classes=N, or a spec with a dataset");
    }
    auto dataset = BuildData(spec);
    if (!dataset.ok()) {
      return absl::Status(
          dataset.status().code(),
          absl::StrCat(dataset.status().message(), " (or give --input=CxHxW --classes=N)"));
    }
    const Dataset& data = **dataset;
    shape = InputShape{data.channels(), data.height(), data.width(),
                       shape.classes > 0 ? shape.classes : data.num_classes};
  }
  if (shape.classes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--classes=", shape.classes, "; allowed: >= 1 (with --input)"));
  }
  return shape;
}

// Forward FLOPs (2 per multiply-add) of conv and linear layers, from one
// forward pass that records each conv's output size.
std::map<std::string, int64_t> ForwardFlops(Network& network, const InputShape& shape) {
  std::map<std::string, int64_t> flops;
  torch::NoGradGuard no_grad;
  network.module->eval();
  network.forward(torch::zeros({1, shape.channels, shape.height, shape.width}));
  const auto modules = network.module->named_modules("", /*include_self=*/false);
  for (const Layer& layer : network.layers) {
    int64_t weights = 1;
    for (int64_t d : layer.shape) weights *= d;
    if (layer.kind == LayerKind::kConv) {
      const auto* conv = modules[layer.name]->as<ConvImpl>();
      flops[layer.name] = 2 * weights * conv->last_output_height() * conv->last_output_width();
    } else if (layer.kind == LayerKind::kLinear) {
      flops[layer.name] = 2 * weights;
    }
  }
  return flops;
}

std::string MegaFlops(int64_t flops) { return absl::StrFormat("%.2f", flops / 1e6); }

// The per-layer table (with the totals) and the per-group table.
std::string Tables(const Network& network, const PlanCount& count,
                   std::map<std::string, int64_t>& flops, int64_t total_flops) {
  Table layers({"layer", "group", "kind", "shape", "params", "learned", "fixed", "MFLOPs"},
               {Table::kLeft, Table::kLeft, Table::kLeft, Table::kLeft, Table::kRight,
                Table::kRight, Table::kRight, Table::kRight});
  std::vector<std::string> group_order;
  std::map<std::string, std::pair<int64_t, int64_t>> groups;
  for (size_t i = 0; i < count.layers.size(); ++i) {
    const Layer& layer = network.layers[i];
    const LayerCount& row = count.layers[i];
    layers.AddRow({layer.name, layer.group, LayerKindName(layer.kind),
                   absl::StrJoin(layer.shape, "x"), WithCommas(row.params), WithCommas(row.learned),
                   WithCommas(row.params - row.learned),
                   flops.count(layer.name) ? MegaFlops(flops[layer.name]) : ""});
    if (groups.count(layer.group) == 0) group_order.push_back(layer.group);
    groups[layer.group].first += row.params;
    groups[layer.group].second += row.learned;
  }
  layers.AddRow({"total", "", "", "", WithCommas(count.params), WithCommas(count.learned),
                 WithCommas(count.params - count.learned), MegaFlops(total_flops)});
  Table by_group({"group", "params", "learned"}, {Table::kLeft, Table::kRight, Table::kRight});
  for (const std::string& group : group_order) {
    by_group.AddRow({group, WithCommas(groups[group].first), WithCommas(groups[group].second)});
  }
  return absl::StrCat(layers.ToMarkdown(), "\n", by_group.ToMarkdown(), "\n");
}

}  // namespace

absl::StatusOr<std::string> CountReport(const ExperimentSpec& spec, const InputShape& given) {
  ASSIGN_OR_RETURN(const InputShape shape, ShapeOf(spec, given));
  ASSIGN_OR_RETURN(
      std::shared_ptr<Network> network,
      BuildNetwork(spec, ModelContext{shape.channels, shape.height, shape.width, shape.classes}));
  ASSIGN_OR_RETURN(LearnPlan plan, BuildLearnPlan(spec, *network));
  const PlanCount count = CountPlan(plan, *network);
  std::map<std::string, int64_t> flops = ForwardFlops(*network, shape);
  int64_t total_flops = 0;
  for (const auto& entry : flops) total_flops += entry.second;
  return absl::StrCat(
      network->description, " on ", shape.channels, "x", shape.height, "x", shape.width, ", ",
      shape.classes, " classes\n\n", Tables(*network, count, flops, total_flops),
      absl::StrFormat("learned %s of %s parameters (%.2f%%); forward %.1f MFLOPs per image "
                      "(conv and linear layers)\n",
                      WithCommas(count.learned), WithCommas(count.params),
                      100.0 * count.learned / count.params, total_flops / 1e6),
      spec.has_ensemble()
          ? absl::StrFormat("an ensemble of %d members learns %s parameters on the shared "
                            "base (the paper's Table 4 count)\n",
                            spec.ensemble().members(),
                            WithCommas(spec.ensemble().members() * count.learned))
          : "");
}

}  // namespace rwn
