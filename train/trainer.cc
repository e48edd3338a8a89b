#include "train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "core/crash_point.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "datasets/loader.h"
#include "datasets/prefetcher.h"
#include "torch_support/compat.h"
#include "torch_support/status.h"
#include "train/distributed.h"
#include "train/divergence.h"

namespace rwn {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Correct predictions among the top `k` logits.
int64_t CorrectTopK(const torch::Tensor& logits, const torch::Tensor& labels, int64_t k) {
  k = std::min<int64_t>(k, logits.size(1));
  torch::Tensor top = std::get<1>(logits.topk(k, /*dim=*/1));
  return top.eq(labels.unsqueeze(1)).any(1).sum().item<int64_t>();
}

}  // namespace

torch::Tensor Forward(Network& network, torch::Tensor images, const ComputeOptions& compute) {
  if (compute.channels_last && images.dim() == 4) {
    images = images.contiguous(at::MemoryFormat::ChannelsLast);
  }
  if (!compute.bfloat16) return network.forward(images);
  Autocast autocast(Autocast::For(images.device()), at::kBFloat16);
  return network.forward(images).to(torch::kFloat32);
}

EvalResult Evaluate(Network& network, const Dataset& dataset, const Split& split,
                    int64_t batch_size, const ComputeOptions& compute) {
  c10::InferenceMode inference;
  network.module->eval();
  BatchLoader loader(split, dataset.mean, dataset.std, batch_size, /*shuffle=*/false, 0);
  Batch batch;
  double loss = 0;
  int64_t top1 = 0, top5 = 0;
  const torch::Device device = DeviceOf(network);
  while (loader.Next(&batch)) {
    const torch::Tensor labels = batch.labels.to(device, /*non_blocking=*/true);
    torch::Tensor logits =
        Forward(network, batch.images.to(device, /*non_blocking=*/true), compute);
    loss +=
        torch::nn::functional::cross_entropy(
            logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .item<double>();
    top1 += CorrectTopK(logits, labels, 1);
    top5 += CorrectTopK(logits, labels, 5);
    CrashPoint("evaluate");
  }
  const double n = static_cast<double>(loader.size());
  return EvalResult{loss / n, top1 / n, top5 / n};
}

at::Tensor Predict(Network& network, const Dataset& dataset, const Split& split, int64_t batch_size,
                   const ComputeOptions& compute) {
  c10::InferenceMode inference;
  network.module->eval();
  BatchLoader loader(split, dataset.mean, dataset.std, batch_size, /*shuffle=*/false, 0);
  Batch batch;
  std::vector<torch::Tensor> parts;
  const torch::Device device = DeviceOf(network);
  while (loader.Next(&batch)) {
    parts.push_back(torch::softmax(Forward(network, batch.images.to(device), compute), 1).cpu());
  }
  return torch::cat(parts);
}

namespace {

// What one epoch's training steps add up to on this rank (or, after
// SumOverRanks, on all of them).
struct EpochTotals {
  double loss_sum = 0;
  int64_t correct = 0;
  int64_t seen = 0;
  double seconds = 0;
};

// Every rank's gradients of the learned tensors, averaged in place.
absl::Status AverageGradients(Communicator& ranks, std::vector<torch::Tensor>& learned) {
  std::vector<torch::Tensor> grads;
  for (torch::Tensor& tensor : learned) {
    if (!tensor.grad().defined()) tensor.mutable_grad() = torch::zeros_like(tensor);
    grads.push_back(tensor.grad());
  }
  return ranks.AllReduceMean(grads);
}

absl::Status NothingLearnedReachesTheLoss() {
  return absl::InvalidArgumentError(
      "the loss does not depend on any learned tensor, so nothing can learn: with fixed: ZERO, "
      "the zeroed convs cut every path from the learned layers to the output (e.g. learning only "
      "the first layers); allowed: learn a layer nearer the output, or fixed: RANDOM");
}

// Stops training (DivergedError) before the optimizer takes a step from a
// loss that is not finite or passed max_loss. With several ranks the check
// is on the mean loss over ranks, so that all of them stop at the same step.
absl::Status CheckStep(double loss, const TrainConfig& config, int64_t epoch, int64_t step,
                       double lr) {
  if (config.communicator != nullptr) {
    std::vector<double> sum = {loss};
    RETURN_IF_ERROR(config.communicator->AllReduceSum(&sum));
    loss = sum[0] / config.communicator->world_size();
  }
  std::optional<Divergence> where =
      CheckLoss(loss, config.max_loss, static_cast<int>(epoch + 1), static_cast<int>(step), lr);
  return where ? DivergedError(*where) : absl::OkStatus();
}

// One pass over `batches` (epoch `epoch`, 0-based, whose first step is
// global step `first_step`): a step of `optimizer` at `lr` per batch.
absl::StatusOr<EpochTotals> TrainEpoch(Network& network, Prefetcher& batches, Optimizer& optimizer,
                                       std::vector<torch::Tensor>& learned, int64_t epoch,
                                       int64_t first_step, double lr, const TrainConfig& config,
                                       Progress* progress) {
  const auto start = std::chrono::steady_clock::now();
  const torch::Device device = DeviceOf(network);
  network.module->train();
  EpochTotals totals;
  int64_t index = 0;
  Batch batch;
  while (batches.Next(&batch)) {
    optimizer.ZeroGrad();
    batch.images = batch.images.to(device, /*non_blocking=*/true);
    batch.labels = batch.labels.to(device, /*non_blocking=*/true);
    torch::Tensor logits = Forward(network, batch.images, config.compute);
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels);
    if (!loss.requires_grad()) return NothingLearnedReachesTheLoss();
    loss.backward();
    if (config.communicator != nullptr) {
      RETURN_IF_ERROR(AverageGradients(*config.communicator, learned));
    }
    const double step_loss = loss.item<double>();
    RETURN_IF_ERROR(CheckStep(step_loss, config, epoch, ++index, lr));
    optimizer.Step(lr);
    CrashPoint("step");
    if (config.on_step) RETURN_IF_ERROR(config.on_step(first_step + index - 1, step_loss));
    const int64_t count = batch.labels.size(0);
    totals.loss_sum += step_loss * count;
    totals.correct += CorrectTopK(logits.detach(), batch.labels, 1);
    totals.seen += count;
    if (progress)
      progress->Batch(index, totals.seen / Seconds(start), totals.loss_sum / totals.seen);
  }
  totals.seconds = Seconds(start);
  return totals;
}

absl::Status SumOverRanks(Communicator& ranks, EpochTotals* totals) {
  std::vector<double> sums = {totals->loss_sum, static_cast<double>(totals->correct),
                              static_cast<double>(totals->seen)};
  RETURN_IF_ERROR(ranks.AllReduceSum(&sums));
  totals->loss_sum = sums[0];
  totals->correct = static_cast<int64_t>(sums[1]);
  totals->seen = static_cast<int64_t>(sums[2]);
  return absl::OkStatus();
}

// The ranks must hold the same learned tensors, bit for bit.
absl::Status CheckRanksAgree(Communicator& ranks, const std::vector<torch::Tensor>& learned,
                             int64_t epoch) {
  std::string bytes;
  for (const torch::Tensor& tensor : learned) {
    const torch::Tensor values = tensor.detach().cpu().contiguous();
    bytes.append(static_cast<const char*>(values.data_ptr()),
                 values.numel() * values.element_size());
  }
  const std::string fingerprint = Fingerprint(bytes);
  ASSIGN_OR_RETURN(const bool equal, ranks.AllEqual(std::stoull(fingerprint, nullptr, 16)));
  if (!equal) {
    return absl::InternalError(
        absl::StrFormat("rank %d: after epoch %d the ranks' learned weights differ (this rank's "
                        "fingerprint %s)",
                        ranks.rank(), epoch + 1, fingerprint));
  }
  std::fprintf(stderr, "rank %d: epoch %d learned weights fingerprint %s (all %d ranks agree)\n",
               ranks.rank(), static_cast<int>(epoch + 1), fingerprint.c_str(), ranks.world_size());
  return absl::OkStatus();
}

// The epoch's metrics: its training totals, then test (and validation)
// accuracy measured now.
EpochMetrics MeasureEpoch(Network& network, const Dataset& dataset, const TrainConfig& config,
                          int64_t epoch, int64_t step, double lr, const EpochTotals& totals) {
  const auto eval_start = std::chrono::steady_clock::now();
  EpochMetrics metrics;
  metrics.set_epoch(static_cast<int32_t>(epoch + 1));
  metrics.set_step(step);
  metrics.set_lr(lr);
  metrics.set_train_loss(totals.loss_sum / totals.seen);
  metrics.set_train_top1(static_cast<double>(totals.correct) / totals.seen);
  metrics.set_epoch_seconds(totals.seconds);
  metrics.set_images_per_second(totals.seen / totals.seconds);
  const EvalResult test =
      Evaluate(network, dataset, dataset.test, config.eval_batch_size, config.compute);
  metrics.set_test_loss(test.loss);
  metrics.set_test_top1(test.top1);
  metrics.set_test_top5(test.top5);
  if (dataset.validation.size() > 0) {
    const EvalResult validation =
        Evaluate(network, dataset, dataset.validation, config.eval_batch_size, config.compute);
    metrics.set_val_loss(validation.loss);
    metrics.set_val_top1(validation.top1);
    metrics.set_val_top5(validation.top5);
  }
  metrics.set_eval_seconds(Seconds(eval_start));
  return metrics;
}

}  // namespace

absl::Status Train(Network& network, const Dataset& dataset, Optimizer& optimizer,
                   const Schedule* schedule, const TrainConfig& config, Progress* progress,
                   const std::function<absl::Status(const EpochMetrics&)>& on_epoch) {
  const absl::Status status = GuardTorch("training", [&]() -> absl::Status {
    if (config.start_epoch == 0) torch::manual_seed(config.seed);  // dropout
    BatchLoader loader(dataset.train, dataset.mean, dataset.std, config.batch_size,
                       /*shuffle=*/true, config.seed,
                       config.augment ? dataset.augmentation : Augmentation());
    Communicator* const ranks = config.communicator;
    std::vector<torch::Tensor> learned;
    for (const LearnedTensor& param : optimizer.params()) learned.push_back(param.tensor);
    if (ranks != nullptr) {
      loader.Shard(ranks->rank(), ranks->world_size());
      RETURN_IF_ERROR(ranks->Broadcast(learned));
    }
    Prefetcher batches(&loader, /*depth=*/2, /*pin_memory=*/DeviceOf(network).is_cuda());
    for (int64_t epoch = config.start_epoch; epoch < config.epochs; ++epoch) {
      const double lr = optimizer.base_lr() * (schedule ? schedule->Factor(epoch) : 1.0);
      if (progress) progress->StartEpoch(epoch, config.epochs, loader.num_batches());
      batches.Start(epoch);
      const int64_t first_step = epoch * loader.num_batches() + 1;
      ASSIGN_OR_RETURN(EpochTotals totals, TrainEpoch(network, batches, optimizer, learned, epoch,
                                                      first_step, lr, config, progress));
      if (ranks != nullptr) {
        RETURN_IF_ERROR(SumOverRanks(*ranks, &totals));
        RETURN_IF_ERROR(CheckRanksAgree(*ranks, learned, epoch));
      }
      const EpochMetrics metrics = MeasureEpoch(network, dataset, config, epoch,
                                                (epoch + 1) * loader.num_batches(), lr, totals);
      if (progress) progress->EndEpoch(metrics, config.epochs);
      RETURN_IF_ERROR(on_epoch(metrics));
    }
    return absl::OkStatus();
  });
  return ExplainOutOfMemory(status, network.description, config, DeviceOf(network).str());
}

absl::Status ExplainOutOfMemory(const absl::Status& status, const std::string& model,
                                const TrainConfig& config, const std::string& device) {
  if (status.code() != absl::StatusCode::kResourceExhausted ||
      !absl::StrContains(status.message(), "out of memory")) {
    return status;
  }
  return absl::ResourceExhaustedError(absl::StrFormat(
      "%s with batch_size %d (eval_batch_size %d) on %s ran out of memory: %s. Try a smaller "
      "batch_size or eval_batch_size, bfloat16: true, or cache_frozen_prefix: true when the "
      "first stages learn nothing",
      model, config.batch_size, config.eval_batch_size, device, status.message()));
}

}  // namespace rwn
