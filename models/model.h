// Network: a libtorch module plus its layer table, and the model registry.
//
// The layer table has one row per conv / batch-norm / linear layer in forward
// order, with the layer's parameter names and its group (the paper's `conv1`,
// `block1`..`block3`, `fc`; other models name their own). Selectors read the
// table, never parameter names (DESIGN.md section 4).
#ifndef RWN_MODELS_MODEL_H_
#define RWN_MODELS_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"

namespace at {
class Tensor;
}  // namespace at
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
  std::string name;            // module path, e.g. "block1.0.conv1"
  std::string group;           // e.g. "block1"
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

struct Network {
  std::string description;                   // e.g. "WRN-28-4"
  std::shared_ptr<torch::nn::Module> module;  // parameters, buffers, train/eval
  std::function<at::Tensor(const at::Tensor&)> forward;  // images -> logits
  std::vector<Layer> layers;                 // the layer table, forward order
};

using ModelRegistry = Registry<std::shared_ptr<Network>, ModelContext>;

// Rows for every Conv2d, BatchNorm2d and Linear below `module`, in
// registration order (models register in forward order); `group_of` maps a
// module path to its group.
std::vector<Layer> BuildLayerTable(
    torch::nn::Module& module, const std::function<std::string(const std::string&)>& group_of);

// Initialization schemes; `reference` is bearpaw/pytorch-classification's
// (conv weights normal with std sqrt(2 / (k*k*out_channels)), BN gamma 1 and
// beta 0, linear as libtorch's default), `torch_default` libtorch's own
// (kaiming-uniform with a = sqrt(5) for conv and linear weights, uniform
// biases, BN 1 / 0). Both draw from a generator seeded with `seed` only.
void InitReference(torch::nn::Module& module, uint64_t seed, bool zero_linear_bias);
void InitTorchDefault(torch::nn::Module& module, uint64_t seed);

}  // namespace rwn

#endif  // RWN_MODELS_MODEL_H_
