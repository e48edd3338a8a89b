#include "experiments/spec.h"

#include <cmath>
#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace rwn {
namespace {

absl::Status Positive(const char* field, int64_t value) {
  if (value >= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, " = ", value, "; allowed: >= 1"));
}

absl::Status ValidateName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  if (std::regex_match(name, kName) && name != "." && name.find("..") == std::string::npos) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "name = \"", name,
      "\"; allowed: letters, digits, '.', '_' and '-' in parts separated by '/' (no '..')"));
}

absl::Status ValidateEnsemble(const ExperimentSpec& spec) {
  if (!spec.has_ensemble()) return absl::OkStatus();
  if (spec.ensemble().members() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("ensemble.members = ", spec.ensemble().members(), "; allowed: >= 2"));
  }
  RETURN_IF_ERROR(Positive("ensemble.base_epochs", spec.ensemble().base_epochs()));
  if (spec.has_init_from() || spec.variation_seed() != 0) {
    return absl::InvalidArgumentError(
        "ensemble together with init_from or variation_seed; an ensemble sets both for its "
        "members; allowed: neither");
  }
  return absl::OkStatus();
}

absl::Status ValidateRequiredBlocks(const ExperimentSpec& spec) {
  for (const char* block : {"model", "dataset", "optimizer"}) {
    const auto* field = spec.GetDescriptor()->FindFieldByName(block);
    if (!spec.GetReflection()->HasField(spec, field)) {
      return absl::InvalidArgumentError(absl::StrCat("no ", block, " block; a spec needs one"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSpec(const ExperimentSpec& spec) {
  RETURN_IF_ERROR(ValidateName(spec.name()));
  RETURN_IF_ERROR(Positive("epochs", spec.epochs()));
  RETURN_IF_ERROR(Positive("batch_size", spec.batch_size()));
  RETURN_IF_ERROR(Positive("eval_batch_size", spec.eval_batch_size()));
  if (spec.validation_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("validation_size = ", spec.validation_size(),
                                                   "; allowed: >= 0 (0 = no validation split)"));
  }
  if (!(spec.max_loss() >= 0) || std::isinf(spec.max_loss())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_loss = ", spec.max_loss(), "; allowed: a finite number >= 0 (0 = no bound)"));
  }
  if (spec.has_init_from() && spec.init_from().empty()) {
    return absl::InvalidArgumentError("init_from = \"\"; allowed: the path of a run folder");
  }
  if (spec.sweep().axis_size() != spec.sweep().label_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sweep has ", spec.sweep().axis_size(), " axes and ", spec.sweep().label_size(),
        " labels; allowed: one label per axis (sweep expansion writes this block)"));
  }
  RETURN_IF_ERROR(ValidateEnsemble(spec));
  return ValidateRequiredBlocks(spec);
}

absl::Status ValidateSpecOnDevice(const ExperimentSpec& spec, const std::string& device) {
  if (spec.bfloat16() && device == "cpu" && !__builtin_cpu_supports("avx512bf16")) {
    return absl::InvalidArgumentError(
        "bfloat16 = true on --device=cpu needs a CPU with AVX-512 BF16, and this one has none; "
        "allowed: false, or a GPU (--device=cuda)");
  }
  return absl::OkStatus();
}

uint64_t VariationSeed(const ExperimentSpec& spec) {
  return spec.variation_seed() != 0 ? spec.variation_seed() : spec.seed();
}

}  // namespace rwn
