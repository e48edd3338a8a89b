// Fuzzes a sweep file from its text through parsing, expansion into points
// (patches merged into the base, labels, names) and ValidateSpec of each of
// the first 16 points. Building a point is spec_fuzzer's part.
#include "core/text_proto.h"
#include "experiments/spec.h"
#include "experiments/sweep.h"
#include "experiments/sweep.pb.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rwn;
  fuzz::ScratchDir();  // the runtime
  SweepSpec sweep;
  if (!ParseTextProto(fuzz::View(data, size), "fuzz.pbtxt", &sweep).ok()) return 0;
  absl::StatusOr<std::vector<SweepPoint>> points = ExpandSweep(sweep);
  if (!points.ok()) return 0;
  for (size_t i = 0; i < points->size() && i < 16; ++i)
    ValidateSpec((*points)[i].spec).IgnoreError();
  return 0;
}
