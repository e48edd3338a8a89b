#include "train/frozen_prefix.h"

#include <torch/torch.h>
#include <unistd.h>

#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "datasets/loader.h"
#include "models/batch_norm.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

bool InModules(const std::string& name, const std::vector<std::string>& modules) {
  for (const std::string& module : modules) {
    if (name == module || absl::StartsWith(name, module + ".")) return true;
  }
  return false;
}

torch::Tensor RunStages(const std::vector<Stage>& stages, int64_t from, int64_t to,
                        torch::Tensor x) {
  for (int64_t i = from; i < to; ++i) x = stages[i].run(x);
  return x;
}

// The prefix's features of every image of `split`, in order, in host memory.
torch::Tensor Features(const Network& network, int64_t stages, const Dataset& dataset,
                       const Split& split, int64_t batch_size) {
  BatchLoader loader(split, dataset.mean, dataset.std, batch_size, /*shuffle=*/false, 0);
  const torch::Device device = DeviceOf(network);
  std::vector<torch::Tensor> parts;
  Batch batch;
  while (loader.Next(&batch)) {
    parts.push_back(RunStages(network.stages, 0, stages, batch.images.to(device)).cpu());
  }
  return torch::cat(parts);
}

// The names of the modules in the first `stages` stages.
std::vector<std::string> PrefixModules(const Network& network, int64_t stages) {
  std::vector<std::string> modules;
  for (int64_t i = 0; i < stages; ++i) {
    for (const std::string& module : network.stages[i].modules) modules.push_back(module);
  }
  return modules;
}

// Sets frozen->feature_bytes from one image's features; an error when all
// images' features would exceed `memory_limit_bytes`.
absl::Status MeasureFeatures(const Network& network, const Dataset& dataset,
                             int64_t memory_limit_bytes, FrozenPrefix* frozen) {
  torch::NoGradGuard no_grad;
  network.module->eval();
  BatchLoader probe(dataset.train, dataset.mean, dataset.std, 1, false, 0);
  Batch batch;
  probe.Next(&batch);
  const torch::Tensor one =
      RunStages(network.stages, 0, frozen->stages, batch.images.to(DeviceOf(network)));
  const int64_t images = dataset.train.size() + dataset.validation.size() + dataset.test.size();
  frozen->feature_bytes = images * one.numel() * one.element_size();
  if (frozen->feature_bytes <= memory_limit_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "cache_frozen_prefix: the features after stage %s (%s per image) of %d images would "
      "take %.1f GB; allowed: up to %.1f GB (half the memory). Turn cache_frozen_prefix off",
      network.stages[frozen->stages - 1].name, absl::StrCat(one.numel(), " values"), images,
      frozen->feature_bytes / 1e9, memory_limit_bytes / 1e9));
}

// Re-estimates the running statistics of the prefix's batch norms as exact
// averages over the training set (train mode, no gradients), in one pass.
void CalibrateBatchNorms(const Network& network, const Dataset& dataset, int64_t stages,
                         int64_t batch_size) {
  const std::vector<std::string> prefix_modules = PrefixModules(network, stages);
  std::vector<std::function<void()>> restore_momenta;
  for (const auto& item : network.module->named_modules()) {
    if (!InModules(item.key(), prefix_modules)) continue;
    VisitBatchNorm(*item.value(), [&](auto& bn) {
      const c10::optional<double> momentum = bn.options.momentum();
      bn.options.momentum(c10::nullopt);  // a cumulative average
      bn.reset_running_stats();
      restore_momenta.push_back([&bn, momentum] { bn.options.momentum(momentum); });
    });
  }
  if (restore_momenta.empty()) return;
  torch::NoGradGuard no_grad;
  network.module->train();
  const torch::Device device = DeviceOf(network);
  BatchLoader loader(dataset.train, dataset.mean, dataset.std, batch_size, false, 0);
  Batch batch;
  while (loader.Next(&batch)) RunStages(network.stages, 0, stages, batch.images.to(device));
  for (const auto& restore : restore_momenta) restore();
}

// The dataset of the prefix's features: every split, the same labels.
std::shared_ptr<const Dataset> FeatureDataset(const Network& network, const Dataset& dataset,
                                              int64_t stages, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  network.module->eval();
  auto features = std::make_shared<Dataset>();
  auto run = [&](const Split& split) -> Split {
    return {Features(network, stages, dataset, split, batch_size), split.labels};
  };
  features->train = run(dataset.train);
  features->test = run(dataset.test);
  if (dataset.validation.size() > 0) features->validation = run(dataset.validation);
  features->num_classes = dataset.num_classes;
  features->description =
      absl::StrCat(dataset.description, ", features after stage ", network.stages[stages - 1].name);
  return features;
}

// `network` with a forward that runs stages [from, end).
Network SuffixOf(const Network& network, int64_t from) {
  Network suffix = network;
  const std::vector<Stage> stages = network.stages;
  suffix.forward = [stages, from](const torch::Tensor& x) {
    return RunStages(stages, from, static_cast<int64_t>(stages.size()), x);
  };
  return suffix;
}

}  // namespace

int64_t FrozenStages(const Network& network, const std::vector<LearnedTensor>& learned) {
  int64_t frozen = 0;
  for (const Stage& stage : network.stages) {
    for (const LearnedTensor& tensor : learned) {
      if (InModules(tensor.name, stage.modules)) return frozen;
    }
    ++frozen;
  }
  return frozen;
}

int64_t DefaultFeatureMemoryLimit() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / 2;
}

absl::StatusOr<FrozenPrefix> FreezePrefix(const Network& network, const Dataset& dataset,
                                          const std::vector<LearnedTensor>& learned,
                                          int64_t batch_size, int64_t memory_limit_bytes) {
  if (network.stages.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cache_frozen_prefix: ", network.description,
        " does not describe its stages; allowed with wide_resnet, resnet and densenet"));
  }
  FrozenPrefix frozen;
  frozen.stages = FrozenStages(network, learned);
  // The last stage always learns something (the run learns at least one
  // tensor), so a frozen prefix never covers the whole network.
  if (frozen.stages == 0) return frozen;
  frozen.first_run = network.stages[frozen.stages].name;
  return GuardTorch("cache_frozen_prefix", [&]() -> absl::StatusOr<FrozenPrefix> {
    RETURN_IF_ERROR(MeasureFeatures(network, dataset, memory_limit_bytes, &frozen));
    CalibrateBatchNorms(network, dataset, frozen.stages, batch_size);
    frozen.features = FeatureDataset(network, dataset, frozen.stages, batch_size);
    frozen.suffix = SuffixOf(network, frozen.stages);
    return frozen;
  });
}

}  // namespace rwn
