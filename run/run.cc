#include "run/run.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "experiments/spec.h"
#include "run/build.h"
#include "run/ensemble.h"
#include "run/train_run.h"
#include "train/device.h"

namespace rwn {

absl::Status CheckSpec(const ExperimentSpec& spec) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  return BuildRun(spec).status();
}

absl::StatusOr<RunOutcome> RunExperiment(const ExperimentSpec& spec, const RunOptions& options) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  RETURN_IF_ERROR(ValidateSpecOnDevice(spec, options.device));
  ConfigureDeterminism(spec.deterministic() || options.deterministic, options.device);
  if (options.checkpoint_every < 0) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint_every = ", options.checkpoint_every,
                                                   "; allowed: >= 0 (0 = only the last)"));
  }
  if (options.log_every_n_steps < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "log_every_n_steps = ", options.log_every_n_steps, "; allowed: >= 0 (0 = per epoch only)"));
  }
  if (spec.has_ensemble()) return RunEnsemble(spec, options);
  return TrainRun(spec, options);
}

absl::StatusOr<ExperimentSpec> ReadExperimentFile(const std::string& path,
                                                  const std::string& device) {
  ASSIGN_OR_RETURN(ExperimentSpec spec, ParseTextProtoFile<ExperimentSpec>(path));
  absl::Status valid = ValidateSpec(spec);
  if (valid.ok()) valid = ValidateSpecOnDevice(spec, device);
  if (!valid.ok()) return absl::Status(valid.code(), absl::StrCat(path, ": ", valid.message()));
  return spec;
}

absl::StatusOr<RunOutcome> RunExperimentFile(const std::string& path, const RunOptions& options) {
  ASSIGN_OR_RETURN(ExperimentSpec spec, ParseTextProtoFile<ExperimentSpec>(path));
  absl::StatusOr<RunOutcome> outcome = RunExperiment(spec, options);
  if (outcome.ok()) return outcome;
  absl::Status named(outcome.status().code(), absl::StrCat(path, ": ", outcome.status().message()));
  // Payloads say more than the code (a divergence: exit code 3); keep them.
  outcome.status().ForEachPayload(
      [&](absl::string_view type, const absl::Cord& payload) { named.SetPayload(type, payload); });
  return named;
}

}  // namespace rwn
