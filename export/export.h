// `rwn export`: a trained run as a file other tools load.
//
//  - whole: every parameter and buffer of the trained network (learned and
//    fixed weights merged), under the names of rwn's PyTorch definition of
//    the model (models/model.h, PyTorchReference; tools/pytorch/
//    rwn_models.py), as safetensors. Its metadata says which model and
//    arguments build it, and holds the spec. In PyTorch:
//    rwn_models.load("F.safetensors") gives the nn.Module.
//  - delta: what training changed and nothing else: the learned entries of
//    each learned tensor (in row-major order of the entries the spec's
//    learn plan selects), every buffer (batch-norm statistics), and the
//    spec, from which rwn regenerates the fixed weights and the plan. A
//    trained selection in kilobytes; ExpandDelta (rwn export --delta=F)
//    turns it back into the whole model.
#ifndef RWN_EXPORT_EXPORT_H_
#define RWN_EXPORT_EXPORT_H_

#include <string>

#include "absl/status/status.h"

namespace rwn {

struct LoadedRun;

// Writes the loaded run's network (after ExportPlain) whole to `path`.
absl::Status ExportWhole(LoadedRun& run, const std::string& path);

// Writes the loaded run's learned entries and buffers to `path`.
absl::Status ExportDelta(LoadedRun& run, const std::string& path);

// Rebuilds the whole network from the delta file `delta` and writes it
// whole to `path`.
absl::Status ExpandDelta(const std::string& delta, const std::string& path);

}  // namespace rwn

#endif  // RWN_EXPORT_EXPORT_H_
