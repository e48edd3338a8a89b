// Fuzzes an experiment spec from its text through parsing, ValidateSpec and
// BuildRun (data, network, learn plan, optimizer, schedule; no training).
// So that each input takes milliseconds, a valid spec is made small before
// it is built, and checked again: models at most WRN-28-2, DenseNet-40-12,
// ResNet-56 and VGG/AlexNet at 1/8 width; the data synthetic, at most 64
// images of at most 32x32, in the shape of the spec's dataset.
#include <algorithm>

#include "core/text_proto.h"
#include "experiments/experiment.pb.h"
#include "experiments/spec.h"
#include "fuzz/fuzz_support.h"
#include "run/build.h"

namespace rwn::fuzz {
namespace {

// False for a model too large to build in milliseconds.
bool SmallModel(const ModelSpec& model) {
  if (model.has_wide_resnet()) {
    return model.wide_resnet().depth() <= 28 && model.wide_resnet().widen_factor() <= 2;
  }
  if (model.has_densenet()) {
    return model.densenet().depth() <= 40 && model.densenet().growth_rate() <= 12;
  }
  if (model.has_resnet()) return model.resnet().depth() <= 56;
  if (model.has_vgg()) return model.vgg().width_divisor() >= 8;
  if (model.has_alexnet()) return model.alexnet().width_divisor() >= 8;
  return true;
}

// The spec's data as small synthetic data of the same shape.
void MakeDataSmall(DatasetSpec* dataset) {
  SyntheticSpec synthetic;
  if (dataset->has_synthetic()) synthetic = dataset->synthetic();
  if (dataset->has_fashion_mnist()) {
    synthetic.set_channels(1);
    synthetic.set_size(28);
  }
  if (dataset->has_cifar100()) synthetic.set_num_classes(100);
  if (dataset->has_tiny_imagenet()) synthetic.set_num_classes(200);
  synthetic.set_train_size(std::min(synthetic.train_size(), 64));
  synthetic.set_test_size(std::min(synthetic.test_size(), 64));
  synthetic.set_size(std::min(synthetic.size(), 32));
  *dataset->mutable_synthetic() = synthetic;
}

}  // namespace
}  // namespace rwn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwn;
  fuzz::ScratchDir();  // the runtime
  ExperimentSpec spec;
  if (!ParseTextProto(fuzz::View(data, size), "fuzz.pbtxt", &spec).ok()) return 0;
  if (!ValidateSpec(spec).ok() || !fuzz::SmallModel(spec.model())) return 0;
  fuzz::MakeDataSmall(spec.mutable_dataset());
  spec.set_validation_size(std::min(spec.validation_size(), 16));
  spec.clear_init_from();
  if (!ValidateSpec(spec).ok()) return 0;
  BuildRun(spec).IgnoreError();
  return 0;
}
