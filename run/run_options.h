// How a run is run, and what came of it (run/run.h runs one).
#ifndef RWN_RUN_RUN_OPTIONS_H_
#define RWN_RUN_RUN_OPTIONS_H_

#include <string>

#include "train/metrics.pb.h"

namespace rwn {

class Communicator;

struct RunOptions {
  std::string out = "runs";  // root of run folders
  int threads = 1;           // libtorch threads in effect (recorded in the summary)
  bool quiet = false;        // no progress display
  int checkpoint_every = 1;  // epochs between checkpoints; 0 = only the last
  // TensorBoard: the training loss of every N-th step; 0 = per epoch only.
  int log_every_n_steps = 10;
  bool restart = false;  // discard an unfinished (or finished) run and start afresh
  std::string dir;       // the run folder; empty = RunFolder::Of(spec, out)
  // Data-parallel training across ranks (train/distributed.h), or null.
  // Every rank runs the same spec; rank 0 alone writes the run folder, and
  // every rank resumes from its checkpoint.
  Communicator* communicator = nullptr;
  // "cpu" or "cuda:N", as train/device.h resolves --device.
  std::string device = "cpu";
  // Repeatable on a GPU (the spec's `deterministic`, also when that is off).
  bool deterministic = false;
  // The rwn source (core/source_commit.h) recorded in the summary; "" = unknown.
  std::string commit;
};

struct RunOutcome {
  std::string dir;  // the run folder
  RunSummary summary;
  bool already_finished = false;  // true: nothing ran, the summary was read
  int resumed_after = 0;          // epochs the checkpoint had completed, if resumed
};

}  // namespace rwn

#endif  // RWN_RUN_RUN_OPTIONS_H_
