#include "run/build.h"

#include <torch/torch.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "datasets/dataset.h"
#include "experiments/spec.h"
#include "optim/optimizer.h"

namespace rwn {
namespace {

// `status` with its message prefixed by the spec block it comes from.
absl::Status In(const char* block, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(block, ".", status.message()));
}

using TensorDict = torch::OrderedDict<std::string, torch::Tensor>;

// Copies every tensor of `to` from the tensor of the same name in `from`.
absl::Status CopyTensors(const TensorDict& from, const TensorDict& to,
                         const std::function<absl::Status(const std::string&)>& mismatch) {
  for (const auto& target : to) {
    const torch::Tensor* value = from.find(target.key());
    if (value == nullptr) return mismatch(absl::StrCat("it has no '", target.key(), "'"));
    if (value->sizes() != target.value().sizes()) {
      return mismatch(absl::StrCat("'", target.key(), "' is [", absl::StrJoin(value->sizes(), ","),
                                   "] there and [", absl::StrJoin(target.value().sizes(), ","),
                                   "] here"));
    }
    target.value().copy_(*value);
  }
  if (from.size() == to.size()) return absl::OkStatus();
  return mismatch(absl::StrCat(from.size(), " tensors there, ", to.size(), " here"));
}

// Copies every parameter and buffer of plain network `from` into `to`.
absl::Status CopyWeights(const Network& from, const std::string& source, Network* to) {
  torch::NoGradGuard no_grad;
  auto mismatch = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("init_from = \"", source, "\": its model (", from.description,
                     ") does not fit this spec's (", to->description, "): ", what,
                     "; allowed: a run of the same model and dataset"));
  };
  RETURN_IF_ERROR(
      CopyTensors(from.module->named_parameters(), to->module->named_parameters(), mismatch));
  return CopyTensors(from.module->named_buffers(), to->module->named_buffers(), mismatch);
}

// A frozen prefix is computed once, so the data must not change per epoch.
absl::Status CheckFrozenPrefix(const ExperimentSpec& spec, const Dataset& dataset) {
  const Augmentation& augmentation = dataset.augmentation;
  if (!spec.cache_frozen_prefix() || !spec.augment() ||
      (augmentation.crop_padding == 0 && !augmentation.flip)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cache_frozen_prefix = true needs un-augmented data, but ", dataset.description,
                   " is augmented by default; set augment: false"));
}

// Applies the plan to the network and builds the optimizer and schedule.
absl::Status Apply(const ExperimentSpec& spec, BuiltRun* run) {
  const ApplyOptions apply{spec.learn().fixed() == LearnSpec::ZERO, spec.learn().dense_mask()};
  auto learned = ApplyPlan(run->plan, apply, run->network.get());
  if (!learned.ok()) return In("learn", learned.status());
  for (LearnedTensor& tensor : *learned) {
    if (tensor.mask.defined()) tensor.mask = tensor.mask.to(tensor.tensor.device());
  }
  auto optimizer =
      OptimizerRegistry::Global().CreateFromOneof(spec.optimizer(), OptimizerContext{*learned});
  if (!optimizer.ok()) return In("optimizer", optimizer.status());
  run->optimizer = std::move(*optimizer);
  if (!spec.has_schedule()) return absl::OkStatus();
  auto schedule =
      ScheduleRegistry::Global().CreateFromOneof(spec.schedule(), ScheduleContext{spec.epochs()});
  if (!schedule.ok()) return In("schedule", schedule.status());
  run->schedule = std::move(*schedule);
  return absl::OkStatus();
}

}  // namespace

BuiltRun::BuiltRun() = default;
BuiltRun::BuiltRun(BuiltRun&&) = default;
BuiltRun& BuiltRun::operator=(BuiltRun&&) = default;
BuiltRun::~BuiltRun() = default;

absl::StatusOr<std::shared_ptr<const Dataset>> BuildData(const ExperimentSpec& spec) {
  auto dataset =
      DatasetRegistry::Global().CreateFromOneof(spec.dataset(), DatasetContext{spec.seed()});
  if (!dataset.ok()) return In("dataset", dataset.status());
  if (spec.validation_size() == 0) return *dataset;
  return HoldOutValidation(**dataset, spec.validation_size(), spec.seed());
}

absl::StatusOr<std::shared_ptr<Network>> BuildNetwork(const ExperimentSpec& spec,
                                                      ModelContext context) {
  context.seed = spec.seed();
  auto network = ModelRegistry::Global().CreateFromOneof(spec.model(), context);
  if (!network.ok()) return In("model", network.status());
  return *network;
}

absl::StatusOr<LearnPlan> BuildLearnPlan(const ExperimentSpec& spec, const Network& network) {
  auto plan = BuildPlan(spec.has_learn() ? &spec.learn() : nullptr, network, VariationSeed(spec));
  if (!plan.ok()) return In("learn", plan.status());
  return *plan;
}

absl::StatusOr<BuiltRun> BuildRun(const ExperimentSpec& spec, const BuildOptions& options) {
  BuiltRun run;
  ASSIGN_OR_RETURN(run.dataset, BuildData(spec));
  const Dataset& data = *run.dataset;
  ASSIGN_OR_RETURN(run.network, BuildNetwork(spec, ModelContext{data.channels(), data.height(),
                                                                data.width(), data.num_classes}));
  if (options.initial_weights != nullptr) {
    RETURN_IF_ERROR(
        CopyWeights(*options.initial_weights, options.initial_weights_source, run.network.get()));
  }
  if (options.device != "cpu") run.network->module->to(torch::Device(options.device));
  ASSIGN_OR_RETURN(run.plan, BuildLearnPlan(spec, *run.network));
  run.count = CountPlan(run.plan, *run.network);
  RETURN_IF_ERROR(CheckFrozenPrefix(spec, data));
  if (run.count.learned == 0) {
    return absl::InvalidArgumentError(
        "learn: the selection learns no parameter at all; select something, or set "
        "also_learn_batchnorm or also_learn_classifier");
  }
  RETURN_IF_ERROR(Apply(spec, &run));
  return run;
}

}  // namespace rwn
