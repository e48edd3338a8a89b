// Network: a libtorch module plus its layer table, and the model registry.
//
// The layer table has one row per conv / batch-norm / linear layer in forward
// order, with the layer's parameter names and its group (the paper's `conv1`,
// `block1`..`block3`, `fc`; other models name their own). Selectors read the
// table, never parameter names (docs/design.md, "Models and the layer table").
#ifndef RWN_MODELS_MODEL_H_
#define RWN_MODELS_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/registry.h"

namespace at {
class Tensor;
}  // namespace at
namespace c10 {
struct Device;
}  // namespace c10
namespace torch {
namespace nn {
class Module;
}  // namespace nn
}  // namespace torch

namespace rwn {

enum class LayerKind { kConv, kBatchNorm, kLinear };

// "conv", "batch_norm" or "linear".
const char* LayerKindName(LayerKind kind);

struct Layer {
  std::string name;   // module path, e.g. "block1.0.conv1"
  std::string group;  // e.g. "block1"
  LayerKind kind;
  std::string weight;          // parameter name, e.g. "block1.0.conv1.weight"
  std::string bias;            // parameter name, or "" when the layer has none
  std::vector<int64_t> shape;  // the weight's shape
  int64_t out_channels = 0;    // filters (conv), features (linear), channels (BN)
};

// What a model needs from the dataset and the run.
struct ModelContext {
  int64_t channels = 3;
  int64_t height = 32;
  int64_t width = 32;
  int64_t num_classes = 10;
  uint64_t seed = 1;  // initialization seed; the same seed gives the same weights
};

// One step of a network's forward pass: composing the stages in order gives
// `forward`. `modules` are the top-level modules whose parameters and
// buffers the stage uses (e.g. "block2", "bn1"). Stages let training skip a
// prefix that learns nothing (train/frozen_prefix.h).
struct Stage {
  std::string name;
  std::vector<std::string> modules;
  std::function<at::Tensor(const at::Tensor&)> run;
};

// The network as rwn's PyTorch definitions build it (tools/pytorch/
// rwn_models.py: bearpaw/pytorch-classification's CIFAR models, which rwn's
// follow, with any input size and channel count): `rwn export` names the
// parameters and buffers so that its file loads into that module with
// load_state_dict(strict=True).
struct PyTorchReference {
  std::string model;      // the function in rwn_models.py, e.g. "wrn"
  std::string arguments;  // its keyword arguments, a JSON object
  // rwn's name of a parameter or buffer -> the reference's (null: the same).
  std::function<std::string(const std::string&)> rename;
};

struct Network {
  std::string description;                               // e.g. "WRN-28-4"
  std::shared_ptr<torch::nn::Module> module;             // parameters, buffers, train/eval
  std::function<at::Tensor(const at::Tensor&)> forward;  // images -> logits
  std::vector<Layer> layers;                             // the layer table, forward order
  std::vector<Stage> stages;                             // empty: the model offers none
  PyTorchReference reference;
};

using ModelRegistry = Registry<std::shared_ptr<Network>, ModelContext>;

// Where `network`'s parameters are (the CPU for one without parameters);
// its inputs go there.
c10::Device DeviceOf(const Network& network);

// Stores every 4-d weight of `network` channels-last (NHWC), the layout
// oneDNN's convolutions prefer; inputs must then be channels-last too.
void UseChannelsLast(Network* network);

// Rows for every Conv2d, BatchNorm2d and Linear below `module`, in
// registration order (models register in forward order); `group_of` maps a
// module path to its group.
std::vector<Layer> BuildLayerTable(torch::nn::Module& module,
                                   const std::function<std::string(const std::string&)>& group_of);

// The Network of `model`, a torch module holder of the model's module type
// (whose forward maps images to logits): its layer table (BuildLayerTable
// with `group_of`), parameters and forward. Stages are the caller's to add.
template <class Holder>
std::shared_ptr<Network> MakeNetwork(
    Holder model, std::string description,
    const std::function<std::string(const std::string&)>& group_of) {
  auto network = std::make_shared<Network>();
  network->description = std::move(description);
  network->layers = BuildLayerTable(*model, group_of);
  network->module = model.ptr();
  network->forward = [model](const at::Tensor& x) mutable { return model->forward(x); };
  return network;
}

// How a reference (bearpaw) initialization treats linear layers; bearpaw's
// models differ here.
enum class LinearInit {
  kTorchDefault,  // libtorch's U(+-1/sqrt(fan_in)) weight and bias
  kZeroBias,      // libtorch's weight, zero bias (bearpaw's WRN)
  kNormal,        // weight normal(0, 0.01), zero bias (bearpaw's VGG)
};

// Initializes every conv, batch-norm and linear layer below `module` from
// `seed` alone, with rwn's Philox streams (core/philox.h), not libtorch's
// generator: the fixed weights come back bit for bit on any machine, CPU
// and libtorch version (models/testdata/init_checksums.txt pins them). The
// distributions:
//  - reference (InitScheme REFERENCE): bearpaw/pytorch-classification's conv
//    weights normal with std sqrt(2 / (k*k*out_channels)), conv biases 0, BN
//    gamma 1 and beta 0, linear layers as `linear` says;
//  - torch default (TORCH_DEFAULT): libtorch's kaiming-uniform (a = sqrt(5))
//    = U(+-1/sqrt(fan_in)) for conv and linear weights and biases, BN 1 / 0.
// `scheme` is an InitScheme (models/init.proto) value.
void Initialize(torch::nn::Module& module, int scheme, uint64_t seed, LinearInit linear);

// Global average pooling and flattening: bearpaw's fixed final pooling on
// 32x32 inputs, and the same layer for any input size.
at::Tensor GlobalAveragePool(const at::Tensor& x);

}  // namespace rwn

#endif  // RWN_MODELS_MODEL_H_
