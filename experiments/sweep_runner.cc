#include "experiments/sweep_runner.h"

#include <fcntl.h>
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
#include "core/files.h"
#include "core/status_macros.h"
#include "experiments/experiment.h"
#include "google/protobuf/util/json_util.h"

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

double FinalTop1(const std::string& summary_path) {
  absl::StatusOr<std::string> json = ReadFile(summary_path);
  RunSummary summary;
  if (json.ok()) (void)google::protobuf::util::JsonStringToMessage(*json, &summary);
  return summary.final_test_top1();
}

}  // namespace

std::string SweepLogDir(const std::vector<SweepPoint>& points, const std::string& out) {
  return (fs::path(out) / ".sweep" / (points.empty() ? "sweep" : points[0].sweep_name)).string();
}

absl::Status WriteSweepPoints(const std::vector<SweepPoint>& points, const std::string& out) {
  if (points.empty()) return absl::OkStatus();
  const fs::path folder = fs::path(out) / points[0].sweep_name;
  std::error_code error;
  fs::create_directories(folder, error);
  std::string names;
  for (const SweepPoint& point : points) absl::StrAppend(&names, point.spec.name(), "\n");
  return WriteFileAtomically((folder / kSweepPointsFile).string(), names);
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
    const std::string dir = RunDir(point.spec, out);
    const std::string log = absl::StrCat(logs, "/point-", point.index, ".log");
    auto it = scheduled.find(point.index);
    if (fs::exists(dir + "/summary.json")) {
      status.state = PointStatus::kFinished;
      status.detail = absl::StrFormat("test top-1 %.2f%%", 100 * FinalTop1(dir + "/summary.json"));
    } else if (FileLock::IsHeld(dir + "/.lock")) {
      status.state = PointStatus::kRunning;
    } else if (it != scheduled.end()) {
      status.state = it->second == "running" ? PointStatus::kRunning : PointStatus::kPending;
    } else if (fs::exists(log) || fs::exists(dir)) {
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
  auto report = [&](const PointOutcome& o) {
    if (options.quiet) return;
    if (o.state == PointOutcome::kFailed) {
      std::fprintf(stderr, "[%d/%d done, %d failed] FAILED %s: %s\n", done, total, failed,
                   o.name.c_str(), o.reason.c_str());
    } else {
      std::fprintf(stderr, "[%d/%d done, %d failed] %s %s: test top-1 %.2f%%%s\n", done, total,
                   failed, o.state == PointOutcome::kAlreadyFinished ? "already finished" : "finished",
                   o.name.c_str(), 100 * o.test_top1,
                   o.state == PointOutcome::kFinished ? absl::StrCat(" (", static_cast<int>(o.seconds), " s)").c_str() : "");
    }
  };
  for (const SweepPoint& point : points) {
    PointOutcome& o = outcomes[point.index];
    o.index = point.index;
    o.name = point.spec.name();
    const std::string summary = RunDir(point.spec, options.out) + "/summary.json";
    if (fs::exists(summary)) {
      o.state = PointOutcome::kAlreadyFinished;
      o.test_top1 = FinalTop1(summary);
      ++done;
      report(o);
    } else {
      pending.push_back(point.index);
    }
  }
  const std::string logs = SweepLogDir(points, options.out);
  std::error_code error;
  RETURN_IF_ERROR(WriteSweepPoints(points, options.out));
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
      std::vector<std::string> argv = options.worker_command;
      argv.push_back("--spec=" + options.spec_path);
      argv.push_back(absl::StrCat("--point=", index));
      argv.push_back("--out=" + options.out);
      argv.push_back(absl::StrCat("--threads=", threads));
      argv.push_back("--quiet");
      const std::string log = absl::StrCat(logs, "/point-", index, ".log");
      const pid_t pid = fork();
      if (pid < 0) return absl::InternalError("cannot fork a sweep worker");
      if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
          dup2(fd, 1);
          dup2(fd, 2);
        }
        std::vector<char*> args;
        for (std::string& arg : argv) args.push_back(arg.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        std::fprintf(stderr, "cannot start %s\n", args[0]);
        _exit(127);
      }
      running[pid] = {index, std::chrono::steady_clock::now()};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) continue;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    PointOutcome& o = outcomes[it->second.index];
    o.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.start).count();
    const std::string summary = RunDir(points[o.index].spec, options.out) + "/summary.json";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(summary)) {
      o.state = PointOutcome::kFinished;
      o.test_top1 = FinalTop1(summary);
    } else {
      o.state = PointOutcome::kFailed;
      o.reason = LastLine(absl::StrCat(logs, "/point-", o.index, ".log"));
      if (WIFSIGNALED(status)) absl::StrAppend(&o.reason, " (killed by signal ", WTERMSIG(status), ")");
      ++failed;
    }
    ++done;
    running.erase(it);
    report(o);
  }
  return outcomes;
}

}  // namespace rwn
