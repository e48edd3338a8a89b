#include "run/testing.h"

#include <cstdio>
#include <cstdlib>

#include "core/testing.h"

namespace rwn {

BuiltRun BuildRunOrDie(const std::string& spec_text, const BuildOptions& options) {
  ExperimentSpec spec = ParseTextProtoOrDie<ExperimentSpec>(spec_text);
  if (!spec.has_name()) spec.set_name("test");
  absl::StatusOr<BuiltRun> run = BuildRun(spec, options);
  if (!run.ok()) {
    std::fprintf(stderr, "BuildRunOrDie: %s\n", run.status().ToString().c_str());
    std::abort();
  }
  return std::move(*run);
}

}  // namespace rwn
