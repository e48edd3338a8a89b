#include "export/export.h"

#include <torch/torch.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "export/safetensors.h"
#include "models/model.h"
#include "run/build.h"
#include "run/load.h"
#include "selectors/plan.h"

namespace rwn {
namespace {

constexpr char kFormatKey[] = "rwn.format";

std::string DtypeName(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat:
      return "F32";
    case torch::kDouble:
      return "F64";
    case torch::kHalf:
      return "F16";
    case torch::kBFloat16:
      return "BF16";
    case torch::kLong:
      return "I64";
    case torch::kInt:
      return "I32";
    case torch::kByte:
      return "U8";
    case torch::kBool:
      return "BOOL";
    default:
      return "";
  }
}

absl::StatusOr<StoredTensor> Store(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.detach().cpu().contiguous();
  StoredTensor stored{name, DtypeName(values.scalar_type()), values.sizes().vec(), ""};
  if (stored.dtype.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": dtype ", c10::toString(values.scalar_type()), " cannot be exported"));
  }
  stored.bytes.assign(static_cast<const char*>(values.data_ptr()),
                      values.numel() * values.element_size());
  return stored;
}

// A stored tensor as a libtorch one (a copy), of the dtype `like` has.
torch::Tensor Load(const StoredTensor& stored, const torch::Tensor& like) {
  torch::Tensor out = torch::empty(stored.shape, like.options().device(torch::kCPU));
  std::memcpy(out.data_ptr(), stored.bytes.data(), stored.bytes.size());
  return out;
}

std::map<std::string, std::string> Metadata(const LoadedRun& run, const std::string& format) {
  const PyTorchReference& reference = run.network->reference;
  return {{"format", "pt"},
          {kFormatKey, format},
          {"rwn.model", reference.model},
          {"rwn.arguments", reference.arguments},
          {"rwn.description", run.network->description},
          {"rwn.epochs", absl::StrCat(run.epochs)},
          {"rwn.spec", PrintTextProto(run.spec)}};
}

}  // namespace

absl::Status ExportWhole(LoadedRun& run, const std::string& path) {
  ExportPlain(run.network.get());
  const PyTorchReference& reference = run.network->reference;
  auto rename = [&](const std::string& name) {
    return reference.rename ? reference.rename(name) : name;
  };
  Safetensors file;
  file.metadata = Metadata(run, "whole");
  for (const auto& item : run.network->module->named_parameters()) {
    ASSIGN_OR_RETURN(StoredTensor t, Store(rename(item.key()), item.value()));
    file.tensors.push_back(std::move(t));
  }
  for (const auto& item : run.network->module->named_buffers()) {
    ASSIGN_OR_RETURN(StoredTensor t, Store(rename(item.key()), item.value()));
    file.tensors.push_back(std::move(t));
  }
  return WriteSafetensors(path, file);
}

absl::Status ExportDelta(LoadedRun& run, const std::string& path) {
  if (run.spec.has_init_from()) {
    return absl::InvalidArgumentError(
        "a run started from another run's weights (init_from) cannot be exported as a delta: "
        "its fixed weights are that run's; allowed: --format=whole");
  }
  ExportPlain(run.network.get());
  Safetensors file;
  file.metadata = Metadata(run, "delta");
  for (const auto& item : run.network->module->named_parameters()) {
    const torch::Tensor mask =
        LearnedMask(run.plan, item.key(), item.value().sizes().vec()).to(item.value().device());
    if (!mask.any().item<bool>()) continue;
    ASSIGN_OR_RETURN(StoredTensor t, Store(item.key(), item.value().masked_select(mask)));
    file.tensors.push_back(std::move(t));
  }
  for (const auto& item : run.network->module->named_buffers()) {
    ASSIGN_OR_RETURN(StoredTensor t, Store(item.key(), item.value()));
    file.tensors.push_back(std::move(t));
  }
  return WriteSafetensors(path, file);
}

absl::Status ExpandDelta(const std::string& delta, const std::string& path) {
  ASSIGN_OR_RETURN(const Safetensors file, ReadSafetensors(delta));
  auto format = file.metadata.find(kFormatKey);
  if (format == file.metadata.end() || format->second != "delta" ||
      !file.metadata.count("rwn.spec")) {
    return absl::InvalidArgumentError(absl::StrCat(
        delta, ": not a delta written by rwn export --format=delta (its metadata has no ",
        kFormatKey, " = delta and rwn.spec)"));
  }
  LoadedRun run;
  RETURN_IF_ERROR(ParseTextProto(file.metadata.at("rwn.spec"), delta, &run.spec));
  ASSIGN_OR_RETURN(BuiltRun built, BuildRun(run.spec));
  run.network = built.network;
  run.plan = built.plan;
  run.epochs = std::stoi(file.metadata.count("rwn.epochs") ? file.metadata.at("rwn.epochs") : "0");
  ExportPlain(run.network.get());
  auto parameters = run.network->module->named_parameters();
  auto buffers = run.network->module->named_buffers();
  torch::NoGradGuard no_grad;
  for (const StoredTensor& stored : file.tensors) {
    auto refuse = [&](const std::string& why) {
      return absl::InvalidArgumentError(
          absl::StrCat(delta, ": tensor \"", stored.name, "\" ", why));
    };
    const torch::Tensor* target = parameters.find(stored.name);
    if (target == nullptr) target = buffers.find(stored.name);
    if (target != nullptr && DtypeName(target->scalar_type()) != stored.dtype) {
      return refuse(
          absl::StrCat("is ", stored.dtype, "; the model's is ", DtypeName(target->scalar_type())));
    }
    if (torch::Tensor* parameter = parameters.find(stored.name)) {
      const torch::Tensor mask = LearnedMask(run.plan, stored.name, parameter->sizes().vec());
      if (mask.sum().item<int64_t>() * DtypeSize(stored.dtype) !=
          static_cast<int64_t>(stored.bytes.size())) {
        return refuse("does not hold one value per entry its spec's learn plan learns");
      }
      parameter->masked_scatter_(mask.to(parameter->device()),
                                 Load(stored, *parameter).to(parameter->device()));
    } else if (torch::Tensor* buffer = buffers.find(stored.name)) {
      if (stored.shape != buffer->sizes().vec())
        return refuse("has another shape than the model's");
      buffer->copy_(Load(stored, *buffer));
    } else {
      return refuse("is neither a parameter nor a buffer of the spec's model");
    }
  }
  return ExportWhole(run, path);
}

}  // namespace rwn
