// One training step (forward, backward, SGD update) per iteration, on random
// 3x32x32 input, for the paper's small CIFAR models under different learn
// plans, at batch 64 and 128. items/s is images per second.
//
//   bazel run //bench:train_step_benchmark -- --markdown=$PWD/bench/train_step.md
//
// (.bazelrc already compiles with -O2.) --markdown=F also writes the results
// as Markdown tables: img/s, the cost of a step in forward passes of the
// same model and batch, and the speed-up over learning everything.
//
// Configurations: all learned; BN only; fc only; the last block (block3, and
// fc); 10% of filters on the fast (split conv) path, on the dense masked
// path, and with the fixed part zeroed; all learned with channels-last
// layout and with bfloat16 autocast; and a forward pass alone.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/step.h"
#include "core/runtime.h"

namespace rwn {
namespace {

void Measure(benchmark::State& state, const std::string& model_text, const StepConfig& config) {
  TrainStep step(model_text, config, state.range(0));
  for (auto _ : state) step.Run();
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["learned_fraction"] = step.learned_fraction();
}

// The console output, and the same results as Markdown tables (one per batch
// size) in the file given by --markdown.
class MarkdownReporter : public benchmark::ConsoleReporter {
 public:
  explicit MarkdownReporter(std::string path) : path_(std::move(path)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      // train_step/<model>/<config>/<batch>/real_time
      std::vector<std::string> parts = absl::StrSplit(run.benchmark_name(), '/');
      if (parts.size() < 4) continue;
      auto rate = run.counters.find("items_per_second");
      if (rate == run.counters.end()) continue;
      results_[std::stoi(parts[3])][parts[1]][parts[2]] = rate->second.value;
      if (std::find(models_.begin(), models_.end(), parts[1]) == models_.end()) {
        models_.push_back(parts[1]);
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    if (path_.empty()) return;
    std::string out;
    for (const auto& [batch, by_model] : results_) {
      absl::StrAppend(&out, "\n### Batch ", batch, "\n\n",
                      "| model | configuration | img/s | step cost in forward passes | speed-up over all learned |\n"
                      "|---|---|---:|---:|---:|\n");
      for (const std::string& model : models_) {
        auto found = by_model.find(model);
        if (found == by_model.end()) continue;
        const auto& rates = found->second;
        for (const StepConfig& config : StepConfigs()) {
          auto rate = rates.find(config.name);
          if (rate == rates.end()) continue;
          auto ratio = [&](const char* other, bool inverse) -> std::string {
            auto it = rates.find(other);
            if (it == rates.end()) return "–";
            return absl::StrFormat("%.2f", inverse ? it->second / rate->second : rate->second / it->second);
          };
          absl::StrAppend(&out, "| ", model, " | ", config.name, " | ",
                          absl::StrFormat("%.0f", rate->second), " | ",
                          ratio("forward_only", true), " | ", ratio("all_learned", false), " |\n");
        }
      }
    }
    std::ofstream(path_) << out;
  }

 private:
  std::string path_;
  std::map<int, std::map<std::string, std::map<std::string, double>>> results_;
  std::vector<std::string> models_;
};

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  const int threads = rwn::InitRuntime(/*threads=*/0);
  std::string markdown;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--markdown=", 0) == 0) {
      markdown = std::string(argv[i]).substr(11);
      std::copy(argv + i + 1, argv + argc, argv + i);
      --argc;
      break;
    }
  }
  for (const auto& [model, text] : rwn::StepModels()) {
    for (const rwn::StepConfig& config : rwn::StepConfigs()) {
      const std::string spec = text;
      benchmark::RegisterBenchmark(
          (std::string("train_step/") + model + "/" + config.name).c_str(),
          [spec, config](benchmark::State& state) { rwn::Measure(state, spec, config); })
          ->Arg(64)
          ->Arg(128)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  std::fprintf(stderr, "libtorch threads: %d\n", threads);
  rwn::MarkdownReporter reporter(markdown);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
