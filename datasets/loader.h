// BatchLoader: batches of one split as float tensors, normalized per channel
// (uint8 images; float inputs such as cached features pass unchanged),
// in a seeded order that is reshuffled each epoch (or kept, for evaluation),
// optionally augmented (random crop with zero padding, horizontal flip) with
// draws that depend only on (seed, epoch).
#ifndef RWN_DATASETS_LOADER_H_
#define RWN_DATASETS_LOADER_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "datasets/dataset.h"

namespace rwn {

struct Batch {
  at::Tensor images;  // float32, B x C x H x W, normalized
  at::Tensor labels;  // int64, B
};

class BatchLoader {
 public:
  // `split` must outlive the loader. With `shuffle`, epoch e visits the images
  // in an order drawn from (seed, e) alone; otherwise in index order.
  BatchLoader(const Split& split, std::vector<double> mean, std::vector<double> std,
              int64_t batch_size, bool shuffle, uint64_t seed,
              Augmentation augmentation = Augmentation());

  int64_t size() const { return split_.size(); }
  int64_t batch_size() const { return batch_size_; }
  // Images this loader visits per epoch: size(), or its shard's share.
  int64_t epoch_size() const { return (size() + shards_ - 1) / shards_; }
  // Batches per epoch; the last one may be smaller.
  int64_t num_batches() const { return (epoch_size() + batch_size_ - 1) / batch_size_; }

  // Visits only shard `index` of `count` of every epoch's order, as PyTorch's
  // DistributedSampler does: the order is padded by wrapping around to a
  // multiple of `count`, and shard i takes positions i, i + count, ... So
  // the shards of one epoch are disjoint (but for the padding) and together
  // are the whole epoch. Takes effect from the next Reset.
  void Shard(int64_t index, int64_t count);

  // Starts `epoch` (0-based).
  void Reset(int64_t epoch);
  // The next batch of the epoch, or false at its end.
  bool Next(Batch* batch);

 private:
  const Split& split_;
  at::Tensor mean_, std_;  // 1 x C x 1 x 1
  int64_t batch_size_;
  bool shuffle_;
  uint64_t seed_;
  Augmentation augmentation_;
  at::Tensor order_;
  int64_t position_ = 0;
  int64_t shard_ = 0, shards_ = 1;
  std::shared_ptr<void> augment_generator_;  // at::Generator, reseeded per epoch
};

}  // namespace rwn

#endif  // RWN_DATASETS_LOADER_H_
