// rwn export: a trained run as safetensors, whole (a PyTorch model) or as a
// delta of its learned entries; or a delta expanded back (export/export.h).
#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/shared_flags.h"
#include "export/export.h"
#include "run/load.h"
#include "torch_support/runtime.h"

DEFINE_string(format, "whole",
              "export: whole (every weight, a PyTorch model) or delta (the learned entries)");
DEFINE_string(delta, "", "export: a delta file to expand into the whole model");

namespace rwn::cli {
namespace {

int Export(const std::vector<std::string>&) {
  InitRuntime(FLAGS_threads);
  if (gflags::GetCommandLineFlagInfoOrDie("out").is_default ||
      FLAGS_run.empty() == FLAGS_delta.empty()) {
    return Fail(absl::InvalidArgumentError(
        "export needs --run=DIR --out=F.safetensors [--format=whole|delta], or "
        "--delta=D.safetensors --out=F.safetensors"));
  }
  if (!FLAGS_delta.empty()) {
    if (absl::Status expanded = ExpandDelta(FLAGS_delta, FLAGS_out); !expanded.ok()) {
      return Fail(expanded);
    }
    std::printf("%s: the whole model of delta %s\n", FLAGS_out.c_str(), FLAGS_delta.c_str());
    return 0;
  }
  if (FLAGS_format != "whole" && FLAGS_format != "delta") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--format=", FLAGS_format, "; allowed: whole, delta")));
  }
  absl::StatusOr<LoadedRun> run = LoadRun(FLAGS_run);
  if (!run.ok()) return Fail(run.status());
  const absl::Status written =
      FLAGS_format == "whole" ? ExportWhole(*run, FLAGS_out) : ExportDelta(*run, FLAGS_out);
  if (!written.ok()) return Fail(written);
  std::printf("%s: %s of %s after %d epochs (%s)\n", FLAGS_out.c_str(),
              FLAGS_format == "whole" ? "every weight" : "the learned entries",
              run->spec.name().c_str(), run->epochs, run->network->description.c_str());
  return 0;
}

}  // namespace

const Command kExport{
    "export",
    "  rwn export --run=DIR --out=F.safetensors [--format=whole|delta]\n"
    "  rwn export --delta=D.safetensors --out=F.safetensors\n"
    "      whole: every parameter and buffer of the trained run, named as rwn's\n"
    "      PyTorch definitions name them (tools/pytorch/rwn_models.py:\n"
    "      rwn_models.load(\"F.safetensors\") is the nn.Module). delta: only the\n"
    "      learned entries, the BN statistics and the spec (kilobytes);\n"
    "      --delta expands one into the whole model.\n",
    __FILE__,
    {"run", "out", "format", "delta", "threads"},
    Export};

}  // namespace rwn::cli
