// Running one experiment spec into its run folder (DESIGN.md section 7):
//
//   <out>/<spec name>/<fingerprint>/
//     spec.pbtxt     the spec as run
//     metrics.jsonl  one EpochMetrics per epoch (train/metrics.proto)
//     checkpoint.rwn the learned tensors, optimizer state and history after
//                    the last checkpointed epoch (train/checkpoint.h); kept
//                    when the run finishes, as its learned delta
//     summary.json   RunSummary; written last, so it marks a finished run
//     log.txt        the epoch lines
//     .lock          flock'ed by the process training the run, so a second
//                    process (a requeued Slurm task, a second sweep) refuses
//                    to train it at the same time
//
// Everything in the spec is checked, the dataset loaded and the model built
// before the folder is created, so a bad spec leaves nothing behind. A
// finished run is not run again. An unfinished one resumes from its
// checkpoint, exactly: the fixed weights are regenerated and checked against
// the checkpoint's checksum, and training continues as if never stopped. A
// checkpoint that is corrupt or belongs to another spec is refused (DataLoss)
// with the way to start afresh.
#ifndef RWN_EXPERIMENTS_EXPERIMENT_H_
#define RWN_EXPERIMENTS_EXPERIMENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "experiments/experiment.pb.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "selectors/selector.h"
#include "train/metrics.pb.h"

namespace rwn {

class Communicator;

struct RunOptions {
  std::string out = "runs";  // root of run folders
  int threads = 1;           // libtorch threads in effect (recorded in the summary)
  bool quiet = false;        // no progress display
  int checkpoint_every = 1;  // epochs between checkpoints; 0 = only the last
  bool restart = false;      // discard an unfinished (or finished) run and start afresh
  std::string dir;           // the run folder; empty = RunDir(spec, out)
  // Data-parallel training across ranks (train/distributed.h), or null.
  // Every rank runs the same spec; rank 0 alone writes the run folder, and
  // every rank resumes from its checkpoint.
  Communicator* communicator = nullptr;
  // "cpu" or "cuda:N", as train/device.h resolves --device.
  std::string device = "cpu";
};

struct RunOutcome {
  std::string dir;               // the run folder
  RunSummary summary;
  bool already_finished = false;  // true: nothing ran, the summary was read
  int resumed_after = 0;          // epochs the checkpoint had completed, if resumed
};

// The run folder of `spec` under `out`.
std::string RunDir(const ExperimentSpec& spec, const std::string& out);

// A run folder's summary.json: read (DataLoss when it is not a summary),
// and written atomically.
absl::StatusOr<RunSummary> ReadSummary(const std::string& path);
absl::Status WriteSummary(const std::string& path, const RunSummary& summary);

// The seed of the learned selection's random draw, the data order and
// dropout: variation_seed when set, else seed.
uint64_t VariationSeed(const ExperimentSpec& spec);

// Checks the spec's own fields (name, epochs, batch sizes, required blocks).
absl::Status ValidateSpec(const ExperimentSpec& spec);

// Builds everything `spec` names (dataset, model, learn plan, optimizer) to
// check it, without training or writing anything; init_from is not loaded.
absl::Status CheckSpec(const ExperimentSpec& spec);

// Trains `spec` (or reads its finished run) under `options.out`. A spec with
// an `ensemble` block runs as a cheap ensemble (experiments/ensemble.h).
absl::StatusOr<RunOutcome> RunExperiment(const ExperimentSpec& spec, const RunOptions& options);

struct LoadedRun {
  ExperimentSpec spec;
  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<Network> network;  // fixed weights regenerated, learned ones restored
  LearnPlan plan;
  int epochs = 0;  // epochs the checkpoint had completed
};

// Rebuilds the network of run folder `dir` from its spec and seed and restores
// its checkpoint's learned weights (after checking the fixed-weight checksum).
absl::StatusOr<LoadedRun> LoadRun(const std::string& dir);

// Parses `path` and runs it.
absl::StatusOr<RunOutcome> RunExperimentFile(const std::string& path, const RunOptions& options);

}  // namespace rwn

#endif  // RWN_EXPERIMENTS_EXPERIMENT_H_
