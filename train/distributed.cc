#include "train/distributed.h"

#include <torch/torch.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef RWN_LIBTORCH_HAS_NCCL
#define USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/secret.h"
#include "core/status_macros.h"
#include "train/rendezvous.h"

namespace rwn {
namespace {

absl::Status ReadInt(const char* variable, int* value) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return absl::OkStatus();
  if (!absl::SimpleAtoi(text, value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(variable, "=", text, " in the environment; allowed: a whole number"));
  }
  return absl::OkStatus();
}

// The first line of a c10d error, without libtorch's backtrace.
std::string Message(const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  const std::string text = c10_error ? c10_error->what_without_backtrace() : error.what();
  return std::string(*absl::StrSplit(text, '\n').begin());
}

bool IsLoopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

}  // namespace

struct Communicator::Engine {
  c10::intrusive_ptr<c10d::TCPStore> tcp_store;
  c10::intrusive_ptr<c10d::Store> store;  // the admitted ranks' keys (train/rendezvous.h)
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;  // CPU tensors
#ifdef RWN_LIBTORCH_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // GPU tensors, when training on GPUs
#endif

  // `collective` (a call on a process group, returning its work) on the
  // group for `tensor`'s device, waited for.
  template <class Collective>
  void Run(const at::Tensor& tensor, Collective collective, std::chrono::milliseconds timeout) {
#ifdef RWN_LIBTORCH_HAS_NCCL
    if (tensor.is_cuda() && nccl) {
      collective(*nccl)->wait(timeout);
      return;
    }
#endif
    collective(*group)->wait(timeout);
  }
};

std::string BackendFor(const std::string& device) {
  return device.rfind("cuda", 0) == 0 ? "nccl" : "gloo";
}

namespace {

// The ranks' CPU group, over the interface that reaches MASTER_ADDR.
c10::intrusive_ptr<c10d::ProcessGroupGloo> GlooGroup(const c10::intrusive_ptr<c10d::Store>& store,
                                                     const DistributedOptions& options) {
  auto gloo = c10d::ProcessGroupGloo::Options::create(options.timeout);
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface) {
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (IsLoopback(options.master_addr)) {
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  return c10::make_intrusive<c10d::ProcessGroupGloo>(
      c10::make_intrusive<c10d::PrefixStore>("gloo", store), options.rank, options.world_size,
      gloo);
}

#ifdef RWN_LIBTORCH_HAS_NCCL
// The ranks' GPU group. NCCL reports a dead or stalled peer from a watchdog
// thread that by default tears the process down; in blocking-wait mode it
// is an exception from wait() instead, which Communicator turns into the
// same clear error as Gloo's. A user's own TORCH_NCCL_* settings win.
c10::intrusive_ptr<c10d::ProcessGroupNCCL> NcclGroup(const c10::intrusive_ptr<c10d::Store>& store,
                                                     const DistributedOptions& options) {
  setenv("TORCH_NCCL_BLOCKING_WAIT", "1", /*overwrite=*/0);
  setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "0", /*overwrite=*/0);
  auto nccl = c10d::ProcessGroupNCCL::Options::create();
  nccl->timeout = options.timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(
      c10::make_intrusive<c10d::PrefixStore>("nccl", store), options.rank, options.world_size,
      nccl);
}
#endif

#ifndef RWN_LIBTORCH_HAS_NCCL
absl::Status NoNccl(const DistributedOptions& options) {
  return absl::InvalidArgumentError(absl::StrCat(
      "--device=", options.device, " with ", options.world_size,
      " ranks needs NCCL, and this rwn was built without it (a CPU-only libtorch, or no CUDA and "
      "NCCL headers found at build time); allowed: --device=cpu, or build with bazel "
      "--config=cuda"));
}
#endif

}  // namespace

absl::Status ReadDistributedEnvironment(DistributedOptions* options) {
  RETURN_IF_ERROR(ReadInt("RANK", &options->rank));
  RETURN_IF_ERROR(ReadInt("WORLD_SIZE", &options->world_size));
  RETURN_IF_ERROR(ReadInt("MASTER_PORT", &options->master_port));
  if (const char* address = std::getenv("MASTER_ADDR"); address != nullptr && *address != '\0') {
    options->master_addr = address;
  }
  absl::StatusOr<std::string> secret = ReadSecretFromEnvironment();
  if (!secret.ok()) return secret.status();
  options->secret = *secret;
  return absl::OkStatus();
}

absl::Status ValidateDistributedOptions(const DistributedOptions& options) {
  if (options.world_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("world size ", options.world_size, "; allowed: >= 1"));
  }
  if (options.rank < 0 || options.rank >= options.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("rank ", options.rank, "; allowed: 0 to ",
                                                   options.world_size - 1, " (world size ",
                                                   options.world_size, ")"));
  }
  if (options.master_port < 1 || options.master_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("master port ", options.master_port, "; allowed: 1 to 65535"));
  }
  if (options.timeout.count() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("distributed timeout ", options.timeout.count(), " ms; allowed: > 0"));
  }
  if (options.world_size > 1 && options.secret.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.world_size, " ranks and no secret: a data-parallel run needs ", kSecretVariable,
        " or ", kSecretFileVariable,
        " set, the same on every rank, so that no other process can "
        "join it; allowed: rwn launch (which makes one), or by hand on every rank: export ",
        kSecretVariable, "=<the output of `openssl rand -hex 32`, once for the run>"));
  }
  if (options.master_addr.empty()) {
    return absl::InvalidArgumentError("master address is empty; allowed: a host name or address");
  }
  return absl::OkStatus();
}

Communicator::Communicator(const DistributedOptions& options, std::unique_ptr<Engine> engine)
    : options_(options), engine_(std::move(engine)) {}

Communicator::~Communicator() = default;

absl::StatusOr<std::unique_ptr<Communicator>> Communicator::Connect(
    const DistributedOptions& options) {
  RETURN_IF_ERROR(ValidateDistributedOptions(options));
#ifndef RWN_LIBTORCH_HAS_NCCL
  if (BackendFor(options.device) == "nccl") return NoNccl(options);
#endif
  auto engine = std::make_unique<Engine>();
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = options.world_size;
    store_options.waitWorkers = false;  // waited for below, to our own deadline
    store_options.timeout = options.timeout;
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    engine->tcp_store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
    Party me{options.rank, options.world_size, options.secret, options.timeout,
             absl::StrCat(options.master_addr, ":", options.master_port)};
    absl::StatusOr<std::string> prefix = Rendezvous(*engine->tcp_store, me);
    if (prefix.status().code() == absl::StatusCode::kDeadlineExceeded) {
      throw std::runtime_error(std::string(prefix.status().message()));
    }
    if (!prefix.ok()) return prefix.status();
    engine->store = c10::make_intrusive<c10d::PrefixStore>(*prefix, engine->tcp_store);
    // Every rank checks in, then waits until all have.
    int64_t joined = engine->store->add("rwn/joined", 1);
    while (joined < options.world_size) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(absl::StrCat(joined, " of ", options.world_size, " ranks joined"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      joined = engine->store->add("rwn/joined", 0);
    }
    engine->group = GlooGroup(engine->store, options);
#ifdef RWN_LIBTORCH_HAS_NCCL
    if (BackendFor(options.device) == "nccl") {
      try {
        engine->nccl = NcclGroup(engine->store, options);
      } catch (const std::exception& error) {
        return absl::UnavailableError(absl::StrCat("rank ", options.rank, ": cannot start NCCL on ",
                                                   options.device, ": ", Message(error)));
      }
    }
#endif
  } catch (const std::exception& error) {
    return absl::DeadlineExceededError(
        absl::StrCat("rank ", options.rank, " of ", options.world_size,
                     ": the ranks did not all meet at ", options.master_addr, ":",
                     options.master_port, " within the ", options.timeout.count() / 1000.0,
                     " s timeout (is every rank started, with the same "
                     "MASTER_ADDR, MASTER_PORT and WORLD_SIZE?): ",
                     Message(error)));
  }
  return std::unique_ptr<Communicator>(new Communicator(options, std::move(engine)));
}

absl::Status Communicator::Failed(const char* what, const std::exception& error) const {
  return absl::UnavailableError(
      absl::StrCat("rank ", options_.rank, " of ", options_.world_size, ": ", what,
                   " failed; a peer died, or stalled past the ", options_.timeout.count() / 1000.0,
                   " s timeout: ", Message(error)));
}

absl::Status Communicator::Broadcast(const std::vector<at::Tensor>& tensors) {
  if (world_size() == 1 || tensors.empty()) return absl::OkStatus();
  try {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> flat;
    for (const torch::Tensor& t : tensors)
      flat.push_back(t.detach().reshape(-1).to(torch::kFloat32));
    std::vector<torch::Tensor> buffer = {torch::cat(flat)};
    c10d::BroadcastOptions broadcast;
    broadcast.rootRank = 0;
    engine_->Run(
        buffer[0], [&](auto& group) { return group.broadcast(buffer, broadcast); },
        options_.timeout);
    int64_t offset = 0;
    for (const torch::Tensor& t : tensors) {
      t.detach().copy_(buffer[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  } catch (const std::exception& error) {
    return Failed("broadcasting rank 0's learned weights", error);
  }
  return absl::OkStatus();
}

absl::Status Communicator::AllReduceMean(const std::vector<at::Tensor>& tensors) {
  if (world_size() == 1) return absl::OkStatus();
  try {
    torch::NoGradGuard no_grad;
    size_t begin = 0;
    while (begin < tensors.size()) {
      // One bucket: tensors until the bucket holds bucket_bytes (at least one).
      size_t end = begin;
      int64_t bytes = 0;
      std::vector<torch::Tensor> flat;
      while (end < tensors.size() && (end == begin || bytes < options_.bucket_bytes)) {
        bytes += tensors[end].numel() * tensors[end].element_size();
        flat.push_back(tensors[end].reshape(-1));
        ++end;
      }
      std::vector<torch::Tensor> bucket = {torch::cat(flat)};
      engine_->Run(
          bucket[0], [&](auto& group) { return group.allreduce(bucket); }, options_.timeout);
      reduced_bytes_ += bucket[0].numel() * bucket[0].element_size();
      ++reduce_calls_;
      bucket[0].div_(world_size());
      int64_t offset = 0;
      for (size_t i = begin; i < end; ++i) {
        tensors[i].copy_(bucket[0].narrow(0, offset, tensors[i].numel()).view(tensors[i].sizes()));
        offset += tensors[i].numel();
      }
      begin = end;
    }
  } catch (const std::exception& error) {
    return Failed("all-reducing gradients", error);
  }
  return absl::OkStatus();
}

absl::Status Communicator::AllReduceSum(std::vector<double>* values) {
  if (world_size() == 1 || values->empty()) return absl::OkStatus();
  try {
    std::vector<torch::Tensor> buffer = {
        torch::tensor(*values, torch::TensorOptions().dtype(torch::kFloat64))};
    engine_->group->allreduce(buffer)->wait(options_.timeout);
    for (size_t i = 0; i < values->size(); ++i) (*values)[i] = buffer[0][i].item<double>();
  } catch (const std::exception& error) {
    return Failed("all-reducing metrics", error);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Communicator::AllEqual(uint64_t fingerprint) {
  if (world_size() == 1) return true;
  try {
    const int64_t value = static_cast<int64_t>(fingerprint);
    // max(v) and max(-v) = -min(v): all equal when max == min.
    std::vector<torch::Tensor> buffer = {torch::tensor({value, -value}, torch::kInt64)};
    c10d::AllreduceOptions max;
    max.reduceOp = c10d::ReduceOp::MAX;
    engine_->group->allreduce(buffer, max)->wait(options_.timeout);
    return buffer[0][0].item<int64_t>() == -buffer[0][1].item<int64_t>();
  } catch (const std::exception& error) {
    return Failed("comparing weights across ranks", error);
  }
}

}  // namespace rwn
