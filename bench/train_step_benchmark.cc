// One training step (forward, backward, SGD update) per iteration, on random
// 3x32x32 input, for the paper's small CIFAR models under different learn
// plans, at batch 64 and 128. items/s is images per second.
//
//   bench/train_step.sh     (every benchmark in its own process, as measured)
//
// (.bazelrc already compiles with -O2.) --markdown=F also writes the results
// as Markdown tables: img/s, the cost of a step in forward passes of the
// same model and batch, and the speed-up over learning everything.
// --isolate=true runs each benchmark in a process of its own.
//
// Configurations: all learned; BN only; fc only; the last block (block3, and
// fc); 10% of filters on the fast (split conv) path, on the dense masked
// path, and with the fixed part zeroed; all learned with channels-last
// layout and with bfloat16 autocast; and a forward pass alone.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/step.h"
#include "torch_support/runtime.h"

namespace rwn {
namespace {

void Measure(benchmark::State& state, const std::string& model_text, const StepConfig& config) {
  TrainStep step(model_text, config, state.range(0));
  for (auto _ : state) step.Run();
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["learned_fraction"] = step.learned_fraction();
}

// Results by batch, model and configuration: img/s.
struct Results {
  std::map<int, std::map<std::string, std::map<std::string, double>>> rates;

  // `name`: train_step/<model>/<config>/<batch>/real_time.
  void Add(const std::string& name, double images_per_second) {
    std::vector<std::string> parts = absl::StrSplit(name, '/');
    if (parts.size() >= 4) rates[std::stoi(parts[3])][parts[1]][parts[2]] = images_per_second;
  }

  std::string Markdown() const {
    std::string out;
    for (const auto& [batch, by_model] : rates) {
      absl::StrAppend(&out, "\n### Batch ", batch, "\n\n",
                      "| model | configuration | img/s | step cost in forward passes | speed-up "
                      "over all learned |\n"
                      "|---|---|---:|---:|---:|\n");
      for (const auto& [model, text] : StepModels()) {
        auto found = by_model.find(model);
        if (found == by_model.end()) continue;
        const auto& by_config = found->second;
        for (const StepConfig& config : StepConfigs()) {
          auto rate = by_config.find(config.name);
          if (rate == by_config.end()) continue;
          // Against the forward pass and the all-learned step in the same layout.
          const std::string layout =
              absl::EndsWith(config.name, kChannelsLast) ? kChannelsLast : "";
          auto ratio = [&](const std::string& other, bool inverse) -> std::string {
            auto it = by_config.find(other + layout);
            if (it == by_config.end()) return "–";
            return absl::StrFormat("%.2f",
                                   inverse ? it->second / rate->second : rate->second / it->second);
          };
          absl::StrAppend(&out, "| ", model, " | ", config.name, " | ",
                          absl::StrFormat("%.0f", rate->second), " | ", ratio("forward_only", true),
                          " | ", ratio("all_learned", false), " |\n");
        }
      }
    }
    return out;
  }
};

// The console output; each result is also appended to --result_file as
// "<name> <img/s>".
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  explicit RecordingReporter(std::string path) : path_(std::move(path)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      auto rate = run.counters.find("items_per_second");
      if (rate == run.counters.end()) continue;
      results.Add(run.benchmark_name(), rate->second.value);
      if (!path_.empty()) {
        std::ofstream(path_, std::ios::app)
            << run.benchmark_name() << " " << rate->second.value << "\n";
      }
    }
  }

  Results results;

 private:
  std::string path_;
};

// Takes --name=value out of argv.
std::string TakeFlag(int* argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < *argc; ++i) {
    if (std::string(argv[i]).rfind(prefix, 0) == 0) {
      std::string value = std::string(argv[i]).substr(prefix.size());
      std::copy(argv + i + 1, argv + *argc, argv + i);
      --*argc;
      return value;
    }
  }
  return "";
}

}  // namespace
}  // namespace rwn

int main(int argc, char** argv) {
  const int threads = rwn::InitRuntime(/*threads=*/0);
  const std::string markdown = rwn::TakeFlag(&argc, argv, "markdown");
  const std::string result_file = rwn::TakeFlag(&argc, argv, "result_file");
  const bool isolate = rwn::TakeFlag(&argc, argv, "isolate") == "true";
  std::vector<std::string> names;
  for (const auto& [model, text] : rwn::StepModels()) {
    for (const rwn::StepConfig& config : rwn::StepConfigs()) {
      const std::string spec = text;
      const std::string name = std::string("train_step/") + model + "/" + config.name;
      for (int batch : {64, 128}) names.push_back(absl::StrCat(name, "/", batch, "/real_time"));
      benchmark::RegisterBenchmark(
          name.c_str(),
          [spec, config](benchmark::State& state) { rwn::Measure(state, spec, config); })
          ->Arg(64)
          ->Arg(128)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  if (isolate) {
    // One process per benchmark, as a training run is one process: in one
    // process, each benchmark inherits the heap the previous ones shaped,
    // which made some steps up to 1.6x slower than in a fresh process.
    const std::string filter = rwn::TakeFlag(&argc, argv, "benchmark_filter");
    std::string passed;
    for (int i = 1; i < argc; ++i) absl::StrAppend(&passed, " '", argv[i], "'");
    const std::string results =
        markdown.empty() ? "/tmp/rwn-train-step.results" : markdown + ".results";
    std::remove(results.c_str());
    for (const std::string& name : names) {
      if (!filter.empty() && !std::regex_search(name, std::regex(filter))) continue;
      const std::string command =
          absl::StrCat("'", std::filesystem::read_symlink("/proc/self/exe").string(),
                       "' '--benchmark_filter=^", name, "$' '--result_file=", results, "'", passed);
      if (std::system(command.c_str()) != 0) return 1;
    }
    rwn::Results all;
    std::ifstream in(results);
    std::string name;
    double rate;
    while (in >> name >> rate) all.Add(name, rate);
    if (!markdown.empty()) std::ofstream(markdown) << all.Markdown();
    std::remove(results.c_str());
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  std::fprintf(stderr, "libtorch threads: %d\n", threads);
  rwn::RecordingReporter reporter(result_file);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (!markdown.empty()) std::ofstream(markdown) << reporter.results.Markdown();
  return 0;
}
