// Dataset `cifar10`: CIFAR-10 from the standard binary release
// (data_batch_1..5.bin, test_batch.bin). The paper's main dataset (Figures
// 1-5, Tables 1, 2, 4). It cannot be downloaded here; tests write small
// files in the real format.
//
// Example spec:
//   dataset { cifar10 { dir: "/data/cifar-10-batches-bin" } }
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/cifar10.pb.h"
#include "datasets/cifar_binary.h"
#include "datasets/dataset.h"

namespace rwn {
namespace {

absl::StatusOr<std::shared_ptr<const Dataset>> CreateCifar10(const Cifar10Spec& spec,
                                                             const DatasetContext&) {
  if (spec.dir().empty()) {
    return absl::InvalidArgumentError(
        "dir is not set; point it at the folder of the binary release (cifar-10-batches-bin)");
  }
  auto dataset = std::make_shared<Dataset>();
  dataset->num_classes = 10;
  std::vector<std::string> train;
  for (int i = 1; i <= 5; ++i) train.push_back(absl::StrCat(spec.dir(), "/data_batch_", i, ".bin"));
  const CifarFormat format{/*label_bytes=*/1, /*label_index=*/0, /*num_classes=*/10};
  ASSIGN_OR_RETURN(dataset->train, ReadCifarFiles(train, format));
  ASSIGN_OR_RETURN(dataset->test, ReadCifarFiles({spec.dir() + "/test_batch.bin"}, format));
  dataset->description = absl::StrCat("CIFAR-10 (", dataset->train.size(), " train / ",
                                      dataset->test.size(), " test images)");
  dataset->augmentation = Augmentation{/*crop_padding=*/4, /*flip=*/true};
  RETURN_IF_ERROR(FinishDataset(dataset.get()));
  return std::shared_ptr<const Dataset>(dataset);
}

}  // namespace

RWN_REGISTER_PLUGIN(DatasetRegistry, cifar10, Cifar10Spec, CreateCifar10);

}  // namespace rwn
