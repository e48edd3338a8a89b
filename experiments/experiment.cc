#include "experiments/experiment.h"

#include <torch/torch.h>

#include <chrono>
#include <optional>
#include <filesystem>
#include <regex>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "datasets/dataset.h"
#include "experiments/ensemble.h"
#include "google/protobuf/util/json_util.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "selectors/plan.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/frozen_prefix.h"
#include "train/progress.h"
#include "train/trainer.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// The summary fields that follow from the epochs' metrics.
RunSummary Summarize(const std::vector<EpochMetrics>& history) {
  RunSummary summary;
  double images = 0, train_seconds = 0, wall_seconds = 0;
  for (const EpochMetrics& metrics : history) {
    if (summary.best_epoch() == 0 || metrics.test_top1() > summary.best_test_top1()) {
      summary.set_best_test_top1(metrics.test_top1());
      summary.set_best_epoch(metrics.epoch());
    }
    if (summary.best_val_epoch() == 0 || metrics.val_top1() > summary.best_val_top1()) {
      summary.set_best_val_top1(metrics.val_top1());
      summary.set_best_val_epoch(metrics.epoch());
      summary.set_test_top1_at_best_val(metrics.test_top1());
    }
    images += metrics.images_per_second() * metrics.epoch_seconds();
    train_seconds += metrics.epoch_seconds();
    wall_seconds += metrics.epoch_seconds() + metrics.eval_seconds();
  }
  if (!history.empty()) {
    summary.set_final_test_top1(history.back().test_top1());
    summary.set_final_test_top5(history.back().test_top5());
    summary.set_epochs(history.back().epoch());
  }
  summary.set_train_images_per_second(train_seconds > 0 ? images / train_seconds : 0);
  summary.set_wall_seconds(wall_seconds);
  return summary;
}

absl::Status Positive(const char* field, int64_t value) {
  if (value >= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, " = ", value, "; allowed: >= 1"));
}

// Everything a run needs, built and checked before anything is written.
struct Prepared {
  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<Network> network;
  LearnPlan plan;
  PlanCount count;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<Schedule> schedule;
};

// Copies every parameter and buffer of plain network `from` into `to` (built
// from the same model and dataset, no plan applied yet).
absl::Status CopyWeights(const Network& from, const std::string& from_dir, Network* to) {
  torch::NoGradGuard no_grad;
  const auto source = from.module->named_parameters();
  const auto source_buffers = from.module->named_buffers();
  auto mismatch = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "init_from = \"", from_dir, "\": its model (", from.description,
        ") does not fit this spec's (", to->description, "): ", what,
        "; allowed: a run of the same model and dataset"));
  };
  auto copy = [&](const torch::OrderedDict<std::string, torch::Tensor>& sources,
                  const torch::OrderedDict<std::string, torch::Tensor>& targets) -> absl::Status {
    for (const auto& target : targets) {
      const torch::Tensor* value = sources.find(target.key());
      if (value == nullptr) return mismatch(absl::StrCat("it has no '", target.key(), "'"));
      if (value->sizes() != target.value().sizes()) {
        return mismatch(absl::StrCat("'", target.key(), "' is [", absl::StrJoin(value->sizes(), ","),
                                     "] there and [", absl::StrJoin(target.value().sizes(), ","),
                                     "] here"));
      }
      target.value().copy_(*value);
    }
    if (sources.size() != targets.size()) {
      return mismatch(absl::StrCat(sources.size(), " tensors there, ", targets.size(), " here"));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(copy(source, to->module->named_parameters()));
  return copy(source_buffers, to->module->named_buffers());
}

// `run_dir` resolves a relative init_from; empty: init_from is not loaded
// (for checking a spec whose init run does not exist yet).
absl::StatusOr<Prepared> Prepare(const ExperimentSpec& spec, const std::string& run_dir,
                                 const std::string& device = "cpu") {
  Prepared run;
  auto prefixed = [](const char* where, const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat(where, ".", status.message()));
  };
  auto dataset = DatasetRegistry::Global().CreateFromOneof(spec.dataset(), DatasetContext{spec.seed()});
  if (!dataset.ok()) return prefixed("dataset", dataset.status());
  run.dataset = *dataset;
  if (spec.validation_size() > 0) {
    auto held = HoldOutValidation(*run.dataset, spec.validation_size(), spec.seed());
    if (!held.ok()) return held.status();
    run.dataset = *held;
  }
  const ModelContext context{run.dataset->channels(), run.dataset->height(),
                             run.dataset->width(), run.dataset->num_classes, spec.seed()};
  auto network = ModelRegistry::Global().CreateFromOneof(spec.model(), context);
  if (!network.ok()) return prefixed("model", network.status());
  run.network = *network;
  if (spec.has_init_from() && !run_dir.empty()) {
    fs::path from(spec.init_from());
    if (from.is_relative()) from = (fs::path(run_dir) / from).lexically_normal();
    absl::StatusOr<LoadedRun> init = LoadRun(from.string());
    if (!init.ok()) return prefixed("init_from", init.status());
    ExportPlain(init->network.get());
    RETURN_IF_ERROR(CopyWeights(*init->network, from.string(), run.network.get()));
  }
  if (device != "cpu") run.network->module->to(torch::Device(device));
  auto plan = BuildPlan(spec.has_learn() ? &spec.learn() : nullptr, *run.network,
                        VariationSeed(spec));
  if (!plan.ok()) return prefixed("learn", plan.status());
  run.plan = *plan;
  run.count = CountPlan(*plan, *run.network);
  const Augmentation& augmentation = run.dataset->augmentation;
  if (spec.cache_frozen_prefix() && spec.augment() &&
      (augmentation.crop_padding > 0 || augmentation.flip)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cache_frozen_prefix = true needs un-augmented data, but ", run.dataset->description,
        " is augmented by default; set augment: false"));
  }
  if (run.count.learned == 0) {
    return absl::InvalidArgumentError(
        "learn: the selection learns no parameter at all; select something, or turn on "
        "batchnorm or classifier");
  }
  auto learned = ApplyPlan(
      *plan, ApplyOptions{spec.learn().fixed() == LearnSpec::ZERO, spec.learn().dense_mask()},
      run.network.get());
  if (!learned.ok()) return prefixed("learn", learned.status());
  for (LearnedTensor& tensor : *learned) {
    if (tensor.mask.defined()) tensor.mask = tensor.mask.to(tensor.tensor.device());
  }
  auto optimizer =
      OptimizerRegistry::Global().CreateFromOneof(spec.optimizer(), OptimizerContext{*learned});
  if (!optimizer.ok()) return prefixed("optimizer", optimizer.status());
  run.optimizer = std::move(*optimizer);
  if (spec.has_schedule()) {
    auto schedule =
        ScheduleRegistry::Global().CreateFromOneof(spec.schedule(), ScheduleContext{spec.epochs()});
    if (!schedule.ok()) return prefixed("schedule", schedule.status());
    run.schedule = std::move(*schedule);
  }
  return run;
}

}  // namespace

absl::StatusOr<RunSummary> ReadSummary(const std::string& path) {
  ASSIGN_OR_RETURN(std::string json, ReadFile(path));
  RunSummary summary;
  auto status = google::protobuf::util::JsonStringToMessage(json, &summary);
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": not a run summary (", status.ToString(),
                                            "); delete the run folder to run it again"));
  }
  return summary;
}

absl::Status WriteSummary(const std::string& path, const RunSummary& summary) {
  return WriteFileAtomically(path, ToJson(summary) + "\n");
}

uint64_t VariationSeed(const ExperimentSpec& spec) {
  return spec.variation_seed() != 0 ? spec.variation_seed() : spec.seed();
}

std::string RunDir(const ExperimentSpec& spec, const std::string& out) {
  return (fs::path(out) / spec.name() / Fingerprint(PrintTextProto(spec)).substr(0, 12)).string();
}

absl::Status ValidateSpec(const ExperimentSpec& spec) {
  static const std::regex kName("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  if (!std::regex_match(spec.name(), kName) || spec.name() == "." ||
      spec.name().find("..") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "name = \"", spec.name(),
        "\"; allowed: letters, digits, '.', '_' and '-' in parts separated by '/' (no '..')"));
  }
  RETURN_IF_ERROR(Positive("epochs", spec.epochs()));
  RETURN_IF_ERROR(Positive("batch_size", spec.batch_size()));
  RETURN_IF_ERROR(Positive("eval_batch_size", spec.eval_batch_size()));
  if (spec.bfloat16() && !__builtin_cpu_supports("avx512bf16")) {
    return absl::InvalidArgumentError(
        "bfloat16 = true needs a CPU with AVX-512 BF16, and this one has none; allowed: false");
  }
  if (spec.validation_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "validation_size = ", spec.validation_size(), "; allowed: >= 0 (0 = no validation split)"));
  }
  if (spec.has_init_from() && spec.init_from().empty()) {
    return absl::InvalidArgumentError("init_from = \"\"; allowed: the path of a run folder");
  }
  if (spec.has_ensemble()) {
    if (spec.ensemble().members() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ensemble.members = ", spec.ensemble().members(), "; allowed: >= 2"));
    }
    RETURN_IF_ERROR(Positive("ensemble.base_epochs", spec.ensemble().base_epochs()));
    if (spec.has_init_from() || spec.variation_seed() != 0) {
      return absl::InvalidArgumentError(
          "ensemble together with init_from or variation_seed; an ensemble sets both for its "
          "members; allowed: neither");
    }
  }
  for (const char* block : {"model", "dataset", "optimizer"}) {
    const auto* field = spec.GetDescriptor()->FindFieldByName(block);
    if (!spec.GetReflection()->HasField(spec, field)) {
      return absl::InvalidArgumentError(absl::StrCat("no ", block, " block; a spec needs one"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSpec(const ExperimentSpec& spec) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  return Prepare(spec, /*run_dir=*/"").status();
}

absl::StatusOr<RunOutcome> RunExperiment(const ExperimentSpec& spec, const RunOptions& options) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  if (options.checkpoint_every < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint_every = ", options.checkpoint_every, "; allowed: >= 0 (0 = only the last)"));
  }
  if (spec.has_ensemble()) return RunEnsemble(spec, options);
  RunOutcome outcome;
  outcome.dir = options.dir.empty() ? RunDir(spec, options.out) : options.dir;
  const std::string summary_path = outcome.dir + "/summary.json";
  const std::string checkpoint_path = outcome.dir + "/checkpoint.rwn";
  if (!options.restart && fs::exists(summary_path)) {
    ASSIGN_OR_RETURN(outcome.summary, ReadSummary(summary_path));
    outcome.already_finished = true;
    return outcome;
  }
  ASSIGN_OR_RETURN(Prepared run, Prepare(spec, outcome.dir, options.device));
  const std::string spec_text = PrintTextProto(spec);
  const std::string init_checksum = InitChecksum(*run.network);

  // Resume from the checkpoint, or refuse it; never silently start over.
  std::vector<EpochMetrics> history;
  if (!options.restart && fs::exists(checkpoint_path)) {
    auto refuse = [&](absl::string_view why) {
      return absl::DataLossError(absl::StrCat(
          why, "; the run cannot resume. To start it afresh, rerun with --restart (or delete ",
          outcome.dir, ")"));
    };
    absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(checkpoint_path);
    if (!checkpoint.ok()) return refuse(checkpoint.status().message());
    if (checkpoint->spec() != spec_text) {
      return refuse(absl::StrCat(checkpoint_path, " was written for another spec"));
    }
    if (checkpoint->init_checksum() != init_checksum) {
      return refuse(absl::StrCat(
          checkpoint_path, ": the fixed weights regenerated from the spec and seed (checksum ",
          init_checksum, ") are not the ones it was trained with (", checkpoint->init_checksum(),
          "); was it written by another libtorch or rwn version?"));
    }
    if (absl::Status restored = RestoreCheckpoint(*checkpoint, run.network.get(), run.optimizer.get());
        !restored.ok()) {
      return refuse(absl::StrCat(checkpoint_path, ": ", restored.message()));
    }
    history.assign(checkpoint->history().begin(), checkpoint->history().end());
    outcome.resumed_after = checkpoint->epoch();
  }

  // The compute options, and the frozen prefix computed once.
  if (spec.channels_last()) UseChannelsLast(run.network.get());
  Network* network = run.network.get();
  const Dataset* data = run.dataset.get();
  FrozenPrefix frozen;
  std::string frozen_line;  // for the log
  if (spec.cache_frozen_prefix()) {
    const auto start = std::chrono::steady_clock::now();
    auto prefix = FreezePrefix(*run.network, *run.dataset, run.optimizer->params(),
                               spec.eval_batch_size(), DefaultFeatureMemoryLimit());
    if (!prefix.ok()) return prefix.status();
    frozen = std::move(*prefix);
    if (frozen.stages > 0) {
      network = &frozen.suffix;
      data = frozen.features.get();
      frozen_line = absl::StrFormat(
          "frozen prefix: %d stages computed once (%.1f s, %.0f MB of features); training runs "
          "from stage %s",
          frozen.stages,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          frozen.feature_bytes / 1e6, frozen.first_run);
    }
  }

  // Only now, with everything checked, does the run folder appear. With
  // several ranks, rank 0 alone writes it.
  const bool writer = options.communicator == nullptr || options.communicator->rank() == 0;
  std::string header = absl::StrCat(spec.name(), ": ", run.network->description, " on ",
                                    run.dataset->description, ", learning ", run.count.learned,
                                    " of ", run.count.params, " parameters, ", options.threads,
                                    " threads");
  if (options.communicator != nullptr) {
    absl::StrAppend(&header, " on each of ", options.communicator->world_size(), " ranks");
  }
  if (outcome.resumed_after > 0) {
    absl::StrAppend(&header, "; resumed after epoch ", outcome.resumed_after, " of ",
                    spec.epochs());
  }
  if (!frozen_line.empty()) absl::StrAppend(&header, "\n", frozen_line);
  std::optional<FileLock> lock;  // held while this process trains the run
  if (writer) {
    std::error_code error;
    if (options.restart) {
      if (FileLock::IsHeld(outcome.dir + "/.lock")) {
        return absl::FailedPreconditionError(absl::StrCat(
            outcome.dir, " is being trained by another process; not restarting it"));
      }
      fs::remove_all(outcome.dir, error);
    }
    fs::create_directories(outcome.dir, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat(outcome.dir, ": cannot create the run folder: ", error.message()));
    }
    absl::StatusOr<FileLock> acquired = FileLock::Acquire(outcome.dir + "/.lock");
    if (!acquired.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          outcome.dir, " is being trained by another process (", acquired.status().message(),
          "); wait for it, or stop it first"));
    }
    lock.emplace(std::move(*acquired));
    // The metrics file is rewritten from the checkpoint's history: epochs
    // after the checkpoint are trained again.
    std::string metrics_lines;
    for (const EpochMetrics& metrics : history) metrics_lines += ToJson(metrics) + "\n";
    RETURN_IF_ERROR(WriteFileAtomically(outcome.dir + "/metrics.jsonl", metrics_lines));
    if (outcome.resumed_after == 0) fs::remove(outcome.dir + "/log.txt", error);
    RETURN_IF_ERROR(WriteFileAtomically(outcome.dir + "/spec.pbtxt", spec_text));
    RETURN_IF_ERROR(AppendLine(outcome.dir + "/log.txt", header));
    if (!options.quiet) std::fprintf(stderr, "%s\n", header.c_str());
  }

  TrainConfig config{spec.epochs(), spec.batch_size(), spec.eval_batch_size(), VariationSeed(spec),
                     spec.augment(), {spec.channels_last(), spec.bfloat16()},
                     outcome.resumed_after, options.communicator};
  Progress progress(spec.name());
  RETURN_IF_ERROR(Train(
      *network, *data, *run.optimizer, run.schedule.get(), config,
      options.quiet || !writer ? nullptr : &progress,
      [&](const EpochMetrics& metrics) -> absl::Status {
        history.push_back(metrics);
        if (!writer) return absl::OkStatus();
        RETURN_IF_ERROR(AppendLine(outcome.dir + "/metrics.jsonl", ToJson(metrics)));
        RETURN_IF_ERROR(AppendLine(outcome.dir + "/log.txt",
                                   Progress::EpochLine(metrics, spec.epochs())));
        const int epoch = metrics.epoch();
        if (epoch == spec.epochs() ||
            (options.checkpoint_every > 0 && epoch % options.checkpoint_every == 0)) {
          Checkpoint checkpoint;
          checkpoint.set_spec(spec_text);
          checkpoint.set_seed(spec.seed());
          checkpoint.set_epoch(epoch);
          checkpoint.set_init_checksum(init_checksum);
          *checkpoint.mutable_history() = {history.begin(), history.end()};
          RETURN_IF_ERROR(SaveCheckpoint(checkpoint_path, checkpoint, *run.network, *run.optimizer));
        }
        return absl::OkStatus();
      }));

  RunSummary& summary = outcome.summary;
  summary = Summarize(history);
  summary.set_name(spec.name());
  summary.set_model(run.network->description);
  summary.set_dataset(run.dataset->description);
  summary.set_params(static_cast<int32_t>(run.count.params));
  summary.set_learned_params(static_cast<int32_t>(run.count.learned));
  summary.set_threads(options.threads);
  if (writer) RETURN_IF_ERROR(WriteSummary(summary_path, summary));
  return outcome;
}

absl::StatusOr<LoadedRun> LoadRun(const std::string& dir) {
  const std::string spec_path = dir + "/spec.pbtxt";
  ASSIGN_OR_RETURN(ExperimentSpec spec, ParseTextProtoFile<ExperimentSpec>(spec_path));
  const std::string checkpoint_path = dir + "/checkpoint.rwn";
  if (!fs::exists(checkpoint_path)) {
    return absl::NotFoundError(absl::StrCat(checkpoint_path,
                                            ": missing; is this a run folder with a trained epoch?"));
  }
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(checkpoint_path));
  ASSIGN_OR_RETURN(Prepared run, Prepare(spec, dir));
  if (checkpoint.init_checksum() != InitChecksum(*run.network)) {
    return absl::DataLossError(absl::StrCat(
        checkpoint_path, ": the fixed weights regenerated from ", spec_path,
        " are not the ones it was trained with"));
  }
  RETURN_IF_ERROR(RestoreCheckpoint(checkpoint, run.network.get(), run.optimizer.get()));
  LoadedRun loaded;
  loaded.spec = spec;
  loaded.dataset = run.dataset;
  loaded.network = run.network;
  loaded.plan = run.plan;
  loaded.epochs = checkpoint.epoch();
  return loaded;
}

absl::StatusOr<RunOutcome> RunExperimentFile(const std::string& path, const RunOptions& options) {
  ASSIGN_OR_RETURN(ExperimentSpec spec, ParseTextProtoFile<ExperimentSpec>(path));
  absl::StatusOr<RunOutcome> outcome = RunExperiment(spec, options);
  if (!outcome.ok()) {
    return absl::Status(outcome.status().code(),
                        absl::StrCat(path, ": ", outcome.status().message()));
  }
  return outcome;
}

}  // namespace rwn
