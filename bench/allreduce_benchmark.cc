// All-reduce cost per training step of data-parallel training (2 ranks on
// this machine, c10d Gloo over loopback): the gradients of the learned
// tensors of WRN-16-4 on CIFAR-shaped input, all-reduced as the trainer does
// (flat buckets of 25 MB). Bytes per step fall with the learned fraction.
//
//   bazel run //bench:allreduce_benchmark
//
// The process forks itself into rank 1 (its output discarded); both ranks
// run the same benchmarks with a fixed iteration count, so their collectives
// pair up.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "core/secret.h"
#include "core/text_proto.h"
#include "models/model.h"
#include "models/model.pb.h"
#include "run/launch.h"
#include "selectors/plan.h"
#include "torch_support/runtime.h"
#include "train/distributed.h"

namespace rwn {
namespace {

std::unique_ptr<Communicator> ranks;

struct Config {
  const char* name;
  const char* learn;  // LearnSpec text; nullptr: everything
};

const Config kConfigs[] = {
    {"all_learned", nullptr},
    {"filters_0.7", "selector { filter_fraction { fraction: 0.7 } }"},
    {"filters_0.4", "selector { filter_fraction { fraction: 0.4 } }"},
    {"filters_0.1", "selector { filter_fraction { fraction: 0.1 } }"},
    {"fc_and_bn", "selector { layer_group { group: \"fc\" } }"},
};

void AllReduce(benchmark::State& state, const Config& config) {
  ModelSpec model;
  if (!ParseTextProto("wide_resnet { depth: 16 widen_factor: 4 }", "model", &model).ok()) {
    state.SkipWithError("bad model");
    return;
  }
  std::shared_ptr<Network> network =
      *ModelRegistry::Global().CreateFromOneof(model, ModelContext{3, 32, 32, 10, 1});
  LearnSpec learn;
  if (config.learn && !ParseTextProto(config.learn, "learn", &learn).ok()) {
    state.SkipWithError("bad learn spec");
    return;
  }
  LearnPlan plan = *BuildPlan(config.learn ? &learn : nullptr, *network, 1);
  auto learned = ApplyPlan(plan, ApplyOptions{}, network.get());
  std::vector<torch::Tensor> grads;
  int64_t params = 0;
  for (const LearnedTensor& t : *learned) {
    grads.push_back(torch::randn_like(t.tensor));
    params += t.tensor.numel();
  }
  const int64_t bytes_before = ranks->reduced_bytes();
  const int64_t calls_before = ranks->reduce_calls();
  for (auto _ : state) {
    if (!ranks->AllReduceMean(grads).ok()) {
      state.SkipWithError("all-reduce failed");
      return;
    }
  }
  const double steps = static_cast<double>(state.iterations());
  state.counters["MB_per_step"] = (ranks->reduced_bytes() - bytes_before) / steps / 1e6;
  state.counters["calls_per_step"] = (ranks->reduce_calls() - calls_before) / steps;
  state.counters["learned_M"] = params / 1e6;  // entries of the learned tensors
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  rwn::DistributedOptions options;
  options.world_size = 2;
  auto port = rwn::FreePort();
  if (!port.ok()) {
    std::fprintf(stderr, "%s\n", std::string(port.status().message()).c_str());
    return 1;
  }
  options.master_port = *port;
  options.timeout = std::chrono::seconds(60);
  auto secret = rwn::NewSecret();  // made before the fork: both ranks hold it
  if (!secret.ok()) return 1;
  options.secret = *secret;
  const pid_t child = fork();
  options.rank = child == 0 ? 1 : 0;
  if (child == 0) std::freopen("/dev/null", "w", stdout);
  rwn::InitRuntime(/*threads=*/1);  // one core per rank
  auto connected = rwn::Communicator::Connect(options);
  if (!connected.ok()) {
    std::fprintf(stderr, "rank %d: %s\n", options.rank,
                 std::string(connected.status().message()).c_str());
    return 1;
  }
  rwn::ranks = std::move(*connected);
  for (const rwn::Config& config : rwn::kConfigs) {
    benchmark::RegisterBenchmark(
        (std::string("AllReduce/wrn-16-4/") + config.name).c_str(),
        [&config](benchmark::State& state) { rwn::AllReduce(state, config); })
        ->Iterations(20)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  rwn::ranks.reset();
  if (child > 0) {
    int status = 0;
    waitpid(child, &status, 0);
  }
  return 0;
}
