#include "train/frozen_prefix.h"

#include <torch/torch.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/torch_status.h"
#include "datasets/loader.h"

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

// The prefix's features of every image of `split`, in order.
torch::Tensor Features(const Network& network, int64_t stages, const Dataset& dataset,
                       const Split& split, int64_t batch_size) {
  BatchLoader loader(split, dataset.mean, dataset.std, batch_size, /*shuffle=*/false, 0);
  std::vector<torch::Tensor> parts;
  Batch batch;
  while (loader.Next(&batch)) parts.push_back(RunStages(network.stages, 0, stages, batch.images));
  return torch::cat(parts);
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
    std::vector<std::string> prefix_modules;
    for (int64_t i = 0; i < frozen.stages; ++i) {
      for (const std::string& module : network.stages[i].modules) prefix_modules.push_back(module);
    }
    // The features' size, from one image.
    torch::Tensor one;
    {
      torch::NoGradGuard no_grad;
      network.module->eval();
      BatchLoader probe(dataset.train, dataset.mean, dataset.std, 1, false, 0);
      Batch batch;
      probe.Next(&batch);
      one = RunStages(network.stages, 0, frozen.stages, batch.images);
    }
    const int64_t images = dataset.train.size() + dataset.validation.size() + dataset.test.size();
    frozen.feature_bytes = images * one.numel() * one.element_size();
    if (frozen.feature_bytes > memory_limit_bytes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cache_frozen_prefix: the features after stage %s (%s per image) of %d images would "
          "take %.1f GB; allowed: up to %.1f GB (half the memory). Turn cache_frozen_prefix off",
          network.stages[frozen.stages - 1].name, absl::StrCat(one.numel(), " values"), images,
          frozen.feature_bytes / 1e9, memory_limit_bytes / 1e9));
    }
    // 1. Batch-norm statistics of the prefix over the whole training set.
    std::vector<torch::nn::BatchNorm2dImpl*> norms;
    for (const auto& item : network.module->named_modules()) {
      if (auto* bn = item.value()->as<torch::nn::BatchNorm2dImpl>()) {
        if (InModules(item.key(), prefix_modules)) norms.push_back(bn);
      }
    }
    if (!norms.empty()) {
      torch::NoGradGuard no_grad;
      network.module->train();
      std::vector<c10::optional<double>> momenta;
      for (auto* bn : norms) {
        momenta.push_back(bn->options.momentum());
        bn->options.momentum(c10::nullopt);  // a cumulative average
        bn->reset_running_stats();
      }
      BatchLoader loader(dataset.train, dataset.mean, dataset.std, batch_size, false, 0);
      Batch batch;
      while (loader.Next(&batch)) RunStages(network.stages, 0, frozen.stages, batch.images);
      for (size_t i = 0; i < norms.size(); ++i) norms[i]->options.momentum(momenta[i]);
    }
    // 2. The features, once.
    auto features = std::make_shared<Dataset>();
    {
      torch::NoGradGuard no_grad;
      network.module->eval();
      features->train = {Features(network, frozen.stages, dataset, dataset.train, batch_size),
                         dataset.train.labels};
      features->test = {Features(network, frozen.stages, dataset, dataset.test, batch_size),
                        dataset.test.labels};
      if (dataset.validation.size() > 0) {
        features->validation = {
            Features(network, frozen.stages, dataset, dataset.validation, batch_size),
            dataset.validation.labels};
      }
    }
    features->num_classes = dataset.num_classes;
    features->description = absl::StrCat(dataset.description, ", features after stage ",
                                         network.stages[frozen.stages - 1].name);
    frozen.features = features;
    // 3. The rest of the network.
    frozen.suffix = network;
    const std::vector<Stage> stages = network.stages;
    const int64_t from = frozen.stages;
    frozen.suffix.forward = [stages, from](const torch::Tensor& x) {
      return RunStages(stages, from, static_cast<int64_t>(stages.size()), x);
    };
    return frozen;
  });
}

}  // namespace rwn
