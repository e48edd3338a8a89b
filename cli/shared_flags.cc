#include "cli/shared_flags.h"

DEFINE_string(spec, "", "the spec file (.pbtxt): an experiment (train, count) or a sweep (sweep)");
DEFINE_string(out, "runs",
              "train, sweep: the folder of run folders; report, weights: the output folder; "
              "export: the file");
DEFINE_string(run, "", "weights, export: a run folder");
DEFINE_string(runs, "", "the folder of run folders to read");
DEFINE_int32(threads, 0, "libtorch threads; 0 = $OMP_NUM_THREADS if set, else every core");
DEFINE_bool(quiet, false, "no progress display");
DEFINE_int32(checkpoint_every, 1, "epochs between checkpoints; 0 = only after the last");
DEFINE_int32(log_every_n_steps, 10,
             "TensorBoard: the training loss of every N-th step; 0 = per-epoch curves only");
DEFINE_int32(master_port, 0,
             "rank 0's port (train: default $MASTER_PORT, else 29500; launch: a free port)");
DEFINE_string(device, "cpu", "cpu, cuda, cuda:N or auto (a GPU if there is one)");
DEFINE_bool(deterministic, false,
            "repeatable on a GPU (cuDNN deterministic, no benchmark mode); as the spec's "
            "deterministic: true");
