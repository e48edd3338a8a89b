// rwn sweep: every point of a sweep, in local worker processes or as a
// Slurm job array; one point alone; or where the points stand.
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "cli/outcome.h"
#include "cli/shared_flags.h"
#include "core/exit_code.h"
#include "core/source_commit.h"
#include "core/text_proto.h"
#include "experiments/sweep.h"
#include "run/run.h"
#include "run/slurm.h"
#include "run/sweep_runner.h"
#include "torch_support/runtime.h"
#include "train/device.h"

DEFINE_int32(workers, 1, "points run at once, each in its own process");
DEFINE_int32(point, -1, "run only this point (0-based), in this process");
DEFINE_string(backend, "local", "local (worker processes here) or slurm (a job array via sbatch)");
DEFINE_bool(dry_run, false, "--backend=slurm: print the sbatch script instead of submitting it");
DEFINE_bool(status, false, "say which points are finished, diverged, running, pending or failed");
DEFINE_int32(max_parallel, 0, "--backend=slurm: array tasks running at once; 0 = no limit");
DEFINE_string(partition, "", "--backend=slurm: the partition; empty = the cluster's default");
DEFINE_string(time, "", "--backend=slurm: time limit per point, e.g. 04:00:00");
DEFINE_int32(cpus_per_task, 1, "--backend=slurm: cores (and threads) per point");

namespace rwn::cli {
namespace {

namespace fs = std::filesystem;

// --point=K: point K alone, in this process.
int RunPoint(const std::vector<SweepPoint>& points) {
  const int total = static_cast<int>(points.size());
  if (FLAGS_point < 0 || FLAGS_point >= total) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("--point=", FLAGS_point, "; allowed: 0 to ",
                                                total - 1, " (the sweep has ", total, " points)")));
  }
  RunOptions options;
  options.out = FLAGS_out;
  options.threads = InitRuntime(FLAGS_threads);
  options.quiet = FLAGS_quiet;
  options.checkpoint_every = FLAGS_checkpoint_every;
  options.log_every_n_steps = FLAGS_log_every_n_steps;
  options.commit = SourceCommit();
  absl::StatusOr<std::string> device = ResolveDevice(FLAGS_device);
  if (!device.ok()) return Fail(device.status());
  options.device = *device;
  options.deterministic = FLAGS_deterministic;
  return PrintOutcome(RunExperiment(points[FLAGS_point].spec, options));
}

// --status: one line per point, then the counts.
int PrintStatus(const std::vector<SweepPoint>& points) {
  std::map<std::string, int> counts;
  for (const PointStatus& s : SweepStatus(points, FLAGS_out, SlurmQueue(points, FLAGS_out))) {
    const char* state = PointStateName(s.state);
    ++counts[state];
    std::printf("%4d  %-11s %s%s%s\n", s.index, state, s.name.c_str(), s.detail.empty() ? "" : ": ",
                s.detail.c_str());
  }
  std::vector<std::string> parts;
  for (const char* state :
       {"finished", "diverged", "running", "pending", "failed", "not started"}) {
    if (counts[state] > 0) parts.push_back(absl::StrCat(counts[state], " ", state));
  }
  std::printf("%zu points: %s\n", points.size(), absl::StrJoin(parts, ", ").c_str());
  return 0;
}

// --backend=slurm: the unfinished points as a job array (or its script).
int RunOnSlurm(const std::vector<SweepPoint>& points) {
  SlurmOptions options{Self(),
                       fs::absolute(FLAGS_spec).string(),
                       fs::absolute(FLAGS_out).lexically_normal().string(),
                       FLAGS_max_parallel,
                       FLAGS_partition,
                       FLAGS_time,
                       FLAGS_cpus_per_task,
                       // As given: the nodes, not this host, resolve --device.
                       {"--device=" + FLAGS_device,
                        std::string("--deterministic=") + (FLAGS_deterministic ? "true" : "false"),
                        absl::StrCat("--checkpoint_every=", FLAGS_checkpoint_every),
                        absl::StrCat("--log_every_n_steps=", FLAGS_log_every_n_steps)}};
  if (absl::Status valid = ValidateSlurmOptions(options); !valid.ok()) return Fail(valid);
  std::vector<int> pending;
  for (const PointStatus& s : SweepStatus(points, options.out, {})) {
    if (s.state != PointStatus::kFinished && s.state != PointStatus::kDiverged) {
      pending.push_back(s.index);
    }
  }
  if (pending.empty()) {
    std::printf("all %zu points are finished or diverged; nothing to submit\n", points.size());
    return 0;
  }
  if (FLAGS_dry_run) {
    std::fputs(SlurmScript(points, pending, options).c_str(), stdout);
    return 0;
  }
  absl::StatusOr<std::string> job = SubmitSlurm(points, pending, options);
  if (!job.ok()) return Fail(job.status());
  std::printf(
      "submitted Slurm job %s: %zu of %zu points as array tasks (logs in %s)\n"
      "follow it with: rwn sweep --spec=%s --out=%s --status\n",
      job->c_str(), pending.size(), points.size(), SweepLogDir(points, options.out).c_str(),
      options.spec_path.c_str(), options.out.c_str());
  return 0;
}

// --backend=local: the points in worker processes that share the cores.
int RunHere(const std::vector<SweepPoint>& points) {
  if (FLAGS_workers < 1) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("--workers=", FLAGS_workers, "; allowed: >= 1")));
  }
  SweepRunOptions options;
  options.spec_path = FLAGS_spec;
  options.out = FLAGS_out;
  options.workers = FLAGS_workers;
  options.cores = FLAGS_threads > 0 ? FLAGS_threads : DefaultThreads();
  // Workers share this process's device (one GPU: all of them on it).
  absl::StatusOr<std::string> device = ResolveDevice(FLAGS_device);
  if (!device.ok()) return Fail(device.status());
  options.worker_command = {
      Self(),
      "sweep",
      "--device=" + *device,
      std::string("--deterministic=") + (FLAGS_deterministic ? "true" : "false"),
      absl::StrCat("--checkpoint_every=", FLAGS_checkpoint_every),
      absl::StrCat("--log_every_n_steps=", FLAGS_log_every_n_steps)};
  options.quiet = FLAGS_quiet;
  std::fprintf(stderr, "%s: %zu points, %d workers with %d threads each\n", FLAGS_spec.c_str(),
               points.size(), options.workers, std::max(1, options.cores / options.workers));
  absl::StatusOr<std::vector<PointOutcome>> outcomes = RunSweep(points, options);
  if (!outcomes.ok()) return Fail(outcomes.status());
  int failed = 0, diverged = 0;
  for (const PointOutcome& o : *outcomes) {
    failed += o.state == PointOutcome::kFailed;
    diverged += o.state == PointOutcome::kDiverged;
  }
  std::printf("%zu of %zu points finished, %d diverged, %d failed\n",
              points.size() - failed - diverged, points.size(), diverged, failed);
  for (const PointOutcome& o : *outcomes) {
    if (o.state != PointOutcome::kFailed && o.state != PointOutcome::kDiverged) continue;
    std::printf("  %s: %s: %s (log: %s/point-%d.log)\n",
                o.state == PointOutcome::kFailed ? "failed" : "diverged", o.name.c_str(),
                o.reason.c_str(), SweepLogDir(points, FLAGS_out).c_str(), o.index);
  }
  if (failed > 0) return 1;
  return diverged > 0 ? kExitDiverged : 0;
}

int Sweep(const std::vector<std::string>&) {
  if (FLAGS_spec.empty()) return Fail(absl::InvalidArgumentError("sweep needs --spec=S.pbtxt"));
  absl::StatusOr<SweepSpec> sweep = ParseTextProtoFile<SweepSpec>(FLAGS_spec);
  if (!sweep.ok()) return Fail(sweep.status());
  absl::StatusOr<std::vector<SweepPoint>> points = ExpandSweep(*sweep);
  if (!points.ok()) {
    return Fail(absl::Status(points.status().code(),
                             absl::StrCat(FLAGS_spec, ": ", points.status().message())));
  }
  if (!gflags::GetCommandLineFlagInfoOrDie("point").is_default) return RunPoint(*points);
  if (FLAGS_status) return PrintStatus(*points);
  if (FLAGS_backend == "slurm") return RunOnSlurm(*points);
  if (FLAGS_backend == "local") return RunHere(*points);
  return Fail(absl::InvalidArgumentError(
      absl::StrCat("--backend=", FLAGS_backend, "; allowed: local, slurm")));
}

}  // namespace

const Command kSweep{"sweep",
                     "  rwn sweep --spec=S.pbtxt [--out=runs] [--workers=N] [--threads=N]\n"
                     "            [--device=cpu] [--deterministic] [--checkpoint_every=1]\n"
                     "            [--log_every_n_steps=10]\n"
                     "      runs every point of a sweep (experiments/sweep.proto) in N worker\n"
                     "      processes that share the cores; finished and diverged points are\n"
                     "      skipped, unfinished ones resume, a failing or diverging point does\n"
                     "      not stop the others (exit 1 if one failed, else 3 if one diverged).\n"
                     "      --point=K runs point K alone in this process. --backend=slurm\n"
                     "      submits the unfinished points as a Slurm job array instead\n"
                     "      (--dry_run prints its script; --max_parallel, --partition, --time,\n"
                     "      --cpus_per_task); --status lists finished, diverged, running,\n"
                     "      pending and failed points. Workers and array tasks get the\n"
                     "      --device, --deterministic, --checkpoint_every and\n"
                     "      --log_every_n_steps given here.\n",
                     __FILE__,
                     {"spec", "out", "threads", "quiet", "checkpoint_every", "log_every_n_steps",
                      "device", "deterministic"},
                     Sweep};

}  // namespace rwn::cli
