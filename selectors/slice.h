// What slicing selectors share: how many entries of a dimension to learn, at
// which end, the complement, and which conv layers they apply to.
#ifndef RWN_SELECTORS_SLICE_H_
#define RWN_SELECTORS_SLICE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "models/model.h"
#include "selectors/selector.h"
#include "selectors/slice.pb.h"

namespace rwn {

struct SliceRule {
  double fraction = 0;   // > 0: learn int(fraction * size) entries
  int64_t count = 0;     // > 0: learn min(count, size) entries
  bool min_one = false;  // at least one entry per slice (Figure 2)
  End end = FIRST;
  bool complement = false;  // learn all but the selected entries
};

// The rule of a spec with fraction, count, min_one, end and complement
// fields (InputSliceSpec, SpatialSliceSpec).
template <class Spec>
SliceRule SliceRuleOf(const Spec& spec) {
  SliceRule rule;
  rule.fraction = spec.has_fraction() ? spec.fraction() : 0;
  rule.count = spec.has_count() ? spec.count() : 0;
  rule.min_one = spec.min_one();
  rule.end = spec.end();
  rule.complement = spec.complement();
  return rule;
}

// Checks that exactly one of fraction (in (0, 1]) and count (>= 1) is given.
absl::Status CheckAmount(bool has_fraction, double fraction, bool has_count, int64_t count);

// Entries to select of `size`: int(fraction * size) or min(count, size), at
// least 1 with min_one.
int64_t SliceCount(const SliceRule& rule, int64_t size);

// The plan learning the rule's entries along `dim` of a tensor of `shape`
// (nothing learned: an undefined mask and kind kMask with no entries is never
// returned; `*empty` says so instead). RANDOM draws from (seed, layer).
TensorPlan SlicePlan(const SliceRule& rule, int64_t dim, const std::vector<int64_t>& shape,
                     uint64_t seed, const std::string& layer, bool* empty);

// The conv layers of `network` in `groups` (every conv when empty).
// InvalidArgument for a group the model does not have, or for an fc group: a
// fully-connected layer is learned whole or not at all.
absl::StatusOr<std::vector<const Layer*>> ConvLayersIn(
    const Network& network, const google::protobuf::RepeatedPtrField<std::string>& groups);

// The plan learning `rule`'s slice along `dim` of every layer in `convs`; with
// dim 0 a conv's bias follows its filters, otherwise it stays fixed.
LearnPlan SliceConvs(const std::vector<const Layer*>& convs, const SliceRule& rule, int64_t dim,
                     uint64_t seed);

// The model's groups in forward order, e.g. "conv1, block1, block2, block3, fc".
std::string GroupList(const Network& network);

}  // namespace rwn

#endif  // RWN_SELECTORS_SLICE_H_
