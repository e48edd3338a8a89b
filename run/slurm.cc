#include "run/slurm.h"

#include <cstdio>
#include <filesystem>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/shell.h"
#include "core/status_macros.h"
#include "run/sweep_runner.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

// "0-3,5" style ranges of sorted indices.
std::string ArrayRanges(const std::vector<int>& indices) {
  std::vector<std::string> ranges;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    ranges.push_back(i == j ? absl::StrCat(indices[i]) : absl::StrCat(indices[i], "-", indices[j]));
    i = j + 1;
  }
  return absl::StrJoin(ranges, ",");
}

}  // namespace

absl::Status ValidateSlurmOptions(const SlurmOptions& options) {
  for (const auto& [flag, path] : {std::pair<const char*, std::string>{"rwn binary", options.rwn},
                                   {"--spec", options.spec_path},
                                   {"--out", options.out}}) {
    if (!fs::path(path).is_absolute()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " = \"", path, "\"; allowed: an absolute path (tasks run elsewhere)"));
    }
  }
  if (options.max_parallel < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_parallel=", options.max_parallel, "; allowed: >= 0 (0 = no limit)"));
  }
  if (options.cpus_per_task < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cpus_per_task=", options.cpus_per_task, "; allowed: >= 1"));
  }
  static const std::regex kTime(R"(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+(:\d{2}(:\d{2})?)?)");
  if (!options.time.empty() && !std::regex_match(options.time, kTime)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--time=", options.time,
                     "; allowed: minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]] (sbatch's forms)"));
  }
  static const std::regex kPartition("[A-Za-z0-9_.-]*");
  if (!std::regex_match(options.partition, kPartition)) {
    return absl::InvalidArgumentError(absl::StrCat("--partition=", options.partition,
                                                   "; allowed: letters, digits, '.', '_', '-'"));
  }
  return absl::OkStatus();
}

std::string SlurmScript(const std::vector<SweepPoint>& points, const std::vector<int>& indices,
                        const SlurmOptions& options) {
  const std::string sweep = points.empty() ? "sweep" : points[0].spec.sweep().name();
  std::string array = ArrayRanges(indices);
  if (options.max_parallel > 0) absl::StrAppend(&array, "%", options.max_parallel);
  std::string script =
      absl::StrCat("#!/bin/bash\n", "# rwn sweep ", options.spec_path, ": ", indices.size(), " of ",
                   points.size(), " points, one array task each.\n", "#SBATCH --job-name=rwn-",
                   sweep, "\n", "#SBATCH --array=", array, "\n",
                   "#SBATCH --cpus-per-task=", options.cpus_per_task, "\n", "#SBATCH --ntasks=1\n",
                   "#SBATCH --output=", SweepLogDir(points, options.out), "/point-%a.log\n");
  if (!options.partition.empty())
    absl::StrAppend(&script, "#SBATCH --partition=", options.partition, "\n");
  if (!options.time.empty()) absl::StrAppend(&script, "#SBATCH --time=", options.time, "\n");
  absl::StrAppend(&script, "exec ", ShellQuote(options.rwn),
                  " sweep --spec=", ShellQuote(options.spec_path),
                  " --point=\"$SLURM_ARRAY_TASK_ID\" --out=", ShellQuote(options.out),
                  " --threads=", options.cpus_per_task, " --quiet");
  for (const std::string& flag : options.task_flags)
    absl::StrAppend(&script, " ", ShellQuote(flag));
  absl::StrAppend(&script, "\n");
  return script;
}

absl::StatusOr<std::string> SubmitSlurm(const std::vector<SweepPoint>& points,
                                        const std::vector<int>& indices,
                                        const SlurmOptions& options) {
  RETURN_IF_ERROR(ValidateSlurmOptions(options));
  const std::string logs = SweepLogDir(points, options.out);
  std::error_code error;
  fs::create_directories(logs, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(logs, ": cannot create the log folder: ", error.message()));
  }
  const std::string script_path = logs + "/sweep.sbatch";
  RETURN_IF_ERROR(WriteFileAtomically(script_path, SlurmScript(points, indices, options)));
  auto [code, output] = RunShell(absl::StrCat("sbatch --parsable ", ShellQuote(script_path)));
  const std::string trimmed(absl::StripAsciiWhitespace(output));
  // --parsable prints "<job id>" or "<job id>;<cluster>".
  const std::string job = std::string(*absl::StrSplit(trimmed, ';').begin());
  int64_t number = 0;
  if (code != 0 || !absl::SimpleAtoi(job, &number)) {
    return absl::UnavailableError(absl::StrCat(
        "sbatch did not take ", script_path, " (exit code ", code,
        code == 127 ? "; is Slurm installed, and sbatch on PATH?" : "", "): ", trimmed));
  }
  RETURN_IF_ERROR(WriteFileAtomically(logs + "/slurm_job", job + "\n"));
  return job;
}

std::map<int, std::string> SlurmQueue(const std::vector<SweepPoint>& points,
                                      const std::string& out) {
  std::map<int, std::string> queued;
  absl::StatusOr<std::string> job = ReadFile(SweepLogDir(points, out) + "/slurm_job");
  if (!job.ok()) return queued;
  auto [code, output] = RunShell(absl::StrCat(
      "squeue -h -r -o '%K %T' -j ", ShellQuote(std::string(absl::StripAsciiWhitespace(*job)))));
  if (code != 0) return queued;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int index = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &index)) continue;
    queued[index] = fields[1] == "PENDING" ? "pending" : "running";
  }
  return queued;
}

}  // namespace rwn
