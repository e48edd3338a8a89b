#include "export/safetensors.h"

#include <gtest/gtest.h>

#include <string>

#include "core/files.h"
#include "core/testing.h"

namespace rwn {
namespace {

std::string Floats(std::initializer_list<float> values) {
  std::string bytes;
  for (float v : values) bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  return bytes;
}

TEST(SafetensorsTest, TheFileIsItsHeaderLengthJsonHeaderAndData) {
  const std::string path = TestDir("safetensors") + "/a.safetensors";
  Safetensors file;
  file.metadata = {{"format", "pt"}, {"spec", "name: \"x\"\n"}};
  file.tensors = {{"w", "F32", {2}, Floats({1.5f, -2.0f})}, {"n", "I64", {}, std::string(8, '\0')}};
  ASSERT_OK(WriteSafetensors(path, file));
  const std::string bytes = *ReadFile(path);
  const std::string header = R"({"__metadata__":{"format":"pt","spec":"name: \"x\"\u000a"},)"
                             R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("n":{"dtype":"I64","shape":[],"data_offsets":[8,16]}})";
  const size_t padded = (header.size() + 7) / 8 * 8;
  ASSERT_EQ(bytes.size(), 8 + padded + 16);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), padded);
  EXPECT_EQ(bytes.substr(1, 7), std::string(7, '\0'));
  EXPECT_EQ(bytes.substr(8, header.size()), header);
  EXPECT_EQ(bytes.substr(8 + header.size(), padded - header.size()),
            std::string(padded - header.size(), ' '));
  EXPECT_EQ(bytes.substr(8 + padded, 8), Floats({1.5f, -2.0f}));

  absl::StatusOr<Safetensors> read = ReadSafetensors(path);
  ASSERT_OK(read);
  EXPECT_EQ(read->metadata, file.metadata);
  ASSERT_EQ(read->tensors.size(), 2u);
  EXPECT_EQ(read->tensors[0].name, "w");
  EXPECT_EQ(read->tensors[0].shape, std::vector<int64_t>{2});
  EXPECT_EQ(read->tensors[0].bytes, Floats({1.5f, -2.0f}));
  EXPECT_EQ(read->tensors[1].name, "n");
  EXPECT_TRUE(read->tensors[1].shape.empty());
}

TEST(SafetensorsTest, BytesThatDoNotFitTheShapeOrARepeatedNameAreRefused) {
  const std::string path = TestDir("safetensors_bad") + "/a.safetensors";
  Safetensors file;
  file.tensors = {{"w", "F32", {3}, Floats({1, 2})}};
  EXPECT_EQ(WriteSafetensors(path, file).message(),
            "tensor \"w\": 8 bytes do not hold dtype F32 of shape [3]");
  file.tensors = {{"w", "F32", {1}, Floats({1})}, {"w", "F32", {1}, Floats({2})}};
  EXPECT_EQ(WriteSafetensors(path, file).message(), "tensor name \"w\" is used twice");
}

TEST(SafetensorsTest, AFileThatIsNotOneIsRefusedByName) {
  const std::string dir = TestDir("safetensors_read");
  ASSERT_OK(WriteFileAtomically(dir + "/short", "abc"));
  EXPECT_EQ(ReadSafetensors(dir + "/short").status().code(), absl::StatusCode::kDataLoss);
  std::string header = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  std::string bytes = std::string(1, static_cast<char>(header.size())) + std::string(7, '\0') +
                      header + Floats({1, 2});
  ASSERT_OK(WriteFileAtomically(dir + "/cut", bytes));
  EXPECT_EQ(ReadSafetensors(dir + "/cut").status().message(),
            dir + "/cut: tensor \"w\": data_offsets outside the data");
}

}  // namespace
}  // namespace rwn
