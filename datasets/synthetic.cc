// Dataset `synthetic`: small, seeded, learnable images for tests and smoke
// runs. Each class has a random prototype image (uniform pixels); a sample is
// its class prototype plus Gaussian noise, clipped to 0..255. With the
// defaults a tiny network separates the classes in a few seconds.
//
// Example spec:
//   dataset { synthetic { num_classes: 4 size: 8 noise: 60 } }
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/dataset.h"
#include "datasets/synthetic.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

Split MakeSplit(const torch::Tensor& prototypes, int64_t count, double noise,
                at::Generator& generator) {
  const int64_t classes = prototypes.size(0);
  Split split;
  split.labels = torch::randint(classes, {count}, generator, torch::kInt64);
  torch::Tensor images = prototypes.index_select(0, split.labels);
  images = images + noise * torch::randn(images.sizes(), generator, torch::kFloat32);
  split.images = images.clamp(0, 255).round().to(torch::kUInt8);
  return split;
}

absl::StatusOr<std::shared_ptr<const Dataset>> CreateSynthetic(const SyntheticSpec& spec,
                                                               const DatasetContext&) {
  if (spec.num_classes() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_classes = ", spec.num_classes(), "; allowed: >= 2"));
  }
  if (spec.train_size() < 1 || spec.test_size() < 1 || spec.channels() < 1 || spec.size() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "train_size = ", spec.train_size(), ", test_size = ", spec.test_size(),
        ", channels = ", spec.channels(), ", size = ", spec.size(), "; allowed: each >= 1"));
  }
  if (!(spec.noise() >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat("noise = ", spec.noise(), "; allowed: >= 0"));
  }
  return GuardTorch("synthetic", [&]() -> absl::StatusOr<std::shared_ptr<const Dataset>> {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(spec.seed());
    torch::Tensor prototypes =
        torch::rand({spec.num_classes(), spec.channels(), spec.size(), spec.size()}, generator) *
        255.0;
    auto dataset = std::make_shared<Dataset>();
    dataset->num_classes = spec.num_classes();
    dataset->train = MakeSplit(prototypes, spec.train_size(), spec.noise(), generator);
    dataset->test = MakeSplit(prototypes, spec.test_size(), spec.noise(), generator);
    dataset->description = absl::StrCat("synthetic (", spec.num_classes(), " classes, ",
                                        spec.channels(), "x", spec.size(), "x", spec.size(), ")");
    RETURN_IF_ERROR(FinishDataset(dataset.get()));
    return std::shared_ptr<const Dataset>(dataset);
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(DatasetRegistry, synthetic, SyntheticSpec, CreateSynthetic);

}  // namespace rwn
