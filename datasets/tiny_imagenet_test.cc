// Tiny-ImageNet on a small release written here in the real layout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/files.h"
#include "core/testing.h"
#include "datasets/dataset.h"
#include "datasets/dataset.pb.h"
#include "datasets/jpeg.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

RgbImage Noise(int side, int seed) {
  std::mt19937 random(seed);
  RgbImage image{side, side, std::vector<uint8_t>(side * side * 3)};
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(random() % 256);
  return image;
}

RgbImage Flat(uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image{64, 64, {}};
  for (int i = 0; i < 64 * 64; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

class TinyImageNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    Write("wnids.txt", "n001\nn002\nn003\n");
    for (int c = 0; c < 3; ++c) {
      for (int i = 0; i < 2; ++i) {
        WriteJpeg("train/n00" + std::to_string(c + 1) + "/images/n00" + std::to_string(c + 1) +
                      "_" + std::to_string(i) + ".JPEG",
                  Noise(64, 10 * c + i));
      }
    }
    // Validation labels come from the annotations, in their order; the file
    // names say nothing about the class.
    WriteJpeg("val/images/val_0.JPEG", Flat(250, 10, 10));
    WriteJpeg("val/images/val_1.JPEG", Noise(64, 100));
    WriteJpeg("val/images/val_2.JPEG", Noise(64, 101));
    Write("val/val_annotations.txt",
          "val_0.JPEG\tn003\t0\t10\t60\t62\n"
          "val_1.JPEG\tn001\t5\t5\t40\t40\n"
          "val_2.JPEG\tn003\t1\t2\t3\t4\n");
  }

  void Write(const std::string& name, const std::string& content) {
    fs::create_directories((dir_ / name).parent_path());
    ASSERT_OK(WriteFileAtomically((dir_ / name).string(), content));
  }
  void WriteJpeg(const std::string& name, const RgbImage& image) {
    absl::StatusOr<std::string> jpeg = EncodeJpeg(image, 90);
    ASSERT_OK(jpeg);
    Write(name, *jpeg);
  }
  // What libjpeg-turbo decodes from the file, as C x H x W.
  torch::Tensor Decoded(const std::string& name) {
    RgbImage image = *DecodeJpeg(*ReadFile((dir_ / name).string()));
    return torch::from_blob(image.pixels.data(), {64, 64, 3}, torch::kUInt8)
        .permute({2, 0, 1})
        .clone();
  }

  absl::StatusOr<std::shared_ptr<const Dataset>> Load() {
    DatasetSpec spec;
    spec.mutable_tiny_imagenet()->set_dir(dir_.string());
    return DatasetRegistry::Global().CreateFromOneof(spec, DatasetContext{});
  }

  fs::path dir_;
};

TEST_F(TinyImageNetTest, ReadsTheReleaseLayoutWithExactPixelsAndLabels) {
  auto data = Load();
  ASSERT_OK(data);
  const Dataset& d = **data;
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{6, 3, 64, 64}));
  EXPECT_TRUE(torch::equal(d.train.labels, torch::tensor({0, 0, 1, 1, 2, 2})));
  EXPECT_TRUE(torch::equal(d.train.images[3], Decoded("train/n002/images/n002_1.JPEG")));
  EXPECT_TRUE(torch::equal(d.test.labels, torch::tensor({2, 0, 2})));
  EXPECT_TRUE(torch::equal(d.test.images[1], Decoded("val/images/val_1.JPEG")));
  // A red image is red in channel 0.
  EXPECT_NEAR(d.test.images[0][0].to(torch::kFloat).mean().item<double>(), 250, 2);
  EXPECT_NEAR(d.test.images[0][2].to(torch::kFloat).mean().item<double>(), 10, 2);
  EXPECT_EQ(d.augmentation.crop_padding, 4);
  EXPECT_TRUE(d.augmentation.flip);
  EXPECT_THAT(d.description, HasSubstr("6 train / 3 validation images, 3 classes"));
}

TEST_F(TinyImageNetTest, ReusesItsCacheAndRebuildsItWhenTheFilesChange) {
  ASSERT_OK(Load());
  std::vector<fs::path> caches;
  for (const auto& entry : fs::directory_iterator(dir_ / "rwn-cache"))
    caches.push_back(entry.path());
  ASSERT_EQ(caches.size(), 1u);
  EXPECT_EQ(fs::file_size(caches[0]), 8 + 16 + 9 * 3 * 64 * 64 + 9 * 8);
  // The cache is what the second load reads: overwrite a pixel there.
  {
    std::fstream cache(caches[0], std::ios::in | std::ios::out | std::ios::binary);
    cache.seekp(24);
    cache.put(static_cast<char>(7));
  }
  auto again = Load();
  ASSERT_OK(again);
  EXPECT_EQ((*again)->train.images[0][0][0][0].item<int>(), 7);
  // A new train image: a new cache; the stale one is gone.
  WriteJpeg("train/n003/images/n003_2.JPEG", Noise(64, 7));
  auto changed = Load();
  ASSERT_OK(changed);
  EXPECT_EQ((*changed)->train.size(), 7);
  EXPECT_NE((*changed)->train.images[0][0][0][0].item<int>(), 7);
  EXPECT_FALSE(fs::exists(caches[0]));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "rwn-cache"), fs::directory_iterator()), 1);
}

TEST_F(TinyImageNetTest, BadFilesAreNamed) {
  const std::string image = (dir_ / "train/n002/images/n002_0.JPEG").string();
  const std::string good = *ReadFile(image);
  Write("train/n002/images/n002_0.JPEG", "this is no jpeg");
  EXPECT_THAT(std::string(Load().status().message()),
              ::testing::AllOf(HasSubstr(image), HasSubstr("not a JPEG")));
  Write("train/n002/images/n002_0.JPEG", good.substr(0, good.size() / 2));
  EXPECT_THAT(std::string(Load().status().message()),
              ::testing::AllOf(HasSubstr(image), HasSubstr("cannot decode the JPEG")));
  WriteJpeg("train/n002/images/n002_0.JPEG", Noise(32, 1));
  EXPECT_EQ(Load().status().message(), "tiny_imagenet: " + image + ": 32x32 image; expected 64x64");
  WriteJpeg("train/n002/images/n002_0.JPEG", Noise(64, 1));
  ASSERT_OK(Load());

  Write("val/val_annotations.txt",
        "val_0.JPEG\tn003\t0\t10\t60\t62\nval_1.JPEG\tn999\t5\t5\t40\t40\n");
  EXPECT_EQ(Load().status().message(),
            "tiny_imagenet: " + (dir_ / "val/val_annotations.txt").string() +
                ":2: class 'n999' is not in wnids.txt");
  fs::remove(dir_ / "wnids.txt");
  auto missing = Load();
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("wnids.txt: missing"));
}

// Found by fuzz/jpeg_fuzzer: 25 bytes whose header declares 64520x65323
// pixels made DecodeJpeg allocate 12.6 GB before decoding. It is refused
// first, by size, as is any JPEG declaring more pixels than it can hold.
TEST(JpegTest, AHeaderDeclaringMorePixelsThanTheFileHoldsIsRefused) {
  const std::string tiny_but_huge(
      "\xff\xd8\xff\xc0\x00\x0b\x08\xff\x2b\xfc\x08\x01\x01\x11\x00\xff"
      "\xda\x00\x08\x01\x01\x56\x00\x74\xfd",
      25);
  absl::StatusOr<RgbImage> image = DecodeJpeg(tiny_but_huge);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(image.status().message()),
              ::testing::HasSubstr("a JPEG of 25 bytes that declares 64520x65323 pixels"));
  // A real JPEG of the same size class still decodes.
  RgbImage flat{64, 64, std::vector<uint8_t>(64 * 64 * 3, 200)};
  absl::StatusOr<std::string> jpeg = EncodeJpeg(flat, 90);
  ASSERT_TRUE(jpeg.ok());
  absl::StatusOr<RgbImage> decoded = DecodeJpeg(*jpeg);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->width, 64);
}

}  // namespace
}  // namespace rwn
