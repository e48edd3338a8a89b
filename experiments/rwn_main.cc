// The rwn command line.
//
//   rwn train --spec=F.pbtxt [--out=runs] [--threads=N] [--quiet]
//             [--checkpoint_every=1] [--restart]
//   rwn count --spec=F.pbtxt | --model='...' [--input=CxHxW --classes=N]
//
// Exit codes: 0 done (or already finished), 2 bad input (spec, flags, data
// files), 1 anything else.
#include <gflags/gflags.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/exit_code.h"
#include "core/text_proto.h"
#include "experiments/count.h"
#include "core/runtime.h"
#include "experiments/experiment.h"

DEFINE_string(spec, "", "experiment spec (.pbtxt) to train");
DEFINE_string(out, "runs", "folder that holds the run folders");
DEFINE_int32(threads, 0, "libtorch threads; 0 = every core");
DEFINE_bool(quiet, false, "no progress display");
DEFINE_int32(checkpoint_every, 1, "train: epochs between checkpoints; 0 = only after the last");
DEFINE_bool(restart, false, "train: discard the spec's run folder (finished or not) and start afresh");
DEFINE_string(model, "", "count: a ModelSpec in text format, e.g. 'wide_resnet { depth: 28 }'");
DEFINE_string(input, "", "count: input shape CxHxW, e.g. 3x32x32 (default: the spec's dataset)");
DEFINE_int32(classes, 0, "count: number of classes (with --input)");

namespace {

constexpr char kUsage[] =
    "rwn: train networks that learn only a chosen subset of their weights.\n\n"
    "usage:\n"
    "  rwn train --spec=F.pbtxt [--out=runs] [--threads=N] [--quiet]\n"
    "            [--checkpoint_every=1] [--restart]\n"
    "      trains the spec into <out>/<name>/<fingerprint>/ (spec.pbtxt,\n"
    "      metrics.jsonl, checkpoint.rwn, summary.json, log.txt). Rerunning\n"
    "      resumes an unfinished run from its checkpoint and does not rerun a\n"
    "      finished one; --restart starts afresh.\n"
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
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown flag --", name,
        "; allowed: --spec, --out, --threads, --quiet, --checkpoint_every, --restart, --model, "
        "--input, --classes (and --help)"));
  }
  return absl::OkStatus();
}

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
  absl::StatusOr<rwn::RunOutcome> outcome = rwn::RunExperimentFile(FLAGS_spec, options);
  if (!outcome.ok()) return Fail(outcome.status());
  const rwn::RunSummary& s = outcome->summary;
  if (outcome->resumed_after > 0) {
    std::printf("resumed after epoch %d of %d\n", outcome->resumed_after, s.epochs());
  }
  std::printf("%s %s: test top-1 %.2f%% (best %.2f%% at epoch %d), learned %d of %d "
              "parameters, %.0fs\n%s\n",
              s.name().c_str(), outcome->already_finished ? "already finished" : "finished",
              100 * s.final_test_top1(), 100 * s.best_test_top1(), s.best_epoch(),
              s.learned_params(), s.params(), s.wall_seconds(), outcome->dir.c_str());
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
  if (absl::Status known = CheckFlagsKnown(argc, argv); !known.ok()) return Fail(known);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  if (argc != 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "train") return Train();
  if (command == "count") return Count();
  return Fail(absl::InvalidArgumentError(
      absl::StrCat("unknown command '", command, "'; allowed: train, count")));
}
