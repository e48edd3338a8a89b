#include "experiments/sweep.h"

#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rwn {
namespace {

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

absl::Status CheckAxes(const SweepSpec& sweep) {
  static const std::regex kAxisName("[A-Za-z0-9_-]+");
  static const std::regex kLabel("[A-Za-z0-9._-]+");
  if (!sweep.has_base()) return absl::InvalidArgumentError("no base block; a sweep needs one");
  if (sweep.base().name().empty()) {
    return absl::InvalidArgumentError("base.name is empty; it prefixes every point's name");
  }
  std::set<std::string> names;
  for (int a = 0; a < sweep.axis_size(); ++a) {
    const SweepAxis& axis = sweep.axis(a);
    const std::string where = absl::StrCat("axis[", a, "]");
    if (!std::regex_match(axis.name(), kAxisName)) {
      return Bad(where, absl::StrCat("name = \"", axis.name(),
                                     "\"; allowed: letters, digits, '_' and '-'"));
    }
    if (!names.insert(axis.name()).second) {
      return Bad(where, absl::StrCat("a second axis named \"", axis.name(),
                                     "\"; axis names must be unique"));
    }
    const std::string named = absl::StrCat("axis \"", axis.name(), "\"");
    if (axis.value_size() == 0) return Bad(named, "has no values; give it at least one");
    std::set<std::string> labels;
    for (int v = 0; v < axis.value_size(); ++v) {
      const SweepValue& value = axis.value(v);
      const std::string at = absl::StrCat(named, " value[", v, "]");
      if (!std::regex_match(value.label(), kLabel) || value.label() == "." ||
          value.label() == "..") {
        return Bad(at, absl::StrCat("label = \"", value.label(),
                                    "\"; allowed: letters, digits, '.', '_' and '-'"));
      }
      if (!labels.insert(value.label()).second) {
        return Bad(at, absl::StrCat("label \"", value.label(), "\" appears twice in the axis"));
      }
      if (value.patch().ByteSizeLong() == 0) {
        return Bad(at, absl::StrCat("(\"", value.label(),
                                    "\") has a patch that sets no field; give it one"));
      }
      if (value.patch().has_name() || value.patch().has_seed() || value.patch().has_sweep()) {
        return Bad(at, absl::StrCat("(\"", value.label(),
                                    "\") sets name, seed or sweep; the sweep gives those"));
      }
    }
  }
  std::set<uint64_t> seeds(sweep.seeds().begin(), sweep.seeds().end());
  if (seeds.size() != static_cast<size_t>(sweep.seeds_size())) {
    return absl::InvalidArgumentError(absl::StrCat("seeds = [", absl::StrJoin(sweep.seeds(), ", "),
                                                   "]; each seed may appear once"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& sweep) {
  if (absl::Status status = CheckAxes(sweep); !status.ok()) return status;
  // The grid: an odometer over the axes, last axis fastest.
  std::vector<ExperimentSpec> grid;
  std::vector<int> at(sweep.axis_size(), 0);
  SweepCoordinates coordinates;
  coordinates.set_name(sweep.base().name());
  for (const SweepAxis& axis : sweep.axis()) coordinates.add_axis(axis.name());
  while (true) {
    ExperimentSpec spec = sweep.base();
    *spec.mutable_sweep() = coordinates;
    spec.mutable_sweep()->set_point(static_cast<int>(grid.size()));
    for (int a = 0; a < sweep.axis_size(); ++a) {
      const SweepValue& value = sweep.axis(a).value(at[a]);
      spec.MergeFrom(value.patch());
      spec.mutable_sweep()->add_label(value.label());
    }
    const std::string name = absl::StrJoin(spec.sweep().label(), "/");
    spec.set_name(name.empty() ? sweep.base().name()
                               : absl::StrCat(sweep.base().name(), "/", name));
    grid.push_back(std::move(spec));
    int a = sweep.axis_size() - 1;
    while (a >= 0 && ++at[a] == sweep.axis(a).value_size()) at[a--] = 0;
    if (a < 0) break;
  }
  // The whole grid once per seed, so that a sweep stopped part way has whole
  // grids of its first seeds rather than every seed of its first points.
  const std::vector<uint64_t> seeds =
      sweep.seeds_size() > 0 ? std::vector<uint64_t>(sweep.seeds().begin(), sweep.seeds().end())
                             : std::vector<uint64_t>{sweep.base().seed()};
  std::vector<SweepPoint> points;
  for (uint64_t seed : seeds) {
    for (const ExperimentSpec& spec : grid) {
      SweepPoint point{static_cast<int>(points.size()), spec};
      point.spec.set_seed(seed);
      if (sweep.seeds_size() > 0) absl::StrAppend(point.spec.mutable_name(), "/seed-", seed);
      points.push_back(std::move(point));
    }
  }
  return points;
}

}  // namespace rwn
