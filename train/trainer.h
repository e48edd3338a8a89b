// The training loop: epochs of shuffled batches, cross-entropy, the
// optimizer on learned tensors only, and evaluation of test top-1 / top-5
// after every epoch.
#ifndef RWN_TRAIN_TRAINER_H_
#define RWN_TRAIN_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "train/metrics.pb.h"
#include "train/progress.h"

namespace rwn {

class Communicator;

// How the arithmetic runs; both are measured in bench/README.md.
struct ComputeOptions {
  bool channels_last = false;  // NHWC weights and inputs (call UseChannelsLast first)
  bool bfloat16 = false;       // autocast to bfloat16 on the input's device (CPU or CUDA)
};

struct TrainConfig {
  int64_t epochs = 1;
  int64_t batch_size = 128;
  int64_t eval_batch_size = 500;
  uint64_t seed = 1;    // data order, augmentation and dropout
  bool augment = true;  // use the dataset's default training augmentation
  ComputeOptions compute;
  int64_t start_epoch = 0;  // > 0: resume after this many epochs (the caller
                            // restored the weights and torch's generator)
  // Data-parallel training (train/distributed.h), or null: this rank reads
  // its shard of each epoch (batch_size is per rank), starts from rank 0's
  // learned tensors, averages their gradients with the other ranks after
  // every backward pass, and checks after every epoch that all ranks hold
  // bit-identical learned tensors. Train metrics are over all ranks; test
  // metrics are this rank's (batch-norm statistics stay per rank).
  Communicator* communicator = nullptr;
  // A step whose loss is not finite, or above max_loss when it is > 0, stops
  // training with DivergedError (train/divergence.h) before its update.
  double max_loss = 0;
  // Called after every optimizer step with the global step (1-based, counted
  // over all epochs) and the step's loss on this rank; a non-OK status stops
  // training and is returned. May be empty.
  std::function<absl::Status(int64_t step, double loss)> on_step;
};

struct EvalResult {
  double loss = 0;
  double top1 = 0;  // in [0, 1]
  double top5 = 0;  // top-min(5, classes)
};

// Loss and accuracy of `network` (in eval mode, under inference mode) on
// `split`.
EvalResult Evaluate(Network& network, const Dataset& dataset, const Split& split,
                    int64_t batch_size, const ComputeOptions& compute = {});

// Softmax class probabilities (float32, N x classes) of `network` (in eval
// mode, under inference mode) on `split`, in the split's order.
at::Tensor Predict(Network& network, const Dataset& dataset, const Split& split, int64_t batch_size,
                   const ComputeOptions& compute = {});

// `status` as it is, unless it says the device ran out of memory
// (ResourceExhausted): then it also names the model, the batch sizes and the
// device, and what to try.
absl::Status ExplainOutOfMemory(const absl::Status& status, const std::string& model,
                                const TrainConfig& config, const std::string& device);

// network.forward(images) under `compute`; logits are float32.
at::Tensor Forward(Network& network, at::Tensor images, const ComputeOptions& compute);

// Trains `network` on `dataset` from epoch `config.start_epoch` to
// `config.epochs`; after each epoch, evaluates on the test split (and the
// validation split, if the dataset has one) and calls `on_epoch` (a non-OK
// status stops training and is returned). A diverged step stops training
// with DivergedError. Batches are prepared on a background thread.
// `progress` may be null.
absl::Status Train(Network& network, const Dataset& dataset, Optimizer& optimizer,
                   const Schedule* schedule, const TrainConfig& config, Progress* progress,
                   const std::function<absl::Status(const EpochMetrics&)>& on_epoch);

}  // namespace rwn

#endif  // RWN_TRAIN_TRAINER_H_
