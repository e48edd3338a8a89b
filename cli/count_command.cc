// rwn count: a network's parameters, learned parameters and FLOPs
// (reports/count.h).
#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/shared_flags.h"
#include "core/text_proto.h"
#include "reports/count.h"
#include "torch_support/runtime.h"

DEFINE_string(model, "", "a ModelSpec in text format, e.g. 'wide_resnet { depth: 28 }'");
DEFINE_string(input, "", "input shape CxHxW, e.g. 3x32x32 (default: the spec's dataset)");
DEFINE_int32(classes, 0, "number of classes (with --input)");

namespace rwn::cli {
namespace {

// The spec of --spec, or one with just the model of --model.
absl::StatusOr<ExperimentSpec> SpecToCount() {
  if (FLAGS_spec.empty() == FLAGS_model.empty()) {
    return absl::InvalidArgumentError("count needs exactly one of --spec and --model");
  }
  if (!FLAGS_spec.empty()) return ParseTextProtoFile<ExperimentSpec>(FLAGS_spec);
  ExperimentSpec spec;
  if (absl::Status parsed = ParseTextProto(FLAGS_model, "--model", spec.mutable_model());
      !parsed.ok()) {
    return parsed;
  }
  return spec;
}

int Count(const std::vector<std::string>&) {
  InitRuntime(FLAGS_threads);
  absl::StatusOr<ExperimentSpec> spec = SpecToCount();
  if (!spec.ok()) return Fail(spec.status());
  InputShape shape;
  if (!FLAGS_input.empty()) {
    if (absl::Status status = ParseInputShape(FLAGS_input, &shape); !status.ok()) {
      return Fail(status);
    }
    if (FLAGS_classes < 1) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--classes=", FLAGS_classes, "; allowed: >= 1 (with --input)")));
    }
  }
  shape.classes = FLAGS_classes;
  absl::StatusOr<std::string> report = CountReport(*spec, shape);
  if (!report.ok()) {
    return Fail(FLAGS_spec.empty()
                    ? report.status()
                    : absl::Status(report.status().code(),
                                   absl::StrCat(FLAGS_spec, ": ", report.status().message())));
  }
  std::fputs(report->c_str(), stdout);
  return 0;
}

}  // namespace

const Command kCount{
    "count",
    "  rwn count --spec=F.pbtxt [--input=CxHxW --classes=N]\n"
    "  rwn count --model='wide_resnet { depth: 28 }' --input=3x32x32 --classes=10\n"
    "      prints parameters, learned and fixed per layer and group, and totals.\n",
    __FILE__,
    {"spec", "threads"},
    Count};

}  // namespace rwn::cli
