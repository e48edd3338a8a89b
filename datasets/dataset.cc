#include "datasets/dataset.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

absl::Status CheckSplit(const Split& split, const char* which, int64_t num_classes) {
  if (!split.images.defined() || split.images.dim() != 4 ||
      split.images.scalar_type() != torch::kUInt8) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " images must be a uint8 N x C x H x W tensor"));
  }
  if (!split.labels.defined() || split.labels.dim() != 1 ||
      split.labels.scalar_type() != torch::kInt64 || split.labels.size(0) != split.images.size(0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " labels must be int64 with one label per image"));
  }
  if (split.size() == 0) return absl::InvalidArgumentError(absl::StrCat(which, " split is empty"));
  const int64_t low = split.labels.min().item<int64_t>();
  const int64_t high = split.labels.max().item<int64_t>();
  if (low < 0 || high >= num_classes) {
    return absl::InvalidArgumentError(absl::StrCat(which, " labels span [", low, ", ", high,
                                                   "]; allowed: 0 to ", num_classes - 1));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FinishDataset(Dataset* dataset) {
  return GuardTorch("dataset", [&]() -> absl::Status {
    if (dataset->num_classes < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("num_classes = ", dataset->num_classes, "; allowed: >= 2"));
    }
    absl::Status status = CheckSplit(dataset->train, "train", dataset->num_classes);
    if (status.ok()) status = CheckSplit(dataset->test, "test", dataset->num_classes);
    if (!status.ok()) return status;
    if (dataset->train.images.sizes().slice(1) != dataset->test.images.sizes().slice(1)) {
      return absl::InvalidArgumentError("train and test images differ in shape");
    }
    // Statistics in float64 over [0, 1] pixels, one channel at a time.
    dataset->mean.clear();
    dataset->std.clear();
    for (int64_t c = 0; c < dataset->channels(); ++c) {
      torch::Tensor channel = dataset->train.images.select(1, c).to(torch::kFloat64) / 255.0;
      dataset->mean.push_back(channel.mean().item<double>());
      dataset->std.push_back(std::max(channel.std().item<double>(), 1e-6));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::shared_ptr<const Dataset>> HoldOutValidation(const Dataset& dataset,
                                                                 int64_t count, uint64_t seed) {
  const int64_t size = dataset.train.size();
  if (count < 1 || count >= size) {
    return absl::InvalidArgumentError(absl::StrCat("validation_size = ", count, "; allowed: 1 to ",
                                                   size - 1, " (the train split has ", size,
                                                   " images)"));
  }
  return GuardTorch("validation split", [&]() -> absl::StatusOr<std::shared_ptr<const Dataset>> {
    auto held = std::make_shared<Dataset>(dataset);
    // A stream of its own, so the split does not move with anything else the
    // seed draws.
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed ^ 0x76616C6964ull);
    torch::Tensor order = torch::randperm(size, generator, torch::kInt64);
    // Both parts keep the original order of their images.
    torch::Tensor validation = std::get<0>(order.narrow(0, 0, count).sort());
    torch::Tensor train = std::get<0>(order.narrow(0, count, size - count).sort());
    held->validation = {dataset.train.images.index_select(0, validation),
                        dataset.train.labels.index_select(0, validation)};
    held->train = {dataset.train.images.index_select(0, train),
                   dataset.train.labels.index_select(0, train)};
    held->description = absl::StrCat(dataset.description, ", ", count, " held out for validation");
    absl::Status status = FinishDataset(held.get());
    if (!status.ok()) return status;
    return std::shared_ptr<const Dataset>(std::move(held));
  });
}

}  // namespace rwn
