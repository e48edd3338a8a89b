// For //tests:pytorch_export_test: loads a run folder as rwn does, and writes
// the first test batch (normalized images) and rwn's logits on it, in eval
// mode, to a safetensors file ("images", "logits").
//   export_logits --run=DIR --out=F.safetensors [--batch=8]
#include <gflags/gflags.h>
#include <torch/torch.h>

#include <cstdio>

#include "datasets/dataset.h"
#include "datasets/loader.h"
#include "export/safetensors.h"
#include "run/load.h"
#include "selectors/plan.h"
#include "torch_support/runtime.h"

DEFINE_string(run, "", "the run folder");
DEFINE_string(out, "", "the safetensors file to write");
DEFINE_int32(batch, 8, "images");

namespace {

rwn::StoredTensor Store(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.detach().to(torch::kFloat).contiguous();
  return {name, "F32", values.sizes().vec(),
          std::string(static_cast<const char*>(values.data_ptr()), values.numel() * 4)};
}

}  // namespace

int main(int argc, char** argv) {
  rwn::InitRuntime(1);
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  absl::StatusOr<rwn::LoadedRun> run = rwn::LoadRun(FLAGS_run);
  if (!run.ok()) {
    std::fprintf(stderr, "%s\n", std::string(run.status().message()).c_str());
    return 1;
  }
  rwn::ExportPlain(run->network.get());
  const rwn::Dataset& data = *run->dataset;
  rwn::BatchLoader loader(data.test, data.mean, data.std, FLAGS_batch, /*shuffle=*/false, 1);
  loader.Reset(0);
  rwn::Batch batch;
  loader.Next(&batch);
  run->network->module->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = run->network->forward(batch.images);
  rwn::Safetensors file;
  file.tensors = {Store("images", batch.images), Store("logits", logits)};
  const absl::Status written = rwn::WriteSafetensors(FLAGS_out, file);
  if (!written.ok()) {
    std::fprintf(stderr, "%s\n", std::string(written.message()).c_str());
    return 1;
  }
  return 0;
}
