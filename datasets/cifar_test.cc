// CIFAR-10 and CIFAR-100 readers on small files in the real binary format.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>

#include "core/testing.h"
#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

// A record: label bytes, then pixel p of channel c = (c * 50 + p + seed) % 256.
std::string Record(std::vector<int> labels, int seed) {
  std::string out;
  for (int label : labels) out += static_cast<char>(label);
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < 1024; ++p) out += static_cast<char>((c * 50 + p + seed) % 256);
  }
  return out;
}

std::string Dir(const std::string& name) { return TestDir(name); }

void Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

absl::StatusOr<std::shared_ptr<const Dataset>> Load(const std::string& text_field,
                                                    const std::string& dir, bool coarse = false) {
  DatasetSpec spec;
  if (text_field == "cifar10") {
    spec.mutable_cifar10()->set_dir(dir);
  } else {
    spec.mutable_cifar100()->set_dir(dir);
    if (coarse) spec.mutable_cifar100()->set_labels(Cifar100Spec::COARSE);
  }
  return DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{});
}

TEST(Cifar10Test, ReadsExactPixelsAndLabelsFromEveryBatch) {
  const std::string dir = Dir("c10");
  for (int i = 1; i <= 5; ++i) {
    Write(dir + "/data_batch_" + std::to_string(i) + ".bin", Record({i}, i) + Record({9}, 10 + i));
  }
  Write(dir + "/test_batch.bin", Record({3}, 0));
  auto dataset = Load("cifar10", dir);
  ASSERT_OK(dataset);
  const Dataset& d = **dataset;
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{10, 3, 32, 32}));
  EXPECT_TRUE(
      torch::equal(d.train.labels, torch::tensor({1, 9, 2, 9, 3, 9, 4, 9, 5, 9}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(d.test.labels, torch::tensor({3}, torch::kInt64)));
  // Record 2 (batch 2, seed 2): green channel, row 3, column 7 = pixel 103.
  EXPECT_EQ(d.train.images[2][1][3][7].item<int>(), (50 + 103 + 2) % 256);
  EXPECT_EQ(d.test.images[0][2][31][31].item<int>(), (100 + 1023) % 256);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.mean.size(), 3u);
  EXPECT_EQ(d.augmentation.crop_padding, 4);
  EXPECT_TRUE(d.augmentation.flip);
}

TEST(Cifar10Test, BadFilesAreNamed) {
  const std::string dir = Dir("c10bad");
  for (int i = 1; i <= 5; ++i)
    Write(dir + "/data_batch_" + std::to_string(i) + ".bin", Record({1}, 0));
  // Missing test file.
  EXPECT_THAT(std::string(Load("cifar10", dir).status().message()),
              HasSubstr(dir + "/test_batch.bin: cannot open"));
  // Truncated.
  Write(dir + "/test_batch.bin", Record({1}, 0).substr(0, 3000));
  EXPECT_THAT(
      std::string(Load("cifar10", dir).status().message()),
      HasSubstr("test_batch.bin: 3000 bytes; expected a whole number of 3073-byte records"));
  // Label out of range.
  Write(dir + "/test_batch.bin", Record({1}, 0) + Record({12}, 0));
  EXPECT_THAT(std::string(Load("cifar10", dir).status().message()),
              HasSubstr("test_batch.bin: label 12 in record 1; allowed: 0 to 9"));
  DatasetSpec unset;
  unset.mutable_cifar10();
  EXPECT_THAT(std::string(DatasetRegistry::Global().CreateFromOneof(unset, {}).status().message()),
              HasSubstr("cifar10: dir is not set"));
}

TEST(Cifar100Test, FineLabelsByDefaultCoarseOnRequest) {
  const std::string dir = Dir("c100");
  Write(dir + "/train.bin", Record({4, 87}, 1) + Record({19, 99}, 2));
  Write(dir + "/test.bin", Record({0, 5}, 3));
  auto fine = Load("cifar100", dir);
  ASSERT_OK(fine);
  EXPECT_TRUE(torch::equal((*fine)->train.labels, torch::tensor({87, 99}, torch::kInt64)));
  EXPECT_EQ((*fine)->num_classes, 100);
  EXPECT_EQ((*fine)->train.images[1][0][0][5].item<int>(), (5 + 2) % 256);
  auto coarse = Load("cifar100", dir, /*coarse=*/true);
  ASSERT_OK(coarse);
  EXPECT_TRUE(torch::equal((*coarse)->train.labels, torch::tensor({4, 19}, torch::kInt64)));
  EXPECT_EQ((*coarse)->num_classes, 20);
  // A CIFAR-10 file (1 label byte) is not a CIFAR-100 file.
  Write(dir + "/test.bin", Record({3}, 0));
  EXPECT_THAT(std::string(Load("cifar100", dir).status().message()),
              HasSubstr("test.bin: 3073 bytes; expected a whole number of 3074-byte records"));
}

}  // namespace
}  // namespace rwn
