// Dataset `fashion_mnist`: Fashion-MNIST read from its four gzip'ed IDX files
// (zlib). Magic numbers, image counts, image sizes and label ranges are
// checked, and every error names the file, what was expected and what was
// found. The real dataset every rwn machine has (Debian's
// dataset-fashion-mnist); the CPU-scale stand-in for CIFAR in the
// experiments.
//
// Example spec:
//   dataset { fashion_mnist { train_subset: 20000 } }
#include <torch/torch.h>
#include <zlib.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "datasets/dataset.h"
#include "datasets/fashion_mnist.pb.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // uint8, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // uint8, 1 dimension
constexpr int64_t kSide = 28;
constexpr int64_t kClasses = 10;

absl::StatusOr<std::string> ReadGzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat(path,
                     ": cannot open; install Debian's dataset-fashion-mnist (./setup.sh) or set "
                     "fashion_mnist.dir to the folder holding the four .gz files"));
  }
  std::string content;
  char buffer[1 << 16];
  int read;
  while ((read = gzread(file, buffer, sizeof(buffer))) > 0) content.append(buffer, read);
  int error = Z_OK;
  const char* message = gzerror(file, &error);
  const bool failed = read < 0 || (error != Z_OK && error != Z_STREAM_END);
  const std::string reason = failed ? message : "";
  gzclose(file);
  if (failed) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a readable gzip file (", reason, ")"));
  }
  return content;
}

uint32_t BigEndian(const std::string& data, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + offset);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

absl::Status CheckHeader(const std::string& path, const std::string& data, uint32_t magic,
                         size_t header_bytes, const char* what) {
  if (data.size() < header_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", data.size(), " bytes; an IDX ", what,
                                                   " file has a header of ", header_bytes));
  }
  if (BigEndian(data, 0) != magic) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: magic number 0x%08x; expected 0x%08x (IDX %s)", path,
                        BigEndian(data, 0), magic, what));
  }
  return absl::OkStatus();
}

absl::StatusOr<Split> ReadSplit(const std::string& images_path, const std::string& labels_path,
                                int64_t subset) {
  ASSIGN_OR_RETURN(std::string images, ReadGzip(images_path));
  ASSIGN_OR_RETURN(std::string labels, ReadGzip(labels_path));
  RETURN_IF_ERROR(CheckHeader(images_path, images, kImagesMagic, 16, "images"));
  RETURN_IF_ERROR(CheckHeader(labels_path, labels, kLabelsMagic, 8, "labels"));
  const int64_t count = BigEndian(images, 4);
  const int64_t rows = BigEndian(images, 8);
  const int64_t cols = BigEndian(images, 12);
  if (rows != kSide || cols != kSide) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_path, ": images are ", rows, "x", cols, "; expected 28x28"));
  }
  if (static_cast<int64_t>(images.size()) != 16 + count * rows * cols) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_path, ": ", images.size() - 16, " bytes of pixels; expected ", count,
                     " images x 28 x 28 = ", count * rows * cols, " (truncated or corrupt)"));
  }
  const int64_t label_count = BigEndian(labels, 4);
  if (label_count != count) {
    return absl::InvalidArgumentError(absl::StrCat(labels_path, ": ", label_count,
                                                   " labels; expected ", count,
                                                   " (one per image in ", images_path, ")"));
  }
  if (static_cast<int64_t>(labels.size()) != 8 + count) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels_path, ": ", labels.size() - 8, " label bytes; expected ", count));
  }
  for (int64_t i = 0; i < count; ++i) {
    const int label = static_cast<unsigned char>(labels[8 + i]);
    if (label >= kClasses) {
      return absl::InvalidArgumentError(
          absl::StrCat(labels_path, ": label ", label, " at index ", i, "; allowed: 0 to 9"));
    }
  }
  const int64_t keep = subset > 0 ? std::min(subset, count) : count;
  Split split;
  split.images = torch::from_blob(images.data() + 16, {keep, 1, rows, cols}, torch::kUInt8).clone();
  split.labels = torch::from_blob(labels.data() + 8, {keep}, torch::kUInt8).to(torch::kInt64);
  return split;
}

absl::StatusOr<std::shared_ptr<const Dataset>> CreateFashionMnist(const FashionMnistSpec& spec,
                                                                  const DatasetContext&) {
  if (spec.train_subset() < 0 || spec.test_subset() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("train_subset = ", spec.train_subset(),
                                                   ", test_subset = ", spec.test_subset(),
                                                   "; allowed: 0 (all) or a positive count"));
  }
  return GuardTorch("fashion_mnist", [&]() -> absl::StatusOr<std::shared_ptr<const Dataset>> {
    const std::string dir = spec.dir();
    auto dataset = std::make_shared<Dataset>();
    dataset->num_classes = kClasses;
    ASSIGN_OR_RETURN(dataset->train,
                     ReadSplit(dir + "/train-images-idx3-ubyte.gz",
                               dir + "/train-labels-idx1-ubyte.gz", spec.train_subset()));
    ASSIGN_OR_RETURN(dataset->test,
                     ReadSplit(dir + "/t10k-images-idx3-ubyte.gz",
                               dir + "/t10k-labels-idx1-ubyte.gz", spec.test_subset()));
    dataset->description = absl::StrCat("Fashion-MNIST (", dataset->train.size(), " train / ",
                                        dataset->test.size(), " test images)");
    RETURN_IF_ERROR(FinishDataset(dataset.get()));
    return std::shared_ptr<const Dataset>(dataset);
  });
}

}  // namespace

RWN_REGISTER_PLUGIN(DatasetRegistry, fashion_mnist, FashionMnistSpec, CreateFashionMnist);

}  // namespace rwn
