#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/testing.h"
#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"

namespace rwn {
namespace {

using ::testing::HasSubstr;

std::string BigEndian(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
}

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, content.data(), content.size()), static_cast<int>(content.size()));
  gzclose(file);
}

std::string Images(uint32_t count, uint32_t magic = 0x803, int64_t drop = 0) {
  std::string data = BigEndian(magic) + BigEndian(count) + BigEndian(28) + BigEndian(28);
  for (uint32_t i = 0; i < count * 28 * 28; ++i) data += static_cast<char>((i * 7 + i / 784) % 256);
  return data.substr(0, data.size() - drop);
}

std::string Labels(const std::vector<int>& labels) {
  std::string data = BigEndian(0x801) + BigEndian(labels.size());
  for (int label : labels) data += static_cast<char>(label);
  return data;
}

class FashionMnistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    WriteGzip(dir_ + "/train-images-idx3-ubyte.gz", Images(3));
    WriteGzip(dir_ + "/train-labels-idx1-ubyte.gz", Labels({9, 0, 4}));
    WriteGzip(dir_ + "/t10k-images-idx3-ubyte.gz", Images(2));
    WriteGzip(dir_ + "/t10k-labels-idx1-ubyte.gz", Labels({1, 2}));
  }

  absl::StatusOr<std::shared_ptr<const Dataset>> Load(int train_subset = 0) {
    DatasetSpec spec;
    spec.mutable_fashion_mnist()->set_dir(dir_);
    spec.mutable_fashion_mnist()->set_train_subset(train_subset);
    return DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{});
  }

  std::string dir_;
};

TEST_F(FashionMnistTest, ReadsExactPixelsAndLabels) {
  auto dataset = Load();
  ASSERT_OK(dataset);
  const Dataset& d = **dataset;
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{3, 1, 28, 28}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{2, 1, 28, 28}));
  EXPECT_TRUE(torch::equal(d.train.labels, torch::tensor({9, 0, 4}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(d.test.labels, torch::tensor({1, 2}, torch::kInt64)));
  // Pixel i of the file is (i * 7 + i / 784) % 256: image 1, row 2, column 5.
  const int64_t i = 784 + 2 * 28 + 5;
  EXPECT_EQ(d.train.images[1][0][2][5].item<int>(), (i * 7 + i / 784) % 256);
  EXPECT_EQ(d.test.images[0][0][0][1].item<int>(), 7);
  EXPECT_EQ(d.channels(), 1);
  ASSERT_EQ(d.mean.size(), 1u);
  EXPECT_NEAR(d.mean[0], d.train.images.to(torch::kFloat64).mean().item<double>() / 255, 1e-12);
}

TEST_F(FashionMnistTest, TrainSubsetKeepsTheFirstImages) {
  auto dataset = Load(/*train_subset=*/2);
  ASSERT_OK(dataset);
  EXPECT_TRUE(torch::equal((*dataset)->train.labels, torch::tensor({9, 0}, torch::kInt64)));
}

TEST_F(FashionMnistTest, MissingFileNamesThePath) {
  std::remove((dir_ + "/t10k-labels-idx1-ubyte.gz").c_str());
  auto dataset = Load();
  ASSERT_EQ(dataset.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(dataset.status().message()),
              HasSubstr(dir_ + "/t10k-labels-idx1-ubyte.gz: cannot open"));
}

TEST_F(FashionMnistTest, WrongMagicIsNamed) {
  WriteGzip(dir_ + "/train-images-idx3-ubyte.gz", Images(3, /*magic=*/0x801));
  auto dataset = Load();
  ASSERT_EQ(dataset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(dataset.status().message()),
      HasSubstr("train-images-idx3-ubyte.gz: magic number 0x00000801; expected 0x00000803"));
}

TEST_F(FashionMnistTest, TruncatedImagesAreNamed) {
  WriteGzip(dir_ + "/train-images-idx3-ubyte.gz", Images(3, 0x803, /*drop=*/10));
  auto dataset = Load();
  EXPECT_THAT(std::string(dataset.status().message()),
              HasSubstr("train-images-idx3-ubyte.gz: 2342 bytes of pixels; expected 3 images"));
}

TEST_F(FashionMnistTest, LabelOutOfRangeAndCountMismatch) {
  WriteGzip(dir_ + "/train-labels-idx1-ubyte.gz", Labels({9, 10, 4}));
  EXPECT_THAT(std::string(Load().status().message()),
              HasSubstr("train-labels-idx1-ubyte.gz: label 10 at index 1; allowed: 0 to 9"));
  WriteGzip(dir_ + "/train-labels-idx1-ubyte.gz", Labels({9, 1}));
  EXPECT_THAT(std::string(Load().status().message()),
              HasSubstr("train-labels-idx1-ubyte.gz: 2 labels; expected 3"));
}

TEST_F(FashionMnistTest, NotGzipIsNamed) {
  // Raw bytes that are not gzip: zlib reads them as-is, so the header check
  // catches them; a corrupt gzip stream is reported by zlib.
  std::ofstream(dir_ + "/t10k-images-idx3-ubyte.gz") << "\x1f\x8b\x08\x00garbage-not-deflate";
  auto dataset = Load();
  ASSERT_FALSE(dataset.ok());
  EXPECT_THAT(std::string(dataset.status().message()), HasSubstr("t10k-images-idx3-ubyte.gz"));
}

// setup.sh installs Debian's dataset-fashion-mnist: the real files must be
// there and whole.
TEST(FashionMnistDebianTest, TheInstalledDatasetIsComplete) {
  DatasetSpec spec;
  spec.mutable_fashion_mnist();
  auto dataset = DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{});
  ASSERT_OK(dataset);
  EXPECT_EQ((*dataset)->train.size(), 60000);
  EXPECT_EQ((*dataset)->test.size(), 10000);
  torch::Tensor per_label = torch::bincount((*dataset)->train.labels);
  EXPECT_TRUE(torch::equal(per_label, torch::full({10}, 6000, torch::kInt64)));
}

}  // namespace
}  // namespace rwn
