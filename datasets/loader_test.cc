// BatchLoader and the synthetic dataset.
#include "datasets/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "core/testing.h"
#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"
#include "datasets/prefetcher.h"

namespace rwn {
namespace {

std::shared_ptr<const Dataset> Synthetic(int train_size) {
  DatasetSpec spec;
  spec.mutable_synthetic()->set_train_size(train_size);
  auto dataset = DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{});
  EXPECT_OK(dataset);
  return *dataset;
}

TEST(SyntheticTest, SeededAndShaped) {
  auto a = Synthetic(100), b = Synthetic(100);
  EXPECT_EQ(a->train.images.sizes(), (std::vector<int64_t>{100, 1, 8, 8}));
  EXPECT_EQ(a->test.size(), 256);
  EXPECT_TRUE(torch::equal(a->train.images, b->train.images));
  EXPECT_TRUE(torch::equal(a->test.labels, b->test.labels));
  EXPECT_EQ(a->num_classes, 4);
  EXPECT_GE(a->train.labels.min().item<int64_t>(), 0);
  EXPECT_LE(a->train.labels.max().item<int64_t>(), 3);
}

TEST(SyntheticTest, BadOptionsAreNamed) {
  DatasetSpec spec;
  spec.mutable_synthetic()->set_num_classes(1);
  auto dataset = DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{});
  EXPECT_EQ(dataset.status().message(), "synthetic: num_classes = 1; allowed: >= 2");
}

TEST(BatchLoaderTest, VisitsEveryImageOncePerEpochInASeededOrder) {
  auto dataset = Synthetic(10);
  BatchLoader loader(dataset->train, dataset->mean, dataset->std, /*batch_size=*/4,
                     /*shuffle=*/true, /*seed=*/3);
  EXPECT_EQ(loader.num_batches(), 3);
  auto epoch_labels = [&](int64_t epoch) {
    loader.Reset(epoch);
    std::vector<torch::Tensor> parts;
    Batch batch;
    while (loader.Next(&batch)) parts.push_back(batch.labels);
    EXPECT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts.back().size(0), 2);
    return torch::cat(parts);
  };
  torch::Tensor first = epoch_labels(0);
  EXPECT_TRUE(torch::equal(std::get<0>(first.sort()), std::get<0>(dataset->train.labels.sort())));
  EXPECT_TRUE(torch::equal(first, epoch_labels(0)));  // same (seed, epoch), same order

  // Another loader with the same seed agrees; another seed or epoch differs.
  BatchLoader same(dataset->train, dataset->mean, dataset->std, 10, true, 3);
  BatchLoader other(dataset->train, dataset->mean, dataset->std, 10, true, 4);
  Batch a, b;
  ASSERT_TRUE(same.Next(&a));
  ASSERT_TRUE(other.Next(&b));
  EXPECT_TRUE(torch::equal(a.labels, first));
  EXPECT_FALSE(torch::equal(a.images, b.images));
  same.Reset(1);
  ASSERT_TRUE(same.Next(&b));
  EXPECT_FALSE(torch::equal(a.images, b.images));
}

// DistributedSampler semantics: shard i of n takes positions i, i + n, ...
// of the epoch's order, padded by wrapping around.
TEST(BatchLoaderTest, ShardsSplitEachEpochsOrderBetweenRanks) {
  Split split{torch::zeros({7, 1, 2, 2}, torch::kUInt8), torch::arange(7, torch::kInt64)};
  auto labels = [&](BatchLoader& loader, int64_t epoch) {
    loader.Reset(epoch);
    std::vector<torch::Tensor> parts;
    Batch batch;
    while (loader.Next(&batch)) parts.push_back(batch.labels);
    return torch::cat(parts);
  };
  BatchLoader whole(split, {0.0}, {1.0}, 3, /*shuffle=*/true, /*seed=*/3);
  for (int64_t epoch : {0, 1}) {
    const torch::Tensor order = labels(whole, epoch);
    const torch::Tensor padded = torch::cat({order, order.narrow(0, 0, 1)});
    for (int64_t rank : {0, 1}) {
      BatchLoader shard(split, {0.0}, {1.0}, 3, true, 3);
      shard.Shard(rank, 2);
      EXPECT_EQ(shard.epoch_size(), 4);
      EXPECT_EQ(shard.num_batches(), 2);
      EXPECT_TRUE(torch::equal(labels(shard, epoch), padded.slice(0, rank, 8, 2)))
          << "epoch " << epoch << " rank " << rank;
    }
  }
  // Unshuffled: index order, dealt out the same way.
  BatchLoader ordered(split, {0.0}, {1.0}, 8, /*shuffle=*/false, 0);
  ordered.Shard(1, 3);
  EXPECT_TRUE(torch::equal(labels(ordered, 0), torch::tensor({1, 4, 0}, torch::kInt64)));
}

TEST(BatchLoaderTest, NormalizesWithTheTrainStatistics) {
  auto dataset = Synthetic(64);
  BatchLoader loader(dataset->train, dataset->mean, dataset->std, 64, /*shuffle=*/false, 1);
  Batch batch;
  ASSERT_TRUE(loader.Next(&batch));
  EXPECT_EQ(batch.images.scalar_type(), torch::kFloat32);
  EXPECT_NEAR(batch.images.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(batch.images.std().item<double>(), 1.0, 1e-2);
  // Unshuffled order is index order.
  EXPECT_TRUE(torch::equal(batch.labels, dataset->train.labels));
  EXPECT_FALSE(loader.Next(&batch));
}

TEST(BatchLoaderTest, AugmentationCropsAndFlipsPerImageDeterministically) {
  // One 1x4x4 image with pixels 1..16, repeated.
  Split split;
  split.images = torch::arange(1, 17, torch::kUInt8).view({1, 1, 4, 4}).repeat({64, 1, 1, 1});
  split.labels = torch::zeros({64}, torch::kInt64);
  auto raw = [](const Batch& b) { return b.images.mul(255).round().to(torch::kInt64); };
  BatchLoader plain(split, {0.0}, {1.0}, 64, false, 1, Augmentation{0, false});
  Batch batch;
  ASSERT_TRUE(plain.Next(&batch));
  EXPECT_TRUE(torch::equal(raw(batch)[5][0], torch::arange(1, 17).view({4, 4})));

  BatchLoader flips(split, {0.0}, {1.0}, 64, false, 1, Augmentation{0, true});
  ASSERT_TRUE(flips.Next(&batch));
  const torch::Tensor image = torch::arange(1, 17).view({4, 4});
  int flipped = 0;
  for (int i = 0; i < 64; ++i) {
    const torch::Tensor got = raw(batch)[i][0];
    const bool is_flipped = torch::equal(got, image.flip({1}));
    EXPECT_TRUE(is_flipped || torch::equal(got, image)) << i;
    flipped += is_flipped;
  }
  EXPECT_GT(flipped, 10);
  EXPECT_LT(flipped, 54);

  BatchLoader crops(split, {0.0}, {1.0}, 64, false, 1, Augmentation{1, false});
  ASSERT_TRUE(crops.Next(&batch));
  const torch::Tensor padded = torch::constant_pad_nd(image, {1, 1, 1, 1}, 0);
  std::set<std::pair<int, int>> offsets;
  for (int i = 0; i < 64; ++i) {
    const torch::Tensor got = raw(batch)[i][0];
    bool matched = false;
    for (int dy = 0; dy <= 2 && !matched; ++dy) {
      for (int dx = 0; dx <= 2 && !matched; ++dx) {
        if (torch::equal(got, padded.narrow(0, dy, 4).narrow(1, dx, 4))) {
          matched = true;
          offsets.insert({dy, dx});
        }
      }
    }
    EXPECT_TRUE(matched) << "image " << i << " is not a 4x4 window of the padded image";
  }
  EXPECT_GE(offsets.size(), 6u);  // 64 draws over 9 offsets

  // The same (seed, epoch) gives the same augmented batch; another epoch differs.
  BatchLoader again(split, {0.0}, {1.0}, 64, false, 1, Augmentation{1, true});
  Batch a, b;
  again.Next(&a);
  again.Reset(0);
  again.Next(&b);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  again.Reset(1);
  again.Next(&b);
  EXPECT_FALSE(torch::equal(a.images, b.images));
}

TEST(PrefetcherTest, GivesTheLoadersBatchesInOrder) {
  auto data = Synthetic(300);
  Augmentation augmentation{2, true};
  BatchLoader direct(data->train, data->mean, data->std, 64, true, 5, augmentation);
  BatchLoader behind(data->train, data->mean, data->std, 64, true, 5, augmentation);
  Prefetcher prefetcher(&behind, 2);
  for (int64_t epoch : {0, 1, 1}) {  // a restarted epoch starts over
    direct.Reset(epoch);
    prefetcher.Start(epoch);
    Batch want, got;
    int batches = 0;
    while (direct.Next(&want)) {
      ASSERT_TRUE(prefetcher.Next(&got));
      EXPECT_TRUE(torch::equal(want.images, got.images));
      EXPECT_TRUE(torch::equal(want.labels, got.labels));
      ++batches;
    }
    EXPECT_FALSE(prefetcher.Next(&got));
    EXPECT_EQ(batches, 5);
  }
  // Abandoning an epoch half-way is fine.
  prefetcher.Start(2);
  Batch batch;
  EXPECT_TRUE(prefetcher.Next(&batch));
}

TEST(PrefetcherTest, PinsBatchesForAGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA GPU; this machine has none";
  auto data = Synthetic(300);
  BatchLoader direct(data->train, data->mean, data->std, 64, true, 5);
  BatchLoader behind(data->train, data->mean, data->std, 64, true, 5);
  Prefetcher prefetcher(&behind, 2, /*pin_memory=*/true);
  direct.Reset(0);
  prefetcher.Start(0);
  Batch want, got;
  while (direct.Next(&want)) {
    ASSERT_TRUE(prefetcher.Next(&got));
    EXPECT_TRUE(got.images.is_pinned());
    EXPECT_TRUE(torch::equal(want.images, got.images));
  }
}

TEST(PrefetcherTest, RethrowsTheLoadersError) {
  Split broken{torch::zeros({10, 1, 4, 4}, torch::kUInt8), torch::zeros({10}, torch::kInt64)};
  // Three channel statistics for one-channel images: normalizing throws.
  BatchLoader loader(broken, {0, 0, 0}, {1, 1, 1}, 4, false, 1);
  Prefetcher prefetcher(&loader);
  prefetcher.Start(0);
  Batch batch;
  EXPECT_THROW(prefetcher.Next(&batch), c10::Error);
}

TEST(ValidationTest, HoldsOutASeededDisjointPart) {
  auto data = Synthetic(200);
  auto held = HoldOutValidation(*data, 50, 9);
  ASSERT_OK(held);
  EXPECT_EQ((*held)->validation.size(), 50);
  EXPECT_EQ((*held)->train.size(), 150);
  EXPECT_EQ((*held)->test.size(), data->test.size());
  // Every original image lands in exactly one part: compare sums of images.
  EXPECT_EQ((*held)->train.images.sum().item<int64_t>() +
                (*held)->validation.images.sum().item<int64_t>(),
            data->train.images.sum().item<int64_t>());
  // Same seed, same split; another seed, another split.
  auto again = HoldOutValidation(*data, 50, 9);
  auto other = HoldOutValidation(*data, 50, 10);
  EXPECT_TRUE(torch::equal((*again)->validation.images, (*held)->validation.images));
  EXPECT_FALSE(torch::equal((*other)->validation.images, (*held)->validation.images));
  // Mean and std are the remaining train images'.
  const double mean = (*held)->train.images.to(torch::kFloat64).mean().item<double>() / 255;
  EXPECT_NEAR((*held)->mean[0], mean, 1e-12);
  EXPECT_EQ(HoldOutValidation(*data, 200, 9).status().message(),
            "validation_size = 200; allowed: 1 to 199 (the train split has 200 images)");
}

}  // namespace
}  // namespace rwn
