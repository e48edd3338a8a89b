// Skipping a frozen prefix: when the first stages of a network (Network::
// stages) hold nothing learned and the training images are not augmented,
// the prefix maps each image to the same features in every epoch, so they
// are computed once. Opt-in per spec (`cache_frozen_prefix: true`).
//
// FreezePrefix
//  1. calibrates the prefix's batch norms: their running statistics are reset
//     and re-estimated as exact averages over the training set (train mode,
//     no gradients), one pass;
//  2. runs the prefix once, in eval mode and under inference mode, over every
//     train, validation and test image, keeping the features in memory;
//  3. returns a dataset of those features and a network whose forward is the
//     remaining stages.
// So the prefix's batch norms normalize with training-set statistics rather
// than each batch's own: the usual semantics of a frozen feature extractor,
// and not the same numbers as an uncached run. Dropout in the prefix is off.
#ifndef RWN_TRAIN_FROZEN_PREFIX_H_
#define RWN_TRAIN_FROZEN_PREFIX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "optim/optimizer.h"

namespace rwn {

// How many leading stages of `network` use no learned tensor.
int64_t FrozenStages(const Network& network, const std::vector<LearnedTensor>& learned);

struct FrozenPrefix {
  int64_t stages = 0;                       // stages skipped
  std::string first_run;                    // the first stage that still runs
  std::shared_ptr<const Dataset> features;  // float features, same labels
  Network suffix;                           // forward = the remaining stages
  int64_t feature_bytes = 0;
};

// Freezes the prefix of `network` (see above). Errors: the model offers no
// stages, the features would take more than `memory_limit_bytes`. With no
// frozen stage, returns stages = 0 and the inputs unchanged.
absl::StatusOr<FrozenPrefix> FreezePrefix(const Network& network, const Dataset& dataset,
                                          const std::vector<LearnedTensor>& learned,
                                          int64_t batch_size, int64_t memory_limit_bytes);

// Half the machine's physical memory: the default limit for cached features.
int64_t DefaultFeatureMemoryLimit();

}  // namespace rwn

#endif  // RWN_TRAIN_FROZEN_PREFIX_H_
