#include "run/train_run.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "datasets/dataset.h"
#include "experiments/spec.h"
#include "optim/optimizer.h"
#include "run/build.h"
#include "run/load.h"
#include "run/run_folder.h"
#include "tensorboard/event_file.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/divergence.h"
#include "train/frozen_prefix.h"
#include "train/progress.h"
#include "train/trainer.h"

namespace rwn {
namespace {

// A run being trained: what it was built from and what it has done.
struct Session {
  const ExperimentSpec& spec;
  const RunOptions& options;
  RunFolder folder;
  std::string spec_text;
  std::string init_checksum;
  BuiltRun run;
  std::vector<EpochMetrics> history;
  int resumed_after = 0;
  bool writer = true;                            // rank 0 (or the only rank) writes the folder
  bool channels_last = false;                    // NHWC weights and activations
  std::optional<tensorboard::EventFile> events;  // the writer's TensorBoard curves
};

// The spec's channels_last, or where it is absent, the faster layout of the
// device: channels-last on a CPU, where it was faster for every model and
// learn mode measured (bench/README.md, "Memory layout"); NCHW on a GPU.
bool ChannelsLast(const ExperimentSpec& spec, const std::string& device) {
  return spec.has_channels_last() ? spec.channels_last() : device == "cpu";
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
    if (metrics.has_val_top1() &&
        (!summary.has_best_val_epoch() || metrics.val_top1() > summary.best_val_top1())) {
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
  if (train_seconds > 0) summary.set_train_images_per_second(images / train_seconds);
  summary.set_wall_seconds(wall_seconds);
  return summary;
}

// Restores the session from its checkpoint, or refuses it; never silently
// starts over.
absl::Status Resume(Session& s) {
  const std::string path = s.folder.checkpoint();
  auto refuse = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(
        why, "; the run cannot resume. To start it afresh, rerun with --restart (or delete ",
        s.folder.dir(), ")"));
  };
  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(path);
  if (!checkpoint.ok()) return refuse(checkpoint.status().message());
  if (checkpoint->spec() != s.spec_text) {
    return refuse(absl::StrCat(path, " was written for another spec"));
  }
  if (checkpoint->init_checksum() != s.init_checksum) {
    return refuse(absl::StrCat(
        path, ": the fixed weights regenerated from the spec and seed (checksum ", s.init_checksum,
        ") are not the ones it was trained with (", checkpoint->init_checksum(),
        "); was it written by another libtorch or rwn version?"));
  }
  absl::Status restored =
      RestoreCheckpoint(*checkpoint, s.run.network.get(), s.run.optimizer.get());
  if (!restored.ok()) return refuse(absl::StrCat(path, ": ", restored.message()));
  s.history.assign(checkpoint->history().begin(), checkpoint->history().end());
  s.resumed_after = checkpoint->epoch();
  return absl::OkStatus();
}

// The stages before the first learning one, computed once when the spec
// asks; `line` then says so for the log.
absl::StatusOr<FrozenPrefix> Freeze(const Session& s, std::string* line) {
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(FrozenPrefix frozen,
                   FreezePrefix(*s.run.network, *s.run.dataset, s.run.optimizer->params(),
                                s.spec.eval_batch_size(), DefaultFeatureMemoryLimit()));
  if (frozen.stages == 0) return frozen;
  *line = absl::StrFormat(
      "frozen prefix: %d stages computed once (%.1f s, %.0f MB of features); training runs "
      "from stage %s",
      frozen.stages,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      frozen.feature_bytes / 1e6, frozen.first_run);
  return frozen;
}

// The run's first log line: what it trains, on what, and how.
std::string Header(const Session& s) {
  std::string header = absl::StrCat(s.spec.name(), ": ", s.run.network->description, " on ",
                                    s.run.dataset->description, ", learning ", s.run.count.learned,
                                    " of ", s.run.count.params, " parameters, ", s.options.threads,
                                    s.options.threads == 1 ? " thread" : " threads",
                                    s.channels_last ? ", channels-last" : "");
  if (s.options.communicator != nullptr) {
    absl::StrAppend(&header, " on each of ", s.options.communicator->world_size(), " ranks");
  }
  if (s.resumed_after > 0) {
    absl::StrAppend(&header, "; resumed after epoch ", s.resumed_after, " of ", s.spec.epochs());
  }
  return header;
}

// Creates (or takes over) the run folder, now that everything is checked:
// the lock, the spec, the metrics so far and the log's header.
absl::StatusOr<FileLock> OpenFolder(const Session& s, const std::string& header) {
  if (s.options.restart) RETURN_IF_ERROR(s.folder.Remove());
  ASSIGN_OR_RETURN(FileLock lock, s.folder.CreateAndLock());
  RemoveTemporaryFiles(s.folder.dir());  // left by a process killed mid-write
  // The metrics file is rewritten from the checkpoint's history: epochs
  // after the checkpoint are trained again.
  std::string metrics_lines;
  for (const EpochMetrics& metrics : s.history) metrics_lines += ToJson(metrics) + "\n";
  RETURN_IF_ERROR(WriteFileAtomically(s.folder.metrics(), metrics_lines));
  std::error_code error;
  if (s.resumed_after == 0) std::filesystem::remove(s.folder.log(), error);
  RETURN_IF_ERROR(WriteFileAtomically(s.folder.spec(), s.spec_text));
  RETURN_IF_ERROR(AppendLine(s.folder.log(), header));
  if (!s.options.quiet) std::fprintf(stderr, "%s\n", header.c_str());
  return lock;
}

// The run's TensorBoard event file, holding the steps the checkpoint
// covers; a new file first gets the run's description and spec as text.
absl::Status OpenEvents(Session& s, const std::string& header) {
  const int64_t resume_step = s.history.empty() ? 0 : s.history.back().step();
  ASSIGN_OR_RETURN(s.events, tensorboard::EventFile::Open(
                                 s.folder.dir() + "/" + tensorboard::kEventFileName, resume_step));
  if (!s.events->started_afresh()) return absl::OkStatus();
  RETURN_IF_ERROR(s.events->AddText(0, "run", header));
  std::string spec = "    " + absl::StrReplaceAll(s.spec_text, {{"\n", "\n    "}});
  return s.events->AddText(0, "spec", spec);
}

// An epoch's curves, at the step it ended on.
absl::Status EpochEvents(Session& s, const EpochMetrics& metrics) {
  std::vector<tensorboard::Scalar> scalars = {{"loss/train", metrics.train_loss()},
                                              {"loss/test", metrics.test_loss()},
                                              {"top1/train", metrics.train_top1()},
                                              {"top1/test", metrics.test_top1()},
                                              {"top5/test", metrics.test_top5()},
                                              {"lr", metrics.lr()},
                                              {"img_per_s/train", metrics.images_per_second()},
                                              {"epoch", metrics.epoch()}};
  if (metrics.has_val_loss()) {
    scalars.insert(scalars.end(), {{"loss/val", metrics.val_loss()},
                                   {"top1/val", metrics.val_top1()},
                                   {"top5/val", metrics.val_top5()}});
  }
  return s.events->AddScalars(metrics.step(), scalars);
}

// After each epoch: its metrics and log line, and a checkpoint when due.
absl::Status AfterEpoch(Session& s, const EpochMetrics& metrics) {
  s.history.push_back(metrics);
  if (!s.writer) return absl::OkStatus();
  RETURN_IF_ERROR(AppendLine(s.folder.metrics(), ToJson(metrics)));
  RETURN_IF_ERROR(AppendLine(s.folder.log(), Progress::EpochLine(metrics, s.spec.epochs())));
  RETURN_IF_ERROR(EpochEvents(s, metrics));
  const int epoch = metrics.epoch();
  const int every = s.options.checkpoint_every;
  if (epoch != s.spec.epochs() && (every == 0 || epoch % every != 0)) return absl::OkStatus();
  Checkpoint checkpoint;
  checkpoint.set_spec(s.spec_text);
  checkpoint.set_seed(s.spec.seed());
  checkpoint.set_epoch(epoch);
  checkpoint.set_init_checksum(s.init_checksum);
  *checkpoint.mutable_history() = {s.history.begin(), s.history.end()};
  return SaveCheckpoint(s.folder.checkpoint(), checkpoint, *s.run.network, *s.run.optimizer);
}

// Trains the built session to its last epoch, from the frozen prefix's
// features when the spec caches them.
absl::Status TrainSession(Session& s) {
  std::string frozen_line;
  std::optional<FrozenPrefix> frozen;
  if (s.spec.cache_frozen_prefix()) {
    ASSIGN_OR_RETURN(frozen, Freeze(s, &frozen_line));
  }
  const bool skip = frozen.has_value() && frozen->stages > 0;
  Network& network = skip ? frozen->suffix : *s.run.network;
  const Dataset& data = skip ? *frozen->features : *s.run.dataset;
  std::string header = Header(s);
  if (!frozen_line.empty()) absl::StrAppend(&header, "\n", frozen_line);
  std::optional<FileLock> lock;  // held while this process trains the run
  if (s.writer) {
    absl::StatusOr<FileLock> opened = OpenFolder(s, header);
    if (!opened.ok()) return opened.status();
    lock.emplace(std::move(*opened));
    RETURN_IF_ERROR(OpenEvents(s, header));
  }
  TrainConfig config{
      s.spec.epochs(),       s.spec.batch_size(),    s.spec.eval_batch_size(),
      VariationSeed(s.spec), s.spec.augment(),       {s.channels_last, s.spec.bfloat16()},
      s.resumed_after,       s.options.communicator, s.spec.max_loss()};
  const int every = s.options.log_every_n_steps;
  if (s.writer && every > 0) {
    config.on_step = [&s, every](int64_t step, double loss) {
      return step % every == 0 ? s.events->AddScalars(step, {{"loss/train_step", loss}})
                               : absl::OkStatus();
    };
  }
  Progress progress(s.spec.name());
  return Train(network, data, *s.run.optimizer, s.run.schedule.get(), config,
               s.options.quiet || !s.writer ? nullptr : &progress,
               [&s](const EpochMetrics& metrics) { return AfterEpoch(s, metrics); });
}

// The summary of the session's run, from its history.
RunSummary SummaryOf(const Session& s) {
  RunSummary summary = Summarize(s.history);
  summary.set_name(s.spec.name());
  summary.set_model(s.run.network->description);
  summary.set_dataset(s.run.dataset->description);
  summary.set_params(static_cast<int32_t>(s.run.count.params));
  summary.set_learned_params(static_cast<int32_t>(s.run.count.learned));
  summary.set_threads(s.options.threads);
  summary.set_device(s.options.device);
  if (!s.options.commit.empty()) summary.set_commit(s.options.commit);
  return summary;
}

// Marks the run folder diverged (summary.json says where, with the epochs
// before it; log.txt ends with the message) and returns the divergence.
absl::Status RecordDivergence(Session& s, const Divergence& where) {
  if (s.writer) {
    // The epochs before it are in metrics.jsonl; the run has no result.
    RunSummary summary = SummaryOf(s);
    summary.clear_final_test_top1();
    summary.clear_final_test_top5();
    summary.clear_best_test_top1();
    summary.clear_best_epoch();
    summary.clear_best_val_top1();
    summary.clear_best_val_epoch();
    summary.clear_test_top1_at_best_val();
    summary.set_status(RunSummary::DIVERGED);
    *summary.mutable_divergence() = where;
    RETURN_IF_ERROR(AppendLine(s.folder.log(), where.message()));
    RETURN_IF_ERROR(s.folder.WriteSummary(summary));
  }
  return DivergedError(where);
}

}  // namespace

absl::StatusOr<RunOutcome> TrainRun(const ExperimentSpec& spec, const RunOptions& options) {
  Session s{spec, options,
            options.dir.empty() ? RunFolder::Of(spec, options.out) : RunFolder(options.dir)};
  RunOutcome outcome;
  outcome.dir = s.folder.dir();
  if (!options.restart && s.folder.Finished()) {
    ASSIGN_OR_RETURN(outcome.summary, s.folder.ReadSummary());
    if (outcome.summary.status() == RunSummary::DIVERGED) {
      Divergence where = outcome.summary.divergence();
      where.set_message(absl::StrCat(s.folder.dir(), " was stopped before: ", where.message()));
      return DivergedError(where);
    }
    outcome.already_finished = true;
    return outcome;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Network> initial, LoadInitialWeights(spec, s.folder.dir()));
  ASSIGN_OR_RETURN(s.run, BuildRun(spec, {initial.get(), spec.init_from(), options.device}));
  initial.reset();
  s.spec_text = PrintTextProto(spec);
  s.init_checksum = InitChecksum(*s.run.network);
  s.writer = options.communicator == nullptr || options.communicator->rank() == 0;
  if (!options.restart && s.folder.HasCheckpoint()) RETURN_IF_ERROR(Resume(s));
  s.channels_last = ChannelsLast(spec, options.device);
  if (s.channels_last) UseChannelsLast(s.run.network.get());
  const absl::Status trained = TrainSession(s);
  if (std::optional<Divergence> where = DivergenceOf(trained)) return RecordDivergence(s, *where);
  RETURN_IF_ERROR(trained);
  outcome.resumed_after = s.resumed_after;
  outcome.summary = SummaryOf(s);
  if (s.writer) RETURN_IF_ERROR(s.folder.WriteSummary(outcome.summary));
  return outcome;
}

}  // namespace rwn
