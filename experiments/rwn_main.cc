// The rwn command line.
//
//   rwn train --spec=F.pbtxt [--out=runs] [--threads=N] [--quiet]
//             [--checkpoint_every=1] [--restart]
//             [--device=cpu|cuda|cuda:N|auto] [--rank --world_size --master_addr
//             --master_port --dist_timeout]  (data-parallel; or RANK, WORLD_SIZE, ...)
//   rwn launch --nproc=N [--master_port=P] -- train --spec=F.pbtxt ...
//   rwn sweep --spec=S.pbtxt [--out=runs] [--workers=N] [--threads=N] [--point=K]
//             [--backend=slurm [--dry_run] [--max_parallel=N] [--partition=P]
//             [--time=T] [--cpus_per_task=C]] [--status]
//   rwn report --runs=DIR --out=DIR
//   rwn weights --run=DIR | --runs=DIR --out=DIR
//   rwn count --spec=F.pbtxt | --model='...' [--input=CxHxW --classes=N]
//
// Exit codes: 0 done (or already finished), 2 bad input (spec, flags, data
// files), 1 anything else.
#include <gflags/gflags.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/exit_code.h"
#include "core/files.h"
#include "core/text_proto.h"
#include "experiments/count.h"
#include "experiments/launch.h"
#include "experiments/slurm.h"
#include "core/runtime.h"
#include "experiments/experiment.h"
#include "experiments/report.h"
#include "experiments/sweep.h"
#include "experiments/weights.h"
#include "experiments/sweep_runner.h"
#include "train/device.h"
#include "train/distributed.h"

DEFINE_string(spec, "", "experiment spec (.pbtxt) to train");
DEFINE_string(out, "runs", "folder that holds the run folders");
DEFINE_int32(threads, 0, "libtorch threads; 0 = every core");
DEFINE_bool(quiet, false, "no progress display");
DEFINE_int32(checkpoint_every, 1, "train: epochs between checkpoints; 0 = only after the last");
DEFINE_bool(restart, false, "train: discard the spec's run folder (finished or not) and start afresh");
DEFINE_int32(workers, 1, "sweep: points run at once, each in its own process");
DEFINE_int32(point, -1, "sweep: run only this point (0-based), in this process");
DEFINE_string(runs, "", "report, weights: the folder of run folders to read");
DEFINE_string(run, "", "weights: a run folder");
DEFINE_string(model, "", "count: a ModelSpec in text format, e.g. 'wide_resnet { depth: 28 }'");
DEFINE_string(input, "", "count: input shape CxHxW, e.g. 3x32x32 (default: the spec's dataset)");
DEFINE_int32(classes, 0, "count: number of classes (with --input)");
DEFINE_string(device, "cpu", "train: cpu, cuda, cuda:N or auto (a GPU if there is one)");
DEFINE_int32(rank, -1, "train: this process's rank (default: $RANK, else 0)");
DEFINE_int32(world_size, 0, "train: number of ranks (default: $WORLD_SIZE, else 1)");
DEFINE_string(master_addr, "", "train: rank 0's address (default: $MASTER_ADDR, else 127.0.0.1)");
DEFINE_int32(master_port, 0, "train, launch: rank 0's port (default: $MASTER_PORT, else 29500; launch: a free port)");
DEFINE_double(dist_timeout, 300, "train: seconds a rank waits for its peers before failing");
DEFINE_int32(nproc, 0, "launch: number of local ranks");
DEFINE_string(backend, "local", "sweep: local (worker processes here) or slurm (a job array via sbatch)");
DEFINE_bool(dry_run, false, "sweep --backend=slurm: print the sbatch script instead of submitting it");
DEFINE_bool(status, false, "sweep: say which points are finished, running, pending or failed");
DEFINE_int32(max_parallel, 0, "sweep --backend=slurm: array tasks running at once; 0 = no limit");
DEFINE_string(partition, "", "sweep --backend=slurm: the partition; empty = the cluster's default");
DEFINE_string(time, "", "sweep --backend=slurm: time limit per point, e.g. 04:00:00");
DEFINE_int32(cpus_per_task, 1, "sweep --backend=slurm: cores (and threads) per point");

namespace {

constexpr char kUsage[] =
    "rwn: train networks that learn only a chosen subset of their weights.\n\n"
    "usage:\n"
    "  rwn train --spec=F.pbtxt [--out=runs] [--threads=N] [--quiet]\n"
    "            [--checkpoint_every=1] [--restart] [--device=cpu]\n"
    "      trains the spec into <out>/<name>/<fingerprint>/ (spec.pbtxt,\n"
    "      metrics.jsonl, checkpoint.rwn, summary.json, log.txt). Rerunning\n"
    "      resumes an unfinished run from its checkpoint and does not rerun a\n"
    "      finished one; --restart starts afresh. With WORLD_SIZE > 1 (or\n"
    "      --world_size, --rank, --master_addr, --master_port) it is one rank of\n"
    "      data-parallel training over torch's c10d Gloo.\n"
    "  rwn launch --nproc=N [--master_port=P] -- train --spec=F.pbtxt ...\n"
    "      runs N local ranks of the command, output prefixed by rank; the\n"
    "      first rank to fail stops the others and gives the exit code.\n"
    "  rwn sweep --spec=S.pbtxt [--out=runs] [--workers=N] [--threads=N]\n"
    "      runs every point of a sweep (experiments/sweep.proto) in N worker\n"
    "      processes that share the cores; finished points are skipped,\n"
    "      unfinished ones resume, a failing point does not stop the others.\n"
    "      --point=K runs point K alone in this process. --backend=slurm\n"
    "      submits the unfinished points as a Slurm job array instead\n"
    "      (--dry_run prints its script; --max_parallel, --partition, --time,\n"
    "      --cpus_per_task); --status lists finished, running, pending and\n"
    "      failed points.\n"
    "  rwn report --runs=DIR --out=DIR\n"
    "      tables (Markdown, CSV; mean +- std over seeds) and PNG figures of\n"
    "      the finished runs under --runs.\n"
    "  rwn weights --run=DIR | --runs=DIR --out=DIR\n"
    "      per conv layer of a trained run: learned and fixed weights, their\n"
    "      mean |w| and variance (also written to DIR/weights.csv); with\n"
    "      --runs, every finished run and the paper's Figure 6 (weights.png).\n"
    "  rwn count --spec=F.pbtxt [--input=CxHxW --classes=N]\n"
    "  rwn count --model='wide_resnet { depth: 28 }' --input=3x32x32 --classes=10\n"
    "      prints parameters, learned and fixed per layer and group, and totals.\n";

// gflags exits with 1 on an unknown flag; bad input exits 2 here.
absl::Status CheckFlagsKnown(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.rfind("-", 0) != 0) continue;
    arg = arg.substr(arg.find_first_not_of('-'));
    const std::string name = arg.substr(0, arg.find('='));
    gflags::CommandLineFlagInfo info;
    if (gflags::GetCommandLineFlagInfo(name.c_str(), &info)) continue;
    if (name.rfind("no", 0) == 0 && gflags::GetCommandLineFlagInfo(name.substr(2).c_str(), &info) &&
        info.type == "bool") {
      continue;
    }
    std::vector<std::string> allowed;
    std::vector<gflags::CommandLineFlagInfo> flags;
    gflags::GetAllFlags(&flags);
    for (const gflags::CommandLineFlagInfo& flag : flags) {
      if (flag.filename == __FILE__) allowed.push_back("--" + flag.name);
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, "; allowed: ",
                                                   absl::StrJoin(allowed, ", "),
                                                   " (and --help)"));
  }
  return absl::OkStatus();
}

int PrintOutcome(const absl::StatusOr<rwn::RunOutcome>& outcome);

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "rwn: %s\n", std::string(status.message()).c_str());
  return rwn::ExitCodeFor(status);
}

int Train() {
  if (FLAGS_spec.empty()) {
    return Fail(absl::InvalidArgumentError("train needs --spec=F.pbtxt"));
  }
  rwn::RunOptions options;
  options.out = FLAGS_out;
  options.threads = rwn::InitRuntime(FLAGS_threads);
  options.quiet = FLAGS_quiet;
  options.checkpoint_every = FLAGS_checkpoint_every;
  options.restart = FLAGS_restart;
  absl::StatusOr<std::string> device = rwn::ResolveDevice(FLAGS_device);
  if (!device.ok()) return Fail(device.status());
  options.device = *device;

  // Data-parallel ranks: torchrun's variables, overridden by flags.
  rwn::DistributedOptions distributed;
  if (absl::Status read = rwn::ReadDistributedEnvironment(&distributed); !read.ok()) {
    return Fail(read);
  }
  if (FLAGS_rank >= 0) distributed.rank = FLAGS_rank;
  if (FLAGS_world_size > 0) distributed.world_size = FLAGS_world_size;
  if (!FLAGS_master_addr.empty()) distributed.master_addr = FLAGS_master_addr;
  if (FLAGS_master_port > 0) distributed.master_port = FLAGS_master_port;
  distributed.timeout = std::chrono::milliseconds(static_cast<int64_t>(FLAGS_dist_timeout * 1000));
  if (absl::Status valid = rwn::ValidateDistributedOptions(distributed); !valid.ok()) {
    return Fail(valid);
  }
  std::unique_ptr<rwn::Communicator> communicator;
  if (distributed.world_size > 1) {
    absl::StatusOr<std::unique_ptr<rwn::Communicator>> connected =
        rwn::Communicator::Connect(distributed);
    if (!connected.ok()) return Fail(connected.status());
    communicator = std::move(*connected);
    options.communicator = communicator.get();
  }
  return PrintOutcome(rwn::RunExperimentFile(FLAGS_spec, options));
}

// `rwn launch --nproc=N -- <command>`: N local ranks of this binary.
int Launch(const std::vector<std::string>& forwarded) {
  rwn::LaunchOptions options;
  options.nproc = FLAGS_nproc;
  options.master_port = FLAGS_master_port;
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) return Fail(absl::InternalError("cannot find this program (/proc/self/exe)"));
  options.argv = {self};
  options.argv.insert(options.argv.end(), forwarded.begin(), forwarded.end());
  const bool has_threads = std::any_of(forwarded.begin(), forwarded.end(), [](const std::string& a) {
    return a.rfind("--threads", 0) == 0;
  });
  if (!has_threads && FLAGS_nproc > 0) {
    // The ranks share the cores.
    options.argv.push_back(absl::StrCat("--threads=", std::max(1, rwn::AvailableCores() / FLAGS_nproc)));
  }
  absl::StatusOr<int> code = rwn::Launch(options);
  if (!code.ok()) return Fail(code.status());
  return *code;
}

int PrintOutcome(const absl::StatusOr<rwn::RunOutcome>& outcome) {
  if (!outcome.ok()) return Fail(outcome.status());
  const rwn::RunSummary& s = outcome->summary;
  if (outcome->resumed_after > 0) {
    std::printf("resumed after epoch %d of %d\n", outcome->resumed_after, s.epochs());
  }
  if (s.has_ensemble()) {
    std::printf("%s %s: ensemble of %d test top-1 %.2f%%, mean member %.2f%%, base %.2f%%; "
                "members learned %d parameters in all (each model has %d), %.0fs\n%s\n",
                s.name().c_str(), outcome->already_finished ? "already finished" : "finished",
                s.ensemble().members(), 100 * s.ensemble().ensemble_test_top1(),
                100 * s.ensemble().mean_member_test_top1(), 100 * s.ensemble().base_test_top1(),
                s.learned_params(), s.params(), s.wall_seconds(), outcome->dir.c_str());
    return 0;
  }
  std::printf("%s %s: test top-1 %.2f%% (best %.2f%% at epoch %d), learned %d of %d "
              "parameters, %.0fs\n%s\n",
              s.name().c_str(), outcome->already_finished ? "already finished" : "finished",
              100 * s.final_test_top1(), 100 * s.best_test_top1(), s.best_epoch(),
              s.learned_params(), s.params(), s.wall_seconds(), outcome->dir.c_str());
  return 0;
}

// The unfinished points as a Slurm job array (or its script, with --dry_run).
int SweepOnSlurm(const std::vector<rwn::SweepPoint>& points) {
  rwn::SlurmOptions options;
  std::error_code error;
  options.rwn = std::filesystem::read_symlink("/proc/self/exe", error).string();
  options.spec_path = std::filesystem::absolute(FLAGS_spec).string();
  options.out = std::filesystem::absolute(FLAGS_out).lexically_normal().string();
  options.max_parallel = FLAGS_max_parallel;
  options.partition = FLAGS_partition;
  options.time = FLAGS_time;
  options.cpus_per_task = FLAGS_cpus_per_task;
  if (absl::Status valid = rwn::ValidateSlurmOptions(options); !valid.ok()) return Fail(valid);
  std::vector<int> pending;
  for (const rwn::PointStatus& s : rwn::SweepStatus(points, options.out, {})) {
    if (s.state != rwn::PointStatus::kFinished) pending.push_back(s.index);
  }
  if (pending.empty()) {
    std::printf("all %zu points are finished; nothing to submit\n", points.size());
    return 0;
  }
  if (FLAGS_dry_run) {
    std::fputs(rwn::SlurmScript(points, pending, options).c_str(), stdout);
    return 0;
  }
  if (absl::Status written = rwn::WriteSweepPoints(points, options.out); !written.ok()) {
    return Fail(written);
  }
  absl::StatusOr<std::string> job = rwn::SubmitSlurm(points, pending, options);
  if (!job.ok()) return Fail(job.status());
  std::printf("submitted Slurm job %s: %zu of %zu points as array tasks (logs in %s)\n"
              "follow it with: rwn sweep --spec=%s --out=%s --status\n",
              job->c_str(), pending.size(), points.size(),
              rwn::SweepLogDir(points, options.out).c_str(), options.spec_path.c_str(),
              options.out.c_str());
  return 0;
}

int Sweep(const char* self) {
  if (FLAGS_spec.empty()) return Fail(absl::InvalidArgumentError("sweep needs --spec=S.pbtxt"));
  absl::StatusOr<rwn::SweepSpec> sweep = rwn::ParseTextProtoFile<rwn::SweepSpec>(FLAGS_spec);
  if (!sweep.ok()) return Fail(sweep.status());
  absl::StatusOr<std::vector<rwn::SweepPoint>> points = rwn::ExpandSweep(*sweep);
  if (!points.ok()) {
    return Fail(absl::Status(points.status().code(),
                             absl::StrCat(FLAGS_spec, ": ", points.status().message())));
  }
  const int total = static_cast<int>(points->size());
  if (!gflags::GetCommandLineFlagInfoOrDie("point").is_default) {
    if (FLAGS_point < 0 || FLAGS_point >= total) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--point=", FLAGS_point, "; allowed: 0 to ", total - 1, " (the sweep has ", total,
          " points)")));
    }
    rwn::RunOptions options;
    options.out = FLAGS_out;
    options.threads = rwn::InitRuntime(FLAGS_threads);
    options.quiet = FLAGS_quiet;
    options.checkpoint_every = FLAGS_checkpoint_every;
    return PrintOutcome(rwn::RunExperiment((*points)[FLAGS_point].spec, options));
  }
  if (FLAGS_status) {
    const std::vector<rwn::PointStatus> statuses =
        rwn::SweepStatus(*points, FLAGS_out, rwn::SlurmQueue(*points, FLAGS_out));
    std::map<std::string, int> counts;
    for (const rwn::PointStatus& s : statuses) {
      const char* state = rwn::PointStateName(s.state);
      ++counts[state];
      std::printf("%4d  %-11s %s%s%s\n", s.index, state, s.name.c_str(),
                  s.detail.empty() ? "" : ": ", s.detail.c_str());
    }
    std::vector<std::string> parts;
    for (const char* state : {"finished", "running", "pending", "failed", "not started"}) {
      if (counts[state] > 0) parts.push_back(absl::StrCat(counts[state], " ", state));
    }
    std::printf("%d points: %s\n", total, absl::StrJoin(parts, ", ").c_str());
    return 0;
  }
  if (FLAGS_backend == "slurm") return SweepOnSlurm(*points);
  if (FLAGS_backend != "local") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--backend=", FLAGS_backend, "; allowed: local, slurm")));
  }
  if (FLAGS_workers < 1) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--workers=", FLAGS_workers, "; allowed: >= 1")));
  }
  rwn::SweepRunOptions options;
  options.spec_path = FLAGS_spec;
  options.out = FLAGS_out;
  options.workers = FLAGS_workers;
  options.cores = FLAGS_threads > 0 ? FLAGS_threads : rwn::AvailableCores();
  options.worker_command = {self, "sweep"};
  options.quiet = FLAGS_quiet;
  std::fprintf(stderr, "%s: %d points, %d workers with %d threads each\n", FLAGS_spec.c_str(),
               total, options.workers, std::max(1, options.cores / options.workers));
  absl::StatusOr<std::vector<rwn::PointOutcome>> outcomes = rwn::RunSweep(*points, options);
  if (!outcomes.ok()) return Fail(outcomes.status());
  int failed = 0;
  for (const rwn::PointOutcome& o : *outcomes) failed += o.state == rwn::PointOutcome::kFailed;
  std::printf("%d of %d points finished, %d failed\n", total - failed, total, failed);
  for (const rwn::PointOutcome& o : *outcomes) {
    if (o.state == rwn::PointOutcome::kFailed) {
      std::printf("  failed: %s: %s (log: %s/point-%d.log)\n", o.name.c_str(), o.reason.c_str(),
                  rwn::SweepLogDir(*points, FLAGS_out).c_str(), o.index);
    }
  }
  return failed > 0 ? 1 : 0;
}

int Report() {
  if (FLAGS_runs.empty() || gflags::GetCommandLineFlagInfoOrDie("out").is_default) {
    return Fail(absl::InvalidArgumentError("report needs --runs=DIR and --out=DIR"));
  }
  int unfinished = 0;
  absl::StatusOr<std::vector<rwn::RunRecord>> runs = rwn::ReadRuns(FLAGS_runs, &unfinished);
  if (!runs.ok()) return Fail(runs.status());
  if (runs->empty()) {
    return Fail(absl::NotFoundError(absl::StrCat(FLAGS_runs, ": no finished runs (", unfinished,
                                                 " unfinished)")));
  }
  absl::StatusOr<std::vector<std::string>> written = rwn::WriteReport(*runs, FLAGS_out);
  if (!written.ok()) return Fail(written.status());
  std::printf("%zu finished runs (%d unfinished skipped) -> %s: %s\n", runs->size(), unfinished,
              FLAGS_out.c_str(), absl::StrJoin(*written, ", ").c_str());
  return 0;
}

int Weights() {
  rwn::InitRuntime(FLAGS_threads);
  if (FLAGS_run.empty() == FLAGS_runs.empty()) {
    return Fail(absl::InvalidArgumentError(
        "weights needs --run=DIR (one run) or --runs=DIR --out=DIR (Figure 6 of every run)"));
  }
  if (!FLAGS_runs.empty()) {
    if (gflags::GetCommandLineFlagInfoOrDie("out").is_default) {
      return Fail(absl::InvalidArgumentError("weights --runs=DIR needs --out=DIR"));
    }
    absl::StatusOr<std::vector<rwn::RunRecord>> runs = rwn::ReadRuns(FLAGS_runs);
    if (!runs.ok()) return Fail(runs.status());
    absl::StatusOr<std::vector<std::string>> written = rwn::WriteWeightsReport(*runs, FLAGS_out);
    if (!written.ok()) return Fail(written.status());
    std::printf("%zu runs analyzed -> %s: %s\n", runs->size(), FLAGS_out.c_str(),
                absl::StrJoin(*written, ", ").c_str());
    return 0;
  }
  absl::StatusOr<rwn::LoadedRun> run = rwn::LoadRun(FLAGS_run);
  if (!run.ok()) return Fail(run.status());
  const std::vector<rwn::LayerWeights> rows = rwn::AnalyzeWeights(*run);
  if (absl::Status written =
          rwn::WriteFileAtomically(FLAGS_run + "/weights.csv", rwn::WeightsCsv(rows));
      !written.ok()) {
    return Fail(written);
  }
  std::printf("%s after %d epochs\n%s", run->spec.name().c_str(), run->epochs,
              rwn::WeightsMarkdown(rows).c_str());
  return 0;
}

int Count() {
  rwn::InitRuntime(FLAGS_threads);
  rwn::ExperimentSpec spec;
  if (!FLAGS_spec.empty() == !FLAGS_model.empty()) {
    return Fail(absl::InvalidArgumentError("count needs exactly one of --spec and --model"));
  }
  if (!FLAGS_spec.empty()) {
    absl::StatusOr<rwn::ExperimentSpec> parsed =
        rwn::ParseTextProtoFile<rwn::ExperimentSpec>(FLAGS_spec);
    if (!parsed.ok()) return Fail(parsed.status());
    spec = *parsed;
  } else if (absl::Status parsed = rwn::ParseTextProto(FLAGS_model, "--model", spec.mutable_model());
             !parsed.ok()) {
    return Fail(parsed);
  }
  rwn::InputShape shape;
  if (!FLAGS_input.empty()) {
    if (absl::Status status = rwn::ParseInputShape(FLAGS_input, &shape); !status.ok()) {
      return Fail(status);
    }
  }
  shape.classes = FLAGS_classes;
  if (!FLAGS_input.empty() && FLAGS_classes < 1) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--classes=", FLAGS_classes, "; allowed: >= 1 (with --input)")));
  }
  absl::StatusOr<std::string> report = rwn::CountReport(spec, shape);
  if (!report.ok()) {
    return Fail(FLAGS_spec.empty()
                    ? report.status()
                    : absl::Status(report.status().code(),
                                   absl::StrCat(FLAGS_spec, ": ", report.status().message())));
  }
  std::fputs(report->c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  rwn::InitRuntime(/*threads=*/0);  // before any tensor; commands may override
  gflags::SetUsageMessage(kUsage);
  // Everything after "--" is launch's command, not ours.
  std::vector<std::string> forwarded;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--") continue;
    forwarded.assign(argv + i + 1, argv + argc);
    argc = i;
    break;
  }
  if (absl::Status known = CheckFlagsKnown(argc, argv); !known.ok()) return Fail(known);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  if (argc != 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "train") return Train();
  if (command == "launch") return Launch(forwarded);
  if (command == "count") return Count();
  if (command == "sweep") return Sweep("/proc/self/exe");
  if (command == "report") return Report();
  if (command == "weights") return Weights();
  return Fail(absl::InvalidArgumentError(absl::StrCat(
      "unknown command '", command, "'; allowed: train, launch, sweep, report, weights, count")));
}
