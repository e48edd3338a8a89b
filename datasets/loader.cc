#include "datasets/loader.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace rwn {

namespace {

// splitmix64 of (seed, epoch, stream): independent streams per purpose.
uint64_t Mix(uint64_t seed, int64_t epoch, uint64_t stream) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) * 0xD1B54A32D192ED03ull +
               stream + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Random crops (after zero padding) and flips of a uint8 batch, per image.
torch::Tensor Augment(const torch::Tensor& images, const Augmentation& augmentation,
                      at::Generator& generator) {
  torch::Tensor out = images;
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
  if (augmentation.crop_padding > 0) {
    const int64_t p = augmentation.crop_padding;
    torch::Tensor padded = torch::constant_pad_nd(images, {p, p, p, p}, 0);
    torch::Tensor dy = torch::randint(2 * p + 1, {n}, generator, torch::kInt64);
    torch::Tensor dx = torch::randint(2 * p + 1, {n}, generator, torch::kInt64);
    torch::Tensor rows = (dy.view({n, 1}) + torch::arange(h).view({1, h}));  // n x h
    torch::Tensor cols = (dx.view({n, 1}) + torch::arange(w).view({1, w}));  // n x w
    const int64_t c = images.size(1);
    padded = padded.gather(2, rows.view({n, 1, h, 1}).expand({n, c, h, w + 2 * p}));
    out = padded.gather(3, cols.view({n, 1, 1, w}).expand({n, c, h, w}));
  }
  if (augmentation.flip) {
    torch::Tensor flip = torch::rand({n}, generator).lt(0.5).view({n, 1, 1, 1});
    out = torch::where(flip, out.flip({3}), out);
  }
  return out;
}

}  // namespace

BatchLoader::BatchLoader(const Split& split, std::vector<double> mean, std::vector<double> std,
                         int64_t batch_size, bool shuffle, uint64_t seed, Augmentation augmentation)
    : split_(split),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      augmentation_(augmentation) {
  const int64_t channels = static_cast<int64_t>(mean.size());
  mean_ = torch::tensor(mean, torch::kFloat32).view({1, channels, 1, 1});
  std_ = torch::tensor(std, torch::kFloat32).view({1, channels, 1, 1});
  Reset(0);
}

void BatchLoader::Reset(int64_t epoch) {
  position_ = 0;
  augment_generator_ = std::make_shared<at::Generator>(
      at::make_generator<at::CPUGeneratorImpl>(Mix(seed_, epoch, /*stream=*/1)));
  if (shuffle_) {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(Mix(seed_, epoch, 0));
    order_ = torch::randperm(size(), generator, torch::kInt64);
  } else {
    order_ = shards_ > 1 ? torch::arange(size(), torch::kInt64) : torch::Tensor();
  }
  if (shards_ > 1) {
    const int64_t padded = epoch_size() * shards_;
    torch::Tensor order = order_;
    while (order.size(0) < padded) {
      order = torch::cat({order, order_.narrow(0, 0, std::min(size(), padded - order.size(0)))});
    }
    order_ = order.slice(0, shard_, padded, shards_).contiguous();
  }
}

void BatchLoader::Shard(int64_t index, int64_t count) {
  shard_ = index;
  shards_ = std::max<int64_t>(1, count);
}

bool BatchLoader::Next(Batch* batch) {
  if (position_ >= epoch_size()) return false;
  const int64_t count = std::min(batch_size_, epoch_size() - position_);
  torch::Tensor images, labels;
  if (order_.defined()) {
    torch::Tensor index = order_.narrow(0, position_, count);
    images = split_.images.index_select(0, index);
    labels = split_.labels.index_select(0, index);
  } else {
    images = split_.images.narrow(0, position_, count);
    labels = split_.labels.narrow(0, position_, count);
  }
  position_ += count;
  if (augmentation_.crop_padding > 0 || augmentation_.flip) {
    images = Augment(images, augmentation_, *static_cast<at::Generator*>(augment_generator_.get()));
  }
  // uint8 images are normalized; float inputs (cached features,
  // train/frozen_prefix.h) are taken as they are.
  batch->images = images.scalar_type() == torch::kUInt8
                      ? images.to(torch::kFloat32).div_(255.0).sub_(mean_).div_(std_)
                      : images;
  batch->labels = labels.contiguous();
  return true;
}

}  // namespace rwn
