// Dataset `cifar100`: CIFAR-100 from the standard binary release (train.bin,
// test.bin; each record has a coarse and a fine label), fine labels by
// default. The paper's second dataset (Figures 1, 5, Tables 1, 2). It cannot
// be downloaded here; tests write small files in the real format.
//
// Example spec:
//   dataset { cifar100 { dir: "/data/cifar-100-binary" } }
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/cifar100.pb.h"
#include "datasets/cifar_binary.h"
#include "datasets/dataset.h"

namespace rwn {
namespace {

absl::StatusOr<std::shared_ptr<const Dataset>> CreateCifar100(const Cifar100Spec& spec,
                                                              const DatasetContext&) {
  if (spec.dir().empty()) {
    return absl::InvalidArgumentError(
        "dir is not set; point it at the folder of the binary release (cifar-100-binary)");
  }
  const bool fine = spec.labels() == Cifar100Spec::FINE;
  const CifarFormat format{/*label_bytes=*/2, /*label_index=*/fine ? 1 : 0,
                           /*num_classes=*/fine ? 100 : 20};
  auto dataset = std::make_shared<Dataset>();
  dataset->num_classes = format.num_classes;
  ASSIGN_OR_RETURN(dataset->train, ReadCifarFiles({spec.dir() + "/train.bin"}, format));
  ASSIGN_OR_RETURN(dataset->test, ReadCifarFiles({spec.dir() + "/test.bin"}, format));
  dataset->description =
      absl::StrCat("CIFAR-100 (", fine ? "fine" : "coarse", " labels, ", dataset->train.size(),
                   " train / ", dataset->test.size(), " test images)");
  dataset->augmentation = Augmentation{/*crop_padding=*/4, /*flip=*/true};
  RETURN_IF_ERROR(FinishDataset(dataset.get()));
  return std::shared_ptr<const Dataset>(dataset);
}

}  // namespace

RWN_REGISTER_PLUGIN(DatasetRegistry, cifar100, Cifar100Spec, CreateCifar100);

}  // namespace rwn
