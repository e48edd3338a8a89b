// gpu_check: the C++ half of rwn's GPU check (tools/gpu/check.sh runs it).
//   gpu_check --device=cuda [--speed=false]   Markdown tables; exit 1 on a failed check
//   gpu_check --compare=A.rwn,B.rwn           exit 0 when the two checkpoints hold the
//                                             same learned tensors, buffers, optimizer
//                                             state and generators, bit for bit
// Speed: img/s of the paper's two largest CIFAR models per learn
// configuration. Correctness: fixed weights stay bit-identical through
// training, on the split-conv and the dense-mask path; the two paths compute
// the same network.
#include <gflags/gflags.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/text_proto.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "run/build.h"
#include "selectors/plan.h"
#include "torch_support/runtime.h"
#include "train/checkpoint.h"
#include "train/device.h"
#include "train/trainer.h"

DEFINE_string(device, "cuda", "cpu, cuda, cuda:N or auto");
DEFINE_bool(speed, true, "measure img/s of WRN-28-10 and DenseNet-BC-100-12");
DEFINE_int32(batch, 128, "batch size of the speed rows");
DEFINE_int32(steps, 20, "timed steps per speed row (after 3 warm-up steps)");
DEFINE_string(speed_rows, "",
              "only the speed rows whose model or configuration contains this text "
              "(e.g. DenseNet, \"dense mask\"); empty: every row");
DEFINE_string(check_model, "wide_resnet { depth: 16 widen_factor: 4 }",
              "the model of the correctness rows");
DEFINE_int32(check_batch, 128, "batch size of the correctness rows");
DEFINE_int32(fixed_steps, 50, "training steps before the fixed weights are compared");
DEFINE_string(compare, "", "A,B: compare two checkpoint files instead");
DEFINE_int32(threads, 0, "libtorch threads; 0 = every core");

namespace rwn {
namespace {

// A built network and optimizer with one random batch on the device.
struct Rig {
  BuiltRun run;
  torch::Tensor x, y;
  ComputeOptions compute;
};

Rig MakeRig(const std::string& model, const std::string& learn, const std::string& device,
            int64_t batch, ComputeOptions compute = {}) {
  const std::string text = absl::StrCat(
      "seed: 1 model { ", model, " } learn { ", learn, " } ",
      "dataset { synthetic { train_size: 2 test_size: 2 channels: 3 size: 32 num_classes: 10 } } ",
      "optimizer { sgd { lr: 0.05 momentum: 0.9 } }");
  ExperimentSpec spec;
  absl::Status parsed = ParseTextProto(text, "check spec", &spec);
  absl::StatusOr<BuiltRun> run = parsed.ok() ? BuildRun(spec, {nullptr, "", device}) : parsed;
  if (!run.ok()) {
    std::fprintf(stderr, "gpu_check: %s: %s\n", text.c_str(), run.status().ToString().c_str());
    std::exit(2);
  }
  Rig rig{std::move(*run), {}, {}, compute};
  if (compute.channels_last) UseChannelsLast(rig.run.network.get());
  torch::manual_seed(2);
  rig.x = torch::randn({batch, 3, 32, 32}).to(device);
  rig.y = torch::randint(10, {batch}, torch::kInt64).to(device);
  return rig;
}

// One SGD step (or, with `train` false, a forward pass); returns the loss.
torch::Tensor Step(Rig& rig, bool train) {
  if (!train) {
    c10::InferenceMode inference;
    return Forward(*rig.run.network, rig.x, rig.compute).sum();
  }
  rig.run.network->module->train();
  rig.run.optimizer->ZeroGrad();
  torch::Tensor loss =
      torch::nn::functional::cross_entropy(Forward(*rig.run.network, rig.x, rig.compute), rig.y);
  loss.backward();
  rig.run.optimizer->Step(0.05);
  return loss.detach();
}

// Images per second over FLAGS_steps steps; reading the last loss waits for
// the device.
double ImagesPerSecond(Rig& rig, bool train) {
  for (int i = 0; i < 3; ++i) Step(rig, train).item<float>();
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor loss;
  for (int i = 0; i < FLAGS_steps; ++i) loss = Step(rig, train);
  loss.item<float>();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return FLAGS_steps * rig.x.size(0) / seconds;
}

struct SpeedRow {
  const char* name;
  const char* learn;
  bool train;
  ComputeOptions compute;
};

void PrintSpeed(const std::string& device) {
  const std::vector<std::pair<const char*, const char*>> models = {
      {"WRN-28-10", "wide_resnet { depth: 28 widen_factor: 10 }"},
      {"DenseNet-BC-100-12", "densenet { depth: 100 growth_rate: 12 }"}};
  const char* kTenth = "selector { filter_fraction { fraction: 0.1 } }";
  // An empty learn block learns BN and fc alone (its also_learn defaults).
  const char* kAll = "selector { filter_fraction { fraction: 1.0 } }";
  const std::vector<SpeedRow> rows = {
      {"all learned", kAll, true, {}},
      {"10% of filters, fixed random", kTenth, true, {}},
      {"10% of filters, fixed random, dense mask",
       "selector { filter_fraction { fraction: 0.1 } } dense_mask: true",
       true,
       {}},
      {"10% of filters, fixed zero",
       "selector { filter_fraction { fraction: 0.1 } } fixed: ZERO",
       true,
       {}},
      {"BN only", "also_learn_classifier: false", true, {}},
      {"fc only", "also_learn_batchnorm: false", true, {}},
      {"forward only", "", false, {}},
      {"all learned, bfloat16 + channels-last", kAll, true, {true, true}}};
  std::printf("\n| model | configuration | img/s (batch %d) |\n|---|---|---:|\n", FLAGS_batch);
  for (const auto& [name, model] : models) {
    for (const SpeedRow& row : rows) {
      const std::string label = absl::StrCat(name, " | ", row.name);
      if (!FLAGS_speed_rows.empty() && !absl::StrContains(label, FLAGS_speed_rows)) continue;
      Rig rig = MakeRig(model, row.learn, device, FLAGS_batch, row.compute);
      std::printf("| %s | %.0f |\n", label.c_str(), ImagesPerSecond(rig, row.train));
      std::fflush(stdout);
    }
  }
}

// The current value of every layer's weight and bias, by parameter name
// (split convs as whole tensors).
std::map<std::string, torch::Tensor> Snapshot(const Network& network) {
  std::map<std::string, torch::Tensor> values;
  for (const Layer& layer : network.layers) {
    for (const std::string& name : {layer.weight, layer.bias}) {
      if (!name.empty()) values[name] = CurrentValue(network, name).detach().clone();
    }
  }
  return values;
}

// Which entries of each parameter are learned: the dense-mask path's masks
// (the same plan as the split path's, drawn from the same seed); a parameter
// learned whole has no mask, one not learned is absent.
std::map<std::string, torch::Tensor> LearnedEntries(const Rig& masked) {
  std::map<std::string, torch::Tensor> learned;
  for (const LearnedTensor& tensor : masked.run.optimizer->params()) {
    learned[tensor.name] =
        tensor.mask.defined() ? tensor.mask : torch::ones_like(tensor.tensor, torch::kBool);
  }
  return learned;
}

// Trains `rig` and counts its fixed entries that changed, and those compared.
std::pair<int64_t, int64_t> ChangedFixedEntries(
    Rig& rig, const std::map<std::string, torch::Tensor>& learned) {
  const std::map<std::string, torch::Tensor> before = Snapshot(*rig.run.network);
  for (int i = 0; i < FLAGS_fixed_steps; ++i) Step(rig, true);
  const std::map<std::string, torch::Tensor> after = Snapshot(*rig.run.network);
  int64_t changed = 0, compared = 0;
  for (const auto& [name, value] : before) {
    auto mask = learned.find(name);
    const torch::Tensor fixed =
        mask == learned.end() ? torch::ones_like(value, torch::kBool) : mask->second.logical_not();
    compared += fixed.sum().item<int64_t>();
    changed += after.at(name).ne(value).logical_and(fixed).sum().item<int64_t>();
  }
  return {changed, compared};
}

bool CheckFixedWeights(const std::string& device, bool dense_mask) {
  const std::string learn = "selector { filter_fraction { fraction: 0.1 } }";
  Rig masked = MakeRig(FLAGS_check_model, learn + " dense_mask: true", device, FLAGS_check_batch);
  const std::map<std::string, torch::Tensor> learned = LearnedEntries(masked);
  Rig split;
  if (!dense_mask) split = MakeRig(FLAGS_check_model, learn, device, FLAGS_check_batch);
  const auto [changed, compared] = ChangedFixedEntries(dense_mask ? masked : split, learned);
  std::printf(
      "| fixed weights after %d steps (%s path) | %s | %lld fixed entries, %lld changed |\n",
      FLAGS_fixed_steps, dense_mask ? "dense-mask" : "split-conv",
      changed == 0 && compared > 0 ? "pass" : "FAIL", static_cast<long long>(compared),
      static_cast<long long>(changed));
  return changed == 0 && compared > 0;
}

// The split-conv and dense-mask paths train the same network: their logits
// after 10 identical steps agree within 1e-3 of the logits' scale (TF32 off,
// so the GPU's float32 is float32).
bool CheckSplitEqualsMasked(const std::string& device) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const char* kLearn = "selector { filter_fraction { fraction: 0.1 } }";
  Rig split = MakeRig(FLAGS_check_model, kLearn, device, FLAGS_check_batch);
  Rig masked = MakeRig(FLAGS_check_model, absl::StrCat(kLearn, " dense_mask: true"), device,
                       FLAGS_check_batch);
  for (int i = 0; i < 10; ++i) {
    Step(split, true);
    Step(masked, true);
  }
  split.run.network->module->eval();
  masked.run.network->module->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor a = split.run.network->forward(split.x);
  const torch::Tensor b = masked.run.network->forward(masked.x);
  const double scale = a.abs().max().item<double>();
  const double difference = (a - b).abs().max().item<double>() / scale;
  at::globalContext().setAllowTF32CuDNN(true);
  const bool ok = difference <= 1e-3;
  std::printf(
      "| split-conv = dense-mask after 10 steps | %s | max logit difference %.2e of the "
      "largest logit (allowed 1e-3) |\n",
      ok ? "pass" : "FAIL", difference);
  return ok;
}

// The records of `a` and `b` that differ, by name ("learned/conv1.weight").
std::vector<std::string> DifferentRecords(
    const char* kind, const google::protobuf::RepeatedPtrField<TensorRecord>& a,
    const google::protobuf::RepeatedPtrField<TensorRecord>& b) {
  std::vector<std::string> different;
  if (a.size() != b.size()) different.push_back(absl::StrCat(kind, " (count)"));
  for (int i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].name() != b[i].name() || a[i].data() != b[i].data()) {
      different.push_back(absl::StrCat(kind, "/", a[i].name()));
    }
  }
  return different;
}

// Two checkpoints of the same spec: equal learned tensors, buffers, optimizer
// state, generators and per-epoch losses and accuracies.
int CompareCheckpoints(const std::string& pair) {
  const std::vector<std::string> paths = absl::StrSplit(pair, ',');
  if (paths.size() != 2) {
    std::fprintf(stderr, "gpu_check: --compare=%s; allowed: A.rwn,B.rwn\n", pair.c_str());
    return 2;
  }
  absl::StatusOr<Checkpoint> a = ReadCheckpoint(paths[0]), b = ReadCheckpoint(paths[1]);
  if (!a.ok() || !b.ok()) {
    std::fprintf(stderr, "gpu_check: %s\n", (a.ok() ? b : a).status().ToString().c_str());
    return 2;
  }
  std::vector<std::string> different = DifferentRecords("learned", a->learned(), b->learned());
  for (const std::string& name : DifferentRecords("buffer", a->buffers(), b->buffers()))
    different.push_back(name);
  for (const std::string& name : DifferentRecords("optimizer", a->optimizer(), b->optimizer()))
    different.push_back(name);
  if (a->torch_rng() != b->torch_rng()) different.push_back("cpu generator");
  if (a->device_rng().state() != b->device_rng().state()) different.push_back("gpu generator");
  for (int i = 0; i < std::min(a->history_size(), b->history_size()); ++i) {
    const EpochMetrics &x = a->history(i), &y = b->history(i);
    if (x.train_loss() != y.train_loss() || x.test_loss() != y.test_loss() ||
        x.test_top1() != y.test_top1()) {
      different.push_back(absl::StrCat("epoch ", i + 1, " metrics"));
    }
  }
  if (a->epoch() != b->epoch()) different.push_back("epochs completed");
  std::printf("%s: %d learned tensors, %d buffers, %d optimizer tensors, %d epochs\n",
              different.empty() ? "bit-identical" : "DIFFERENT", a->learned_size(),
              a->buffers_size(), a->optimizer_size(), a->epoch());
  for (const std::string& name : different) std::printf("  differs: %s\n", name.c_str());
  return different.empty() ? 0 : 1;
}

int Check() {
  absl::StatusOr<std::string> device = ResolveDevice(FLAGS_device);
  if (!device.ok()) {
    std::fprintf(stderr, "gpu_check: %s\n", std::string(device.status().message()).c_str());
    return 2;
  }
  ConfigureDeterminism(false, *device);
  std::printf("gpu_check on %s, libtorch %s\n", device->c_str(), TORCH_VERSION);
  if (FLAGS_speed) PrintSpeed(*device);
  std::printf("\n| check (%s, batch %d) | result | detail |\n|---|---|---|\n",
              FLAGS_check_model.c_str(), FLAGS_check_batch);
  bool ok = CheckFixedWeights(*device, false);
  ok = CheckFixedWeights(*device, true) && ok;
  ok = CheckSplitEqualsMasked(*device) && ok;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  rwn::InitRuntime(FLAGS_threads);
  if (FLAGS_compare.empty()) return rwn::Check();
  return rwn::CompareCheckpoints(FLAGS_compare);
}
