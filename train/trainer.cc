#include "train/trainer.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <chrono>

#include "core/status_macros.h"
#include "core/torch_status.h"
#include "datasets/loader.h"
#include "datasets/prefetcher.h"

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

// CPU autocast to bfloat16 for the guard's lifetime.
class BFloat16Autocast {
 public:
  BFloat16Autocast() : was_enabled_(at::autocast::is_cpu_enabled()) {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  ~BFloat16Autocast() {
    at::autocast::set_cpu_enabled(was_enabled_);
    at::autocast::clear_cache();
  }

 private:
  bool was_enabled_;
};

}  // namespace

torch::Tensor Forward(Network& network, torch::Tensor images, const ComputeOptions& compute) {
  if (compute.channels_last && images.dim() == 4) {
    images = images.contiguous(at::MemoryFormat::ChannelsLast);
  }
  if (!compute.bfloat16) return network.forward(images);
  BFloat16Autocast autocast;
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
  while (loader.Next(&batch)) {
    torch::Tensor logits = Forward(network, batch.images, compute);
    loss += torch::nn::functional::cross_entropy(
                logits, batch.labels,
                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    top1 += CorrectTopK(logits, batch.labels, 1);
    top5 += CorrectTopK(logits, batch.labels, 5);
  }
  const double n = static_cast<double>(loader.size());
  return EvalResult{loss / n, top1 / n, top5 / n};
}

at::Tensor Predict(Network& network, const Dataset& dataset, const Split& split,
                   int64_t batch_size, const ComputeOptions& compute) {
  c10::InferenceMode inference;
  network.module->eval();
  BatchLoader loader(split, dataset.mean, dataset.std, batch_size, /*shuffle=*/false, 0);
  Batch batch;
  std::vector<torch::Tensor> parts;
  while (loader.Next(&batch)) parts.push_back(torch::softmax(Forward(network, batch.images, compute), 1));
  return torch::cat(parts);
}

absl::Status Train(Network& network, const Dataset& dataset, Optimizer& optimizer,
                   const Schedule* schedule, const TrainConfig& config, Progress* progress,
                   const std::function<absl::Status(const EpochMetrics&)>& on_epoch) {
  return GuardTorch("training", [&]() -> absl::Status {
    if (config.start_epoch == 0) torch::manual_seed(config.seed);  // dropout
    BatchLoader loader(dataset.train, dataset.mean, dataset.std, config.batch_size,
                       /*shuffle=*/true, config.seed,
                       config.augment ? dataset.augmentation : Augmentation());
    Prefetcher batches(&loader);
    for (int64_t epoch = config.start_epoch; epoch < config.epochs; ++epoch) {
      const double lr = optimizer.base_lr() * (schedule ? schedule->Factor(epoch) : 1.0);
      const auto start = std::chrono::steady_clock::now();
      if (progress) progress->StartEpoch(epoch, config.epochs, loader.num_batches());
      network.module->train();
      batches.Start(epoch);
      Batch batch;
      double loss_sum = 0;
      int64_t seen = 0, correct = 0, index = 0;
      while (batches.Next(&batch)) {
        optimizer.ZeroGrad();
        torch::Tensor logits = Forward(network, batch.images, config.compute);
        torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels);
        loss.backward();
        optimizer.Step(lr);
        const int64_t count = batch.labels.size(0);
        loss_sum += loss.item<double>() * count;
        correct += CorrectTopK(logits.detach(), batch.labels, 1);
        seen += count;
        ++index;
        if (progress) progress->Batch(index, seen / Seconds(start), loss_sum / seen);
      }
      const double train_seconds = Seconds(start);
      const auto eval_start = std::chrono::steady_clock::now();
      const EvalResult test = Evaluate(network, dataset, dataset.test, config.eval_batch_size, config.compute);
      EpochMetrics metrics;
      metrics.set_epoch(static_cast<int32_t>(epoch + 1));
      metrics.set_lr(lr);
      metrics.set_train_loss(loss_sum / seen);
      metrics.set_train_top1(static_cast<double>(correct) / seen);
      metrics.set_test_loss(test.loss);
      metrics.set_test_top1(test.top1);
      metrics.set_test_top5(test.top5);
      metrics.set_epoch_seconds(train_seconds);
      metrics.set_images_per_second(seen / train_seconds);
      if (dataset.validation.size() > 0) {
        const EvalResult validation =
            Evaluate(network, dataset, dataset.validation, config.eval_batch_size, config.compute);
        metrics.set_val_loss(validation.loss);
        metrics.set_val_top1(validation.top1);
        metrics.set_val_top5(validation.top5);
      }
      metrics.set_eval_seconds(Seconds(eval_start));
      if (progress) progress->EndEpoch(metrics, config.epochs);
      RETURN_IF_ERROR(on_epoch(metrics));
    }
    return absl::OkStatus();
  });
}

}  // namespace rwn
