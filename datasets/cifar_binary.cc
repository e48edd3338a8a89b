#include "datasets/cifar_binary.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "core/files.h"
#include "torch_support/status.h"

namespace rwn {

absl::StatusOr<Split> ReadCifarFiles(const std::vector<std::string>& paths,
                                     const CifarFormat& format) {
  constexpr int64_t kPixels = 3 * 32 * 32;
  const int64_t record = format.label_bytes + kPixels;
  std::vector<torch::Tensor> images, labels;
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> data = ReadFile(path);
    if (!data.ok()) return data.status();
    const int64_t size = static_cast<int64_t>(data->size());
    if (size == 0 || size % record != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", size, " bytes; expected a whole number of ", record, "-byte records (",
          format.label_bytes, " label byte(s) + 3072 pixels): truncated or not this dataset"));
    }
    const int64_t count = size / record;
    auto status = GuardTorch(path, [&]() -> absl::Status {
      torch::Tensor bytes = torch::from_blob(data->data(), {count, record}, torch::kUInt8).clone();
      torch::Tensor label = bytes.select(1, format.label_index).to(torch::kInt64);
      const int64_t high = label.max().item<int64_t>();
      if (high >= format.num_classes) {
        const int64_t at = label.ge(format.num_classes).nonzero()[0][0].item<int64_t>();
        return absl::InvalidArgumentError(absl::StrCat(path, ": label ", label[at].item<int64_t>(),
                                                       " in record ", at, "; allowed: 0 to ",
                                                       format.num_classes - 1));
      }
      images.push_back(bytes.narrow(1, format.label_bytes, kPixels).view({count, 3, 32, 32}));
      labels.push_back(label);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
  }
  Split split;
  split.images = torch::cat(images).contiguous();
  split.labels = torch::cat(labels);
  return split;
}

}  // namespace rwn
