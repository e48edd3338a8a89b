#include "experiments/weights.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/table.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

std::pair<double, double> MeanAbsAndVariance(const torch::Tensor& values) {
  if (values.numel() == 0) return {0, 0};
  const torch::Tensor v = values.to(torch::kFloat64);
  return {v.abs().mean().item<double>(),
          values.numel() > 1 ? v.var(/*unbiased=*/false).item<double>() : 0.0};
}

Table MakeTable(const std::vector<LayerWeights>& rows) {
  Table table({"layer", "group", "learned", "fixed", "learned mean |w|", "learned var",
               "fixed mean |w|", "fixed var"},
              {Table::kLeft, Table::kLeft, Table::kRight, Table::kRight, Table::kRight,
               Table::kRight, Table::kRight, Table::kRight});
  for (const LayerWeights& r : rows) {
    table.AddRow({r.layer, r.group, absl::StrCat(r.learned), absl::StrCat(r.fixed),
                  absl::StrFormat("%.6g", r.learned_mean_abs),
                  absl::StrFormat("%.6g", r.learned_variance),
                  absl::StrFormat("%.6g", r.fixed_mean_abs),
                  absl::StrFormat("%.6g", r.fixed_variance)});
  }
  return table;
}

}  // namespace

std::vector<LayerWeights> AnalyzeWeights(const LoadedRun& run) {
  torch::NoGradGuard no_grad;
  std::vector<LayerWeights> rows;
  for (const Layer& layer : run.network->layers) {
    if (layer.kind != LayerKind::kConv) continue;
    const torch::Tensor whole = CurrentValue(*run.network, layer.weight).detach().cpu();
    const torch::Tensor mask = LearnedMask(run.plan, layer.weight, whole.sizes().vec());
    LayerWeights row;
    row.layer = layer.name;
    row.group = layer.group;
    const torch::Tensor learned = whole.masked_select(mask);
    const torch::Tensor fixed = whole.masked_select(mask.logical_not());
    row.learned = learned.numel();
    row.fixed = fixed.numel();
    std::tie(row.learned_mean_abs, row.learned_variance) = MeanAbsAndVariance(learned);
    std::tie(row.fixed_mean_abs, row.fixed_variance) = MeanAbsAndVariance(fixed);
    rows.push_back(row);
  }
  return rows;
}

std::string WeightsMarkdown(const std::vector<LayerWeights>& rows) {
  return MakeTable(rows).ToMarkdown();
}

std::string WeightsCsv(const std::vector<LayerWeights>& rows) { return MakeTable(rows).ToCsv(); }

}  // namespace rwn
