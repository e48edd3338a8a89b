// Dataset: a whole dataset in memory as uint8 tensors, and the dataset
// registry. Batches are made from it by BatchLoader (datasets/loader.h).
#ifndef RWN_DATASETS_DATASET_H_
#define RWN_DATASETS_DATASET_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/registry.h"

namespace rwn {

struct Split {
  at::Tensor images;  // uint8, N x C x H x W
  at::Tensor labels;  // int64, N, in [0, num_classes)
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

// Training-time augmentation, applied to whole batches as tensor operations.
struct Augmentation {
  int64_t crop_padding = 0;  // > 0: zero-pad by this, then crop back at a random offset
  bool flip = false;         // horizontal flip with probability 1/2
};

struct Dataset {
  std::string description;  // e.g. "Fashion-MNIST (20000 of 60000 train images)"
  Split train;
  Split test;
  Split validation;  // held out of train by HoldOutValidation; empty otherwise
  int64_t num_classes = 0;
  // Per-channel mean and std of the train images scaled to [0, 1]; batches
  // are normalized with them.
  std::vector<double> mean;
  std::vector<double> std;
  // The dataset's default training augmentation (none for Fashion-MNIST and
  // synthetic data; crop with padding 4 and flip for CIFAR).
  Augmentation augmentation;

  int64_t channels() const { return train.images.size(1); }
  int64_t height() const { return train.images.size(2); }
  int64_t width() const { return train.images.size(3); }
};

struct DatasetContext {
  uint64_t seed = 1;  // the run's seed, for seeded subsets and splits
};

using DatasetRegistry = Registry<std::shared_ptr<const Dataset>, DatasetContext>;

// Checks that both splits are consistent (uint8 NCHW images, int64 labels in
// range, same image shape) and fills mean and std from the train split.
absl::Status FinishDataset(Dataset* dataset);

// A copy of `dataset` with `count` train images, drawn with `seed`, moved
// to a validation split; mean and std are recomputed on the remaining train
// images. count must be in [1, train size - 1].
absl::StatusOr<std::shared_ptr<const Dataset>> HoldOutValidation(const Dataset& dataset,
                                                                 int64_t count, uint64_t seed);

}  // namespace rwn

#endif  // RWN_DATASETS_DATASET_H_
