#include "run/load.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "optim/optimizer.h"
#include "run/build.h"
#include "run/run_folder.h"
#include "selectors/plan.h"
#include "train/checkpoint.h"

namespace rwn {

namespace fs = std::filesystem;

absl::StatusOr<std::shared_ptr<Network>> LoadInitialWeights(const ExperimentSpec& spec,
                                                            const std::string& run_dir) {
  if (!spec.has_init_from()) return std::shared_ptr<Network>();
  fs::path from(spec.init_from());
  if (from.is_relative()) from = (fs::path(run_dir) / from).lexically_normal();
  absl::StatusOr<LoadedRun> init = LoadRun(from.string());
  if (!init.ok()) {
    return absl::Status(init.status().code(), absl::StrCat("init_from.", init.status().message()));
  }
  ExportPlain(init->network.get());
  return init->network;
}

absl::StatusOr<LoadedRun> LoadRun(const std::string& dir) {
  const RunFolder folder(dir);
  ASSIGN_OR_RETURN(ExperimentSpec spec, folder.ReadSpec());
  if (folder.Finished()) {
    ASSIGN_OR_RETURN(const RunSummary summary, folder.ReadSummary());
    if (summary.status() == RunSummary::DIVERGED) {
      return absl::InvalidArgumentError(absl::StrCat(dir, ": the run diverged (",
                                                     summary.divergence().message(),
                                                     "); it has no trained weights to load"));
    }
  }
  if (!folder.HasCheckpoint()) {
    return absl::NotFoundError(
        absl::StrCat(folder.checkpoint(), ": missing; is this a run folder with a trained epoch?"));
  }
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(folder.checkpoint()));
  ASSIGN_OR_RETURN(std::shared_ptr<Network> initial, LoadInitialWeights(spec, dir));
  ASSIGN_OR_RETURN(BuiltRun run, BuildRun(spec, {initial.get(), spec.init_from()}));
  if (checkpoint.init_checksum() != InitChecksum(*run.network)) {
    return absl::DataLossError(absl::StrCat(folder.checkpoint(),
                                            ": the fixed weights regenerated from ", folder.spec(),
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

}  // namespace rwn
