#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "models/conv.h"
#include "torch_support/status.h"

namespace rwn {
namespace {

constexpr char kMagic[] = "RWNCKPT1";
constexpr size_t kMagicSize = 8, kLengthSize = 8, kChecksumSize = 16;
constexpr size_t kHeaderSize = kMagicSize + kLengthSize + kChecksumSize;

absl::string_view Bytes(const torch::Tensor& contiguous) {
  return absl::string_view(static_cast<const char*>(contiguous.data_ptr()),
                           contiguous.numel() * contiguous.element_size());
}

TensorRecord Record(const std::string& name, const torch::Tensor& tensor,
                    const torch::Tensor& mask) {
  TensorRecord record;
  record.set_name(name);
  record.set_dtype(c10::toString(tensor.scalar_type()));
  for (int64_t size : tensor.sizes()) record.add_shape(size);
  torch::Tensor values = tensor.detach().cpu();
  if (mask.defined()) {
    values = values.masked_select(mask.cpu());
    record.set_masked(true);
  }
  values = values.contiguous();
  record.set_data(std::string(Bytes(values)));
  return record;
}

// Copies `record` into `target` (the learned entries of `mask` if defined),
// after checking type, shape and size.
absl::Status Restore(const TensorRecord& record, torch::Tensor target, const torch::Tensor& mask) {
  const std::vector<int64_t> shape(record.shape().begin(), record.shape().end());
  if (record.dtype() != c10::toString(target.scalar_type()) || target.sizes() != shape ||
      record.masked() != mask.defined()) {
    return absl::DataLossError(absl::StrCat(
        "tensor '", record.name(), "' is ", record.dtype(), " [", absl::StrJoin(shape, ","),
        "] in the checkpoint but ", c10::toString(target.scalar_type()), " [",
        absl::StrJoin(target.sizes(), ","), "] in the model built from the spec"));
  }
  const int64_t count = mask.defined() ? mask.sum().item<int64_t>() : target.numel();
  if (static_cast<int64_t>(record.data().size()) != count * target.element_size()) {
    return absl::DataLossError(absl::StrCat("tensor '", record.name(), "' holds ",
                                            record.data().size(), " bytes; expected ",
                                            count * target.element_size()));
  }
  torch::Tensor values = torch::empty({count}, target.options().device(torch::kCPU));
  std::memcpy(values.data_ptr(), record.data().data(), record.data().size());
  torch::NoGradGuard no_grad;
  if (mask.defined()) {
    target.masked_scatter_(mask, values.to(target.device()));
  } else {
    target.copy_(values.view(shape));
  }
  return absl::OkStatus();
}

std::map<std::string, const TensorRecord*> ByName(
    const google::protobuf::RepeatedPtrField<TensorRecord>& records) {
  std::map<std::string, const TensorRecord*> by_name;
  for (const TensorRecord& record : records) by_name[record.name()] = &record;
  return by_name;
}

absl::StatusOr<const TensorRecord*> Find(const std::map<std::string, const TensorRecord*>& records,
                                         const std::string& name, const char* what) {
  auto it = records.find(name);
  if (it == records.end()) {
    return absl::DataLossError(absl::StrCat("the checkpoint has no ", what, " '", name,
                                            "', which the model built from the spec has"));
  }
  return it->second;
}

// `bytes` as a uint8 tensor (a generator's state).
torch::Tensor UInt8Tensor(const std::string& bytes) {
  torch::Tensor tensor = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(tensor.data_ptr(), bytes.data(), bytes.size());
  return tensor;
}

// The state of `device`'s default generator, when it is a GPU.
void SaveDeviceRng(const torch::Device& device, Checkpoint* checkpoint) {
  if (!device.is_cuda()) return;
  const torch::Tensor state = at::globalContext().defaultGenerator(device).get_state().contiguous();
  checkpoint->mutable_device_rng()->set_device(device.str());
  checkpoint->mutable_device_rng()->set_state(std::string(Bytes(state)));
}

}  // namespace

std::string InitChecksum(const Network& network) {
  torch::NoGradGuard no_grad;
  std::string bytes;
  auto add = [&](const torch::Tensor& tensor) {
    if (tensor.defined()) absl::StrAppend(&bytes, Bytes(tensor.detach().cpu().contiguous()));
  };
  for (const auto& item : network.module->named_modules()) {
    if (const auto* conv = item.value()->as<ConvImpl>()) {
      add(conv->whole_weight());
      add(conv->whole_bias());
    } else {
      for (const auto& param : item.value()->named_parameters(/*recurse=*/false))
        add(param.value());
    }
  }
  for (const auto& buffer : network.module->named_buffers()) add(buffer.value());
  return Fingerprint(bytes);
}

absl::Status SaveCheckpoint(const std::string& path, Checkpoint checkpoint, const Network& network,
                            const Optimizer& optimizer) {
  RETURN_IF_ERROR(GuardTorch("saving the checkpoint", [&]() -> absl::Status {
    checkpoint.set_format(kCheckpointFormat);
    checkpoint.set_libtorch(TORCH_VERSION);
    const std::vector<LearnedTensor>& params = optimizer.params();
    for (const LearnedTensor& param : params) {
      *checkpoint.add_learned() = Record(param.name, param.tensor, param.mask);
    }
    for (const auto& buffer : network.module->named_buffers()) {
      *checkpoint.add_buffers() = Record(buffer.key(), buffer.value(), {});
    }
    for (const StateTensor& state : optimizer.State()) {
      const torch::Tensor mask = state.param >= 0 ? params[state.param].mask : torch::Tensor();
      *checkpoint.add_optimizer() = Record(state.name, state.tensor, mask);
    }
    torch::Tensor rng = at::detail::getDefaultCPUGenerator().get_state();
    checkpoint.set_torch_rng(std::string(Bytes(rng.contiguous())));
    SaveDeviceRng(DeviceOf(network), &checkpoint);
    return absl::OkStatus();
  }));
  return WriteCheckpoint(path, checkpoint);
}

absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialize the checkpoint"));
  }
  std::string header(kMagic, kMagicSize);
  const uint64_t length = payload.size();
  for (size_t i = 0; i < kLengthSize; ++i) header.push_back(static_cast<char>(length >> (8 * i)));
  header += Fingerprint(payload);
  return WriteFileAtomically(path, header + payload);
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat(path, ": ", what));
  };
  if (content.size() < kHeaderSize || content.compare(0, kMagicSize, kMagic) != 0) {
    return corrupt(absl::StrCat("not an rwn checkpoint (expected a ", kHeaderSize,
                                "-byte header starting \"", kMagic, "\"; found ", content.size(),
                                " bytes", content.size() >= kMagicSize ? " of something else" : "",
                                ")"));
  }
  uint64_t length = 0;
  for (size_t i = 0; i < kLengthSize; ++i) {
    length |= static_cast<uint64_t>(static_cast<unsigned char>(content[kMagicSize + i])) << (8 * i);
  }
  const absl::string_view payload = absl::string_view(content).substr(kHeaderSize);
  if (payload.size() != length) {
    return corrupt(absl::StrCat("truncated or padded: the header announces ", length,
                                " bytes, the file holds ", payload.size()));
  }
  const std::string checksum = content.substr(kMagicSize + kLengthSize, kChecksumSize);
  if (Fingerprint(payload) != checksum) {
    return corrupt(absl::StrCat("checksum mismatch (header ", checksum, ", contents ",
                                Fingerprint(payload), "): the file is corrupt"));
  }
  Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return corrupt("the checksum matches but the contents do not parse");
  }
  if (checkpoint.format() == 1) {
    return corrupt(absl::StrCat(
        "format 1, whose fixed weights were drawn by libtorch's generator; this rwn draws them "
        "with its own (format ",
        kCheckpointFormat,
        ") and cannot regenerate them: retrain "
        "the run, or resume it with the rwn that wrote it"));
  }
  if (checkpoint.format() != kCheckpointFormat) {
    return corrupt(absl::StrCat("format ", checkpoint.format(), "; this rwn reads format ",
                                kCheckpointFormat));
  }
  return checkpoint;
}

namespace {

std::optional<torch::ScalarType> ScalarTypeNamed(const std::string& name) {
  for (auto candidate : {torch::kFloat32, torch::kFloat64, torch::kInt64, torch::kInt32,
                         torch::kBFloat16, torch::kFloat16, torch::kBool, torch::kUInt8}) {
    if (name == c10::toString(candidate)) return candidate;
  }
  return std::nullopt;
}

// The optimizer state recorded in `checkpoint`, as tensors of the recorded
// shapes on the learned tensors' device; the optimizer checks that they fit.
absl::StatusOr<std::vector<StateTensor>> OptimizerState(const Checkpoint& checkpoint,
                                                        const std::vector<LearnedTensor>& params) {
  std::map<std::string, int> param_index;
  for (size_t i = 0; i < params.size(); ++i) param_index[params[i].name] = static_cast<int>(i);
  const torch::Device device = params.empty() ? torch::kCPU : params[0].tensor.device();
  std::vector<StateTensor> state;
  for (const TensorRecord& record : checkpoint.optimizer()) {
    torch::Tensor mask;
    if (record.masked()) {
      const auto slash = record.name().find('/');
      auto it = slash == std::string::npos ? param_index.end()
                                           : param_index.find(record.name().substr(slash + 1));
      if (it == param_index.end()) {
        return absl::DataLossError(absl::StrCat("optimizer state '", record.name(),
                                                "' is masked but names no learned tensor"));
      }
      mask = params[it->second].mask;
    }
    const std::optional<torch::ScalarType> type = ScalarTypeNamed(record.dtype());
    if (!type) {
      return absl::DataLossError(
          absl::StrCat("optimizer state '", record.name(), "' has type ", record.dtype()));
    }
    const std::vector<int64_t> shape(record.shape().begin(), record.shape().end());
    torch::Tensor tensor = torch::zeros(shape, torch::TensorOptions().dtype(*type));
    RETURN_IF_ERROR(Restore(record, tensor, mask));
    state.push_back({record.name(), tensor.to(device)});
  }
  return state;
}

void RestoreTorchRng(const std::string& state) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(UInt8Tensor(state));
}

// A run on a GPU draws its dropout from that GPU's generator: its state goes
// back where the run now trains (the same local rank's GPU). A checkpoint
// from a CPU run, resumed on a GPU, has none: the GPU keeps its seeding.
void RestoreDeviceRng(const Checkpoint& checkpoint, const torch::Device& device) {
  if (!device.is_cuda() || !checkpoint.has_device_rng()) return;
  at::Generator generator = at::globalContext().defaultGenerator(device);
  generator.set_state(UInt8Tensor(checkpoint.device_rng().state()));
}

}  // namespace

absl::Status RestoreCheckpoint(const Checkpoint& checkpoint, Network* network,
                               Optimizer* optimizer) {
  return GuardTorch("restoring the checkpoint", [&]() -> absl::Status {
    const auto learned = ByName(checkpoint.learned());
    const std::vector<LearnedTensor>& params = optimizer->params();
    if (learned.size() != params.size()) {
      return absl::DataLossError(absl::StrCat("the checkpoint holds ", learned.size(),
                                              " learned tensors; the spec learns ", params.size()));
    }
    for (const LearnedTensor& param : params) {
      ASSIGN_OR_RETURN(const TensorRecord* record, Find(learned, param.name, "learned tensor"));
      RETURN_IF_ERROR(Restore(*record, param.tensor, param.mask));
    }
    const auto buffers = ByName(checkpoint.buffers());
    for (const auto& buffer : network->module->named_buffers()) {
      ASSIGN_OR_RETURN(const TensorRecord* record, Find(buffers, buffer.key(), "buffer"));
      RETURN_IF_ERROR(Restore(*record, buffer.value(), {}));
    }
    ASSIGN_OR_RETURN(std::vector<StateTensor> state, OptimizerState(checkpoint, params));
    absl::Status status = optimizer->LoadState(state);
    if (!status.ok()) return absl::DataLossError(status.message());
    RestoreTorchRng(checkpoint.torch_rng());
    RestoreDeviceRng(checkpoint, DeviceOf(*network));
    return absl::OkStatus();
  });
}

}  // namespace rwn
