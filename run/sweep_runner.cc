#include "run/sweep_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/exit_code.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/subprocess.h"
#include "run/run_folder.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

struct Running {
  int index;
  std::chrono::steady_clock::time_point start;
};

std::string LastLine(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return "no output";
  std::string last = "exited without a message";
  for (absl::string_view line : absl::StrSplit(*content, absl::ByAnyChar("\n\r"))) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) last = std::string(line);
  }
  return last;
}

double FinalTop1(const RunFolder& folder) {
  absl::StatusOr<RunSummary> summary = folder.ReadSummary();
  return summary.ok() ? summary->final_test_top1() : 0;
}

// Whether the ended run in `folder` diverged; `where` then says where.
bool Diverged(const RunFolder& folder, std::string* where) {
  absl::StatusOr<RunSummary> summary = folder.ReadSummary();
  if (!summary.ok() || summary->status() != RunSummary::DIVERGED) return false;
  const Divergence& d = summary->divergence();
  *where = absl::StrFormat("at epoch %d, step %d (loss %g, lr %g)", d.epoch(), d.step(), d.loss(),
                           d.lr());
  return true;
}

std::string PointLog(const std::string& logs, int index) {
  return absl::StrCat(logs, "/point-", index, ".log");
}

// The sweep's progress line after outcome `o`.
void Report(const PointOutcome& o, int done, int total, int failed) {
  if (o.state == PointOutcome::kFailed || o.state == PointOutcome::kDiverged) {
    std::fprintf(stderr, "[%d/%d done, %d failed] %s %s: %s\n", done, total, failed,
                 o.state == PointOutcome::kFailed ? "FAILED" : "DIVERGED", o.name.c_str(),
                 o.reason.c_str());
    return;
  }
  const bool already = o.state == PointOutcome::kAlreadyFinished;
  const std::string seconds = already ? "" : absl::StrCat(" (", static_cast<int>(o.seconds), " s)");
  std::fprintf(stderr, "[%d/%d done, %d failed] %s %s: test top-1 %.2f%%%s\n", done, total, failed,
               already ? "already finished" : "finished", o.name.c_str(), 100 * o.test_top1,
               seconds.c_str());
}

// A worker process for point `index`, its output into its log.
absl::StatusOr<pid_t> StartWorker(const SweepRunOptions& options, int index, int threads,
                                  const std::string& logs) {
  SpawnOptions spawn;
  spawn.argv = options.worker_command;
  spawn.argv.push_back("--spec=" + options.spec_path);
  spawn.argv.push_back(absl::StrCat("--point=", index));
  spawn.argv.push_back("--out=" + options.out);
  spawn.argv.push_back(absl::StrCat("--threads=", threads));
  spawn.argv.push_back("--quiet");
  spawn.output_file = PointLog(logs, index);
  return Spawn(spawn);
}

// The outcome of a worker that ended with waitpid status `status`.
void Finish(const SweepPoint& point, const SweepRunOptions& options, const std::string& logs,
            int status, PointOutcome* o) {
  const RunFolder folder = RunFolder::Of(point.spec, options.out);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitDiverged && folder.Finished() &&
      Diverged(folder, &o->reason)) {
    o->state = PointOutcome::kDiverged;
    return;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && folder.Finished()) {
    o->state = PointOutcome::kFinished;
    o->test_top1 = FinalTop1(folder);
    return;
  }
  o->state = PointOutcome::kFailed;
  o->reason = LastLine(PointLog(logs, o->index));
  if (WIFSIGNALED(status))
    absl::StrAppend(&o->reason, " (killed by signal ", WTERMSIG(status), ")");
}

}  // namespace

std::string SweepLogDir(const std::vector<SweepPoint>& points, const std::string& out) {
  return (fs::path(out) / ".sweep" / (points.empty() ? "sweep" : points[0].spec.sweep().name()))
      .string();
}

const char* PointStateName(PointStatus::State state) {
  switch (state) {
    case PointStatus::kFinished:
      return "finished";
    case PointStatus::kRunning:
      return "running";
    case PointStatus::kPending:
      return "pending";
    case PointStatus::kFailed:
      return "failed";
    case PointStatus::kDiverged:
      return "diverged";
    case PointStatus::kNotStarted:
      break;
  }
  return "not started";
}

std::vector<PointStatus> SweepStatus(const std::vector<SweepPoint>& points, const std::string& out,
                                     const std::map<int, std::string>& scheduled) {
  const std::string logs = SweepLogDir(points, out);
  std::vector<PointStatus> statuses;
  for (const SweepPoint& point : points) {
    PointStatus status;
    status.index = point.index;
    status.name = point.spec.name();
    const RunFolder folder = RunFolder::Of(point.spec, out);
    const std::string log = PointLog(logs, point.index);
    auto it = scheduled.find(point.index);
    if (folder.Finished() && Diverged(folder, &status.detail)) {
      status.state = PointStatus::kDiverged;
    } else if (folder.Finished()) {
      status.state = PointStatus::kFinished;
      status.detail = absl::StrFormat("test top-1 %.2f%%", 100 * FinalTop1(folder));
    } else if (folder.BeingTrained()) {
      status.state = PointStatus::kRunning;
    } else if (it != scheduled.end()) {
      status.state = it->second == "running" ? PointStatus::kRunning : PointStatus::kPending;
    } else if (fs::exists(log) || fs::exists(folder.dir())) {
      // Not finished and no longer held by anyone: it stopped.
      status.state = PointStatus::kFailed;
      status.detail = LastLine(log);
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

absl::StatusOr<std::vector<PointOutcome>> RunSweep(const std::vector<SweepPoint>& points,
                                                   const SweepRunOptions& options) {
  std::vector<PointOutcome> outcomes(points.size());
  std::deque<int> pending;
  int done = 0, failed = 0;
  const int total = static_cast<int>(points.size());
  for (const SweepPoint& point : points) {
    PointOutcome& o = outcomes[point.index];
    o.index = point.index;
    o.name = point.spec.name();
    const RunFolder folder = RunFolder::Of(point.spec, options.out);
    if (!folder.Finished()) {
      pending.push_back(point.index);
      continue;
    }
    o.state =
        Diverged(folder, &o.reason) ? PointOutcome::kDiverged : PointOutcome::kAlreadyFinished;
    o.test_top1 = FinalTop1(folder);
    ++done;
    if (!options.quiet) Report(o, done, total, failed);
  }
  const std::string logs = SweepLogDir(points, options.out);
  std::error_code error;
  if (!pending.empty()) fs::create_directories(logs, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(logs, ": cannot create the log folder: ", error.message()));
  }
  const int workers = std::max(1, options.workers);
  const int threads = std::max(1, options.cores / workers);
  std::map<pid_t, Running> running;
  while (!pending.empty() || !running.empty()) {
    while (!pending.empty() && static_cast<int>(running.size()) < workers) {
      const int index = pending.front();
      pending.pop_front();
      ASSIGN_OR_RETURN(const pid_t pid, StartWorker(options, index, threads, logs));
      running[pid] = {index, std::chrono::steady_clock::now()};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    auto it = running.find(pid);
    if (pid < 0 || it == running.end()) continue;
    PointOutcome& o = outcomes[it->second.index];
    o.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.start).count();
    Finish(points[o.index], options, logs, status, &o);
    failed += o.state == PointOutcome::kFailed;
    ++done;
    running.erase(it);
    if (!options.quiet) Report(o, done, total, failed);
  }
  return outcomes;
}

}  // namespace rwn
