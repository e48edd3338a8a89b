// What an experiment spec must say on its own, before anything is built
// from it (run/build.h builds it).
#ifndef RWN_EXPERIMENTS_SPEC_H_
#define RWN_EXPERIMENTS_SPEC_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "experiments/experiment.pb.h"

namespace rwn {

// Checks the spec's own fields (name, epochs, batch sizes, the ensemble
// block, required blocks); InvalidArgument names the field and what is
// allowed.
absl::Status ValidateSpec(const ExperimentSpec& spec);

// Checks what the spec asks of the device it will run on ("cpu" or
// "cuda:N"): bfloat16 on the CPU needs AVX-512 BF16.
absl::Status ValidateSpecOnDevice(const ExperimentSpec& spec, const std::string& device);

// The seed of the learned selection's random draw, the data order and
// dropout: variation_seed when set, else seed.
uint64_t VariationSeed(const ExperimentSpec& spec);

}  // namespace rwn

#endif  // RWN_EXPERIMENTS_SPEC_H_
