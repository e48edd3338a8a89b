// Where a training step's time goes: runs a few steps of each configuration
// of one model under libtorch's profiler and prints the operators by self
// time (time in the operator minus time in operators it called), so the
// benchmark's ratios can be explained.
//
//   bazel run //bench:profile_step -- ResNet-20 128 all_learned filters10_fast bn_only
//
// Arguments: a model of bench/step.cc, the batch size, configuration names.
// ROWS=N in the environment prints the N slowest operators (default 12).
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "bench/step.h"
#include "torch_support/runtime.h"

namespace rwn {
namespace {

namespace profiler = torch::autograd::profiler;

// Self time in microseconds per operator name.
std::map<std::string, double> SelfTimes(const profiler::thread_event_lists& lists) {
  std::map<std::string, double> self;
  for (const auto& events : lists) {
    struct Open {
      const profiler::LegacyEvent* event;
      double children = 0;
    };
    std::vector<Open> stack;
    for (const profiler::LegacyEvent& event : events) {
      if (event.kind() == profiler::EventKind::PushRange) {
        stack.push_back({&event});
      } else if (event.kind() == profiler::EventKind::PopRange && !stack.empty()) {
        Open open = stack.back();
        stack.pop_back();
        const double total = open.event->cpuElapsedUs(event);
        self[open.event->name()] += total - open.children;
        if (!stack.empty()) stack.back().children += total;
      }
    }
  }
  return self;
}

void Profile(const std::string& model, const std::string& text, const StepConfig& config,
             int64_t batch, int rows) {
  TrainStep step(text, config, batch);
  for (int i = 0; i < 20; ++i) step.Run();  // warm-up: a fresh process is slow for its first steps
  const int steps = 3;
  profiler::enableProfilerLegacy(
      torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  for (int i = 0; i < steps; ++i) step.Run();
  const std::map<std::string, double> self = SelfTimes(profiler::disableProfilerLegacy());
  std::vector<std::pair<double, std::string>> sorted;
  double total = 0;
  for (const auto& [name, us] : self) {
    sorted.push_back({us, name});
    total += us;
  }
  std::sort(sorted.rbegin(), sorted.rend());
  std::printf("\n%s, %s, batch %lld: %.1f ms per step in operators\n", model.c_str(),
              config.name.c_str(), static_cast<long long>(batch), total / steps / 1000);
  std::printf("| operator | ms per step | share |\n|---|---:|---:|\n");
  for (size_t i = 0; i < std::min<size_t>(rows, sorted.size()); ++i) {
    std::printf("| %s | %.1f | %.0f%% |\n", sorted[i].second.c_str(),
                sorted[i].first / steps / 1000, 100 * sorted[i].first / total);
  }
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);
  if (argc < 4) {
    std::fprintf(stderr, "usage: profile_step MODEL BATCH CONFIG...\n");
    return 2;
  }
  const char* rows_text = std::getenv("ROWS");
  const int rows = rows_text ? std::atoi(rows_text) : 12;
  if (rows < 1) {
    std::fprintf(stderr, "profile_step: ROWS=%s; allowed: a whole number >= 1\n", rows_text);
    return 2;
  }
  const std::string model = argv[1];
  std::string text;
  for (const auto& [name, spec] : rwn::StepModels()) {
    if (name == model) text = spec;
  }
  if (text.empty()) {
    std::fprintf(
        stderr, "profile_step: unknown model %s; allowed: ResNet-20, WRN-16-4, DenseNet-BC-40-12\n",
        argv[1]);
    return 2;
  }
  for (int i = 3; i < argc; ++i) {
    bool found = false;
    for (const rwn::StepConfig& config : rwn::StepConfigs()) {
      if (config.name == argv[i]) {
        rwn::Profile(model, text, config, std::atoll(argv[2]), rows);
        found = true;
      }
    }
    if (!found) {
      std::fprintf(stderr, "profile_step: unknown configuration %s\n", argv[i]);
      return 2;
    }
  }
  return 0;
}
