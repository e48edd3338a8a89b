#include "run/ensemble.h"

#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "datasets/dataset.h"
#include "experiments/spec.h"
#include "run/load.h"
#include "run/run.h"
#include "run/run_folder.h"
#include "run/train_run.h"
#include "selectors/plan.h"
#include "torch_support/status.h"
#include "train/trainer.h"

namespace rwn {
namespace {

std::string MemberName(int index) { return absl::StrCat("member-", index); }

double Top1(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  return probabilities.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
}

// One learned tensor of a member: its entries, applied to (and taken back
// from) the shared base network in place.
struct Delta {
  torch::Tensor target;  // the base network's parameter
  torch::Tensor mask;    // learned entries
  torch::Tensor values;  // the member's values there
  torch::Tensor saved;   // the base's values there, while applied
};

// What a member changes in the base: its learned entries and its buffers
// (batch-norm statistics).
struct MemberDelta {
  std::vector<Delta> learned;
  std::vector<torch::Tensor> buffers;
};

// Reads member `index`'s delta against `base`; its own network (built to
// read its checkpoint) is dropped on return.
absl::StatusOr<MemberDelta> ReadMember(const RunFolder& folder, int index, Network& base) {
  ASSIGN_OR_RETURN(LoadedRun member, LoadRun(folder.Sub(MemberName(index)).dir()));
  torch::NoGradGuard no_grad;
  MemberDelta delta;
  auto params = base.module->named_parameters();
  for (const auto& [name, plan] : member.plan) {
    torch::Tensor* target = params.find(name);
    if (target == nullptr) {
      return absl::InternalError(
          absl::StrCat("member ", index, " learns '", name, "', which the base model has not"));
    }
    torch::Tensor mask = LearnedMask(member.plan, name, target->sizes().vec());
    delta.learned.push_back(
        {*target, mask, CurrentValue(*member.network, name).masked_select(mask), {}});
  }
  for (const auto& buffer : member.network->module->named_buffers()) {
    delta.buffers.push_back(buffer.value().clone());
  }
  const size_t base_buffers = base.module->named_buffers().size();
  if (delta.buffers.size() != base_buffers) {
    return absl::InternalError(absl::StrCat("member ", index, " has ", delta.buffers.size(),
                                            " buffers, the base ", base_buffers));
  }
  return delta;
}

// Puts `buffers` into the network's buffers, in order.
void SetBuffers(Network& network, const std::vector<torch::Tensor>& buffers) {
  torch::NoGradGuard no_grad;
  auto targets = network.module->named_buffers();
  for (size_t i = 0; i < buffers.size(); ++i) targets[i].value().copy_(buffers[i]);
}

void Apply(MemberDelta& delta, Network& network) {
  torch::NoGradGuard no_grad;
  for (Delta& d : delta.learned) {
    d.saved = d.target.masked_select(d.mask);
    d.target.masked_scatter_(d.mask, d.values);
  }
  SetBuffers(network, delta.buffers);
}

void TakeBack(MemberDelta& delta, Network& network, const std::vector<torch::Tensor>& buffers) {
  torch::NoGradGuard no_grad;
  for (Delta& d : delta.learned) d.target.masked_scatter_(d.mask, d.saved);
  SetBuffers(network, buffers);
}

// Evaluates the base, then each member with its delta applied to the base.
absl::Status Evaluate(const ExperimentSpec& spec, const RunFolder& folder, LoadedRun& base,
                      EnsembleEvaluation* result) {
  ExportPlain(base.network.get());
  Network& network = *base.network;
  const Dataset& data = *base.dataset;
  const ComputeOptions compute{/*channels_last=*/false, spec.bfloat16()};
  const torch::Tensor& labels = data.test.labels;
  const torch::Tensor base_probabilities =
      Predict(network, data, data.test, spec.eval_batch_size(), compute);
  result->base_top1 = Top1(base_probabilities, labels);
  torch::Tensor sum = torch::zeros(base_probabilities.sizes(), torch::kFloat);
  std::vector<torch::Tensor> base_buffers;
  for (const auto& buffer : network.module->named_buffers()) {
    base_buffers.push_back(buffer.value().clone());
  }
  for (int index = 1; index <= spec.ensemble().members(); ++index) {
    ASSIGN_OR_RETURN(MemberDelta delta, ReadMember(folder, index, network));
    Apply(delta, network);
    torch::Tensor probabilities =
        Predict(network, data, data.test, spec.eval_batch_size(), compute);
    result->member_top1.push_back(Top1(probabilities, labels));
    sum += probabilities;
    TakeBack(delta, network, base_buffers);
  }
  result->ensemble_top1 = Top1(sum, labels);
  return absl::OkStatus();
}

// The ensemble's summary from its members' and its evaluation.
RunSummary SummaryOf(const ExperimentSpec& spec, const RunSummary& member, int64_t learned,
                     double seconds, const EnsembleEvaluation& evaluation) {
  RunSummary summary;
  summary.set_model(member.model());
  summary.set_dataset(member.dataset());
  summary.set_params(member.params());
  auto& ensemble = *summary.mutable_ensemble();
  ensemble.set_members(spec.ensemble().members());
  double mean = 0;
  for (double top1 : evaluation.member_top1) {
    ensemble.add_member_test_top1(top1);
    mean += top1 / spec.ensemble().members();
  }
  ensemble.set_mean_member_test_top1(mean);
  ensemble.set_ensemble_test_top1(evaluation.ensemble_top1);
  ensemble.set_base_test_top1(evaluation.base_top1);
  summary.set_name(spec.name());
  summary.set_learned_params(static_cast<int32_t>(learned));
  summary.set_final_test_top1(evaluation.ensemble_top1);
  summary.set_best_test_top1(evaluation.ensemble_top1);
  summary.set_epochs(spec.ensemble().base_epochs() + spec.epochs());
  summary.set_best_epoch(summary.epochs());
  summary.set_wall_seconds(seconds);
  return summary;
}

// Creates the ensemble's folder, once everything is checked: the members'
// spec covers the base's (same data and model, more selective learning).
absl::Status OpenFolder(const ExperimentSpec& spec, const RunOptions& options,
                        const RunFolder& folder) {
  RETURN_IF_ERROR(CheckSpec(EnsembleMemberSpec(spec, 1)));
  if (options.restart) RETURN_IF_ERROR(folder.Remove());
  std::error_code error;
  std::filesystem::create_directories(folder.dir(), error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(folder.dir(), ": cannot create the run folder: ", error.message()));
  }
  RETURN_IF_ERROR(WriteFileAtomically(folder.spec(), PrintTextProto(spec)));
  std::filesystem::remove(folder.log(), error);
  return absl::OkStatus();
}

}  // namespace

ExperimentSpec EnsembleBaseSpec(const ExperimentSpec& spec) {
  ExperimentSpec base = spec;
  base.clear_ensemble();
  base.clear_learn();
  base.set_name(spec.name() + "/base");
  base.set_epochs(spec.ensemble().base_epochs());
  return base;
}

ExperimentSpec EnsembleMemberSpec(const ExperimentSpec& spec, int index) {
  ExperimentSpec member = spec;
  member.clear_ensemble();
  member.set_name(absl::StrCat(spec.name(), "/", MemberName(index)));
  member.set_init_from("../base");
  member.set_variation_seed(1000 * spec.seed() + index);
  return member;
}

absl::StatusOr<EnsembleEvaluation> EvaluateEnsemble(const ExperimentSpec& spec,
                                                    const std::string& dir) {
  const RunFolder folder(dir);
  ASSIGN_OR_RETURN(LoadedRun base, LoadRun(folder.Sub("base").dir()));
  EnsembleEvaluation result;
  RETURN_IF_ERROR(
      GuardTorch("evaluating the ensemble", [&] { return Evaluate(spec, folder, base, &result); }));
  return result;
}

absl::StatusOr<RunOutcome> RunEnsemble(const ExperimentSpec& spec, const RunOptions& options) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  if (options.communicator != nullptr) {
    return absl::InvalidArgumentError(
        "an ensemble spec runs on one rank; allowed: WORLD_SIZE=1 (its members are small runs "
        "that a sweep can spread instead)");
  }
  const RunFolder folder =
      options.dir.empty() ? RunFolder::Of(spec, options.out) : RunFolder(options.dir);
  RunOutcome outcome;
  outcome.dir = folder.dir();
  if (!options.restart && folder.Finished()) {
    ASSIGN_OR_RETURN(outcome.summary, folder.ReadSummary());
    outcome.already_finished = true;
    return outcome;
  }
  RETURN_IF_ERROR(OpenFolder(spec, options, folder));
  auto note = [&](const std::string& line) -> absl::Status {
    if (!options.quiet) std::fprintf(stderr, "%s\n", line.c_str());
    return AppendLine(folder.log(), line);
  };
  const int members = spec.ensemble().members();
  RETURN_IF_ERROR(note(absl::StrCat(spec.name(), ": cheap ensemble of ", members,
                                    " members on a base trained for ",
                                    spec.ensemble().base_epochs(), " epochs")));
  RunOptions sub = options;
  sub.restart = false;
  sub.dir = folder.Sub("base").dir();
  ASSIGN_OR_RETURN(RunOutcome base, TrainRun(EnsembleBaseSpec(spec), sub));
  RETURN_IF_ERROR(note(absl::StrFormat("base: %.2f%% after %d epochs, learning %d parameters",
                                       100 * base.summary.final_test_top1(), base.summary.epochs(),
                                       base.summary.learned_params())));
  int64_t learned = 0;
  double seconds = base.summary.wall_seconds();
  RunSummary member;
  for (int index = 1; index <= members; ++index) {
    sub.dir = folder.Sub(MemberName(index)).dir();
    ASSIGN_OR_RETURN(RunOutcome trained, TrainRun(EnsembleMemberSpec(spec, index), sub));
    member = trained.summary;
    learned += member.learned_params();
    seconds += member.wall_seconds();
    RETURN_IF_ERROR(note(absl::StrFormat("member %d: %.2f%%, learning %d parameters", index,
                                         100 * member.final_test_top1(), member.learned_params())));
  }
  ASSIGN_OR_RETURN(EnsembleEvaluation evaluation, EvaluateEnsemble(spec, folder.dir()));
  outcome.summary = SummaryOf(spec, member, learned, seconds, evaluation);
  outcome.summary.set_threads(options.threads);
  outcome.summary.set_device(options.device);
  const auto& e = outcome.summary.ensemble();
  RETURN_IF_ERROR(note(absl::StrFormat(
      "ensemble of %d: %.2f%% (mean member %.2f%%, base %.2f%%), %d learned parameters in all",
      members, 100 * e.ensemble_test_top1(), 100 * e.mean_member_test_top1(),
      100 * e.base_test_top1(), learned)));
  RETURN_IF_ERROR(folder.WriteSummary(outcome.summary));
  return outcome;
}

}  // namespace rwn
