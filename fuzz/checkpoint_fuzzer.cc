// Fuzzes the checkpoint reader and its restore into a run. The input's first
// byte picks what the rest is: even, the whole file (header included); odd,
// the payload, given a valid header so that the fuzzer reaches the Checkpoint
// proto and RestoreCheckpoint (learned entries, masks, optimizer state,
// buffers, generator states) of a WRN-10-1 learning half its filters.
#include "core/files.h"
#include "core/text_proto.h"
#include "experiments/experiment.pb.h"
#include "fuzz/fuzz_support.h"
#include "optim/optimizer.h"
#include "run/build.h"
#include "train/checkpoint.h"
#include "train/checkpoint.pb.h"

namespace rwn::fuzz {
namespace {

constexpr char kSpec[] = R"pb(
  seed: 1
  model { wide_resnet { depth: 10 widen_factor: 1 } }
  dataset { synthetic { train_size: 16 test_size: 16 size: 8 } }
  learn { selector { filter_fraction { fraction: 0.5 } } }
  optimizer { sgd { lr: 0.1 momentum: 0.9 } }
)pb";

BuiltRun& Run() {
  static BuiltRun* run = [] {
    ExperimentSpec spec;
    if (!ParseTextProto(kSpec, "checkpoint_fuzzer", &spec).ok()) std::abort();
    return new BuiltRun(BuildRun(spec).value());
  }();
  return *run;
}

// The header WriteCheckpoint puts before `payload` (train/checkpoint.cc).
std::string WithHeader(absl::string_view payload) {
  std::string file = "RWNCKPT1";
  for (int i = 0; i < 8; ++i)
    file.push_back(static_cast<char>(uint64_t{payload.size()} >> (8 * i)));
  return file + Fingerprint(payload) + std::string(payload);
}

}  // namespace
}  // namespace rwn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwn;
  if (size < 1) return 0;
  BuiltRun& run = fuzz::Run();
  const absl::string_view rest = fuzz::View(data + 1, size - 1);
  const std::string path = fuzz::ScratchDir() + "/checkpoint.rwn";
  fuzz::WriteBytes(path, data[0] % 2 == 0 ? std::string(rest) : fuzz::WithHeader(rest));
  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(path);
  if (checkpoint.ok()) {
    RestoreCheckpoint(*checkpoint, run.network.get(), run.optimizer.get()).IgnoreError();
  }
  return 0;
}
