#include "experiments/ensemble.h"

#include <torch/torch.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/files.h"
#include "core/status_macros.h"
#include "core/text_proto.h"
#include "core/torch_status.h"
#include "selectors/plan.h"
#include "train/trainer.h"

namespace rwn {
namespace {

namespace fs = std::filesystem;

std::string MemberDir(const std::string& dir, int index) {
  return absl::StrCat(dir, "/member-", index);
}

double Top1(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  return probabilities.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
}

// One member's learned entries, applied to (and taken back from) the shared
// base network in place.
struct Delta {
  torch::Tensor target;  // the base network's parameter
  torch::Tensor mask;    // learned entries
  torch::Tensor values;  // the member's values there
  torch::Tensor saved;   // the base's values there, while applied
};

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
  member.set_name(absl::StrCat(spec.name(), "/member-", index));
  member.set_init_from("../base");
  member.set_variation_seed(1000 * spec.seed() + index);
  return member;
}

absl::StatusOr<EnsembleEvaluation> EvaluateEnsemble(const ExperimentSpec& spec,
                                                    const std::string& dir) {
  EnsembleEvaluation result;
  ASSIGN_OR_RETURN(LoadedRun base, LoadRun(dir + "/base"));
  RETURN_IF_ERROR(GuardTorch("evaluating the ensemble", [&]() -> absl::Status {
    ExportPlain(base.network.get());
    Network& network = *base.network;
    const Dataset& data = *base.dataset;
    const ComputeOptions compute{/*channels_last=*/false, spec.bfloat16()};
    const torch::Tensor& labels = data.test.labels;
    const torch::Tensor base_probabilities =
        Predict(network, data, data.test, spec.eval_batch_size(), compute);
    result.base_top1 = Top1(base_probabilities, labels);
    torch::Tensor sum = torch::zeros(base_probabilities.sizes(), torch::kFloat);
    auto params = network.module->named_parameters();
    auto buffers = network.module->named_buffers();
    std::vector<torch::Tensor> base_buffers;
    for (const auto& buffer : buffers) base_buffers.push_back(buffer.value().clone());
    for (int index = 1; index <= spec.ensemble().members(); ++index) {
      // The member's delta; its own network (built to read its checkpoint)
      // is dropped before it is evaluated on the base's.
      std::vector<Delta> delta;
      std::vector<torch::Tensor> member_buffers;
      {
        ASSIGN_OR_RETURN(LoadedRun member, LoadRun(MemberDir(dir, index)));
        torch::NoGradGuard no_grad;
        for (const auto& [name, plan] : member.plan) {
          torch::Tensor* target = params.find(name);
          if (target == nullptr) {
            return absl::InternalError(absl::StrCat("member ", index, " learns '", name,
                                                    "', which the base model has not"));
          }
          torch::Tensor mask = LearnedMask(member.plan, name, target->sizes().vec());
          delta.push_back({*target, mask, CurrentValue(*member.network, name).masked_select(mask),
                           {}});
        }
        for (const auto& buffer : member.network->module->named_buffers()) {
          member_buffers.push_back(buffer.value().clone());
        }
        if (member_buffers.size() != base_buffers.size()) {
          return absl::InternalError(absl::StrCat("member ", index, " has ", member_buffers.size(),
                                                  " buffers, the base ", base_buffers.size()));
        }
      }
      {
        torch::NoGradGuard no_grad;
        for (Delta& d : delta) {
          d.saved = d.target.masked_select(d.mask);
          d.target.masked_scatter_(d.mask, d.values);
        }
        for (size_t i = 0; i < member_buffers.size(); ++i) buffers[i].value().copy_(member_buffers[i]);
      }
      torch::Tensor probabilities =
          Predict(network, data, data.test, spec.eval_batch_size(), compute);
      result.member_top1.push_back(Top1(probabilities, labels));
      sum += probabilities;
      torch::NoGradGuard no_grad;
      for (Delta& d : delta) d.target.masked_scatter_(d.mask, d.saved);
      for (size_t i = 0; i < base_buffers.size(); ++i) buffers[i].value().copy_(base_buffers[i]);
    }
    result.ensemble_top1 = Top1(sum, labels);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<RunOutcome> RunEnsemble(const ExperimentSpec& spec, const RunOptions& options) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  if (options.communicator != nullptr) {
    return absl::InvalidArgumentError(
        "an ensemble spec runs on one rank; allowed: WORLD_SIZE=1 (its members are small runs "
        "that a sweep can spread instead)");
  }
  RunOutcome outcome;
  outcome.dir = options.dir.empty() ? RunDir(spec, options.out) : options.dir;
  const std::string summary_path = outcome.dir + "/summary.json";
  if (!options.restart && fs::exists(summary_path)) {
    ASSIGN_OR_RETURN(outcome.summary, ReadSummary(summary_path));
    outcome.already_finished = true;
    return outcome;
  }
  // Everything is checked before the folder appears: the members' spec
  // covers the base's (same data and model, more selective learning).
  RETURN_IF_ERROR(CheckSpec(EnsembleMemberSpec(spec, 1)));
  std::error_code error;
  if (options.restart) fs::remove_all(outcome.dir, error);
  fs::create_directories(outcome.dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(outcome.dir, ": cannot create the run folder: ", error.message()));
  }
  RETURN_IF_ERROR(WriteFileAtomically(outcome.dir + "/spec.pbtxt", PrintTextProto(spec)));
  const std::string log = outcome.dir + "/log.txt";
  fs::remove(log, error);
  auto note = [&](const std::string& line) -> absl::Status {
    if (!options.quiet) std::fprintf(stderr, "%s\n", line.c_str());
    return AppendLine(log, line);
  };
  const int members = spec.ensemble().members();
  RETURN_IF_ERROR(note(absl::StrCat(spec.name(), ": cheap ensemble of ", members,
                                    " members on a base trained for ",
                                    spec.ensemble().base_epochs(), " epochs")));

  RunOptions sub = options;
  sub.restart = false;
  sub.dir = outcome.dir + "/base";
  ASSIGN_OR_RETURN(RunOutcome base, RunExperiment(EnsembleBaseSpec(spec), sub));
  RETURN_IF_ERROR(note(absl::StrFormat("base: %.2f%% after %d epochs, learning %d parameters",
                                       100 * base.summary.final_test_top1(),
                                       base.summary.epochs(), base.summary.learned_params())));
  RunSummary& summary = outcome.summary;
  int64_t learned = 0;
  double seconds = base.summary.wall_seconds();
  for (int index = 1; index <= members; ++index) {
    sub.dir = MemberDir(outcome.dir, index);
    ASSIGN_OR_RETURN(RunOutcome member, RunExperiment(EnsembleMemberSpec(spec, index), sub));
    learned += member.summary.learned_params();
    seconds += member.summary.wall_seconds();
    summary.set_model(member.summary.model());
    summary.set_dataset(member.summary.dataset());
    summary.set_params(member.summary.params());
    RETURN_IF_ERROR(note(absl::StrFormat("member %d: %.2f%%, learning %d parameters", index,
                                         100 * member.summary.final_test_top1(),
                                         member.summary.learned_params())));
  }
  ASSIGN_OR_RETURN(EnsembleEvaluation evaluation, EvaluateEnsemble(spec, outcome.dir));

  EnsembleSummary& ensemble = *summary.mutable_ensemble();
  ensemble.set_members(members);
  double mean = 0;
  for (double top1 : evaluation.member_top1) {
    ensemble.add_member_test_top1(top1);
    mean += top1 / members;
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
  summary.set_threads(options.threads);
  RETURN_IF_ERROR(note(absl::StrFormat(
      "ensemble of %d: %.2f%% (mean member %.2f%%, base %.2f%%), %d learned parameters in all",
      members, 100 * evaluation.ensemble_top1, 100 * mean, 100 * evaluation.base_top1, learned)));
  RETURN_IF_ERROR(WriteSummary(summary_path, summary));
  return outcome;
}

}  // namespace rwn
