#include "datasets/loader.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace rwn {

BatchLoader::BatchLoader(const Split& split, std::vector<double> mean, std::vector<double> std,
                         int64_t batch_size, bool shuffle, uint64_t seed)
    : split_(split), batch_size_(batch_size), shuffle_(shuffle), seed_(seed) {
  const int64_t channels = static_cast<int64_t>(mean.size());
  mean_ = torch::tensor(mean, torch::kFloat32).view({1, channels, 1, 1});
  std_ = torch::tensor(std, torch::kFloat32).view({1, channels, 1, 1});
  Reset(0);
}

void BatchLoader::Reset(int64_t epoch) {
  position_ = 0;
  if (!shuffle_) {
    order_ = torch::Tensor();
    return;
  }
  // splitmix64 of (seed, epoch): every epoch's order depends on nothing else.
  uint64_t z = seed_ * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(z);
  order_ = torch::randperm(size(), generator, torch::kInt64);
}

bool BatchLoader::Next(Batch* batch) {
  if (position_ >= size()) return false;
  const int64_t count = std::min(batch_size_, size() - position_);
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
  batch->images = images.to(torch::kFloat32).div_(255.0).sub_(mean_).div_(std_);
  batch->labels = labels.contiguous();
  return true;
}

}  // namespace rwn
