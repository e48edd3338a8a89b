// Checkpoints that store only what was learned (docs/design.md, "Checkpoints").
//
// The file is a header and a serialized Checkpoint (train/checkpoint.proto):
//   "RWNCKPT1"  8 bytes
//   length      8 bytes, little endian: bytes of the serialized message
//   checksum    16 hex digits: FNV-1a of the serialized message
// so a truncated or corrupted file is refused, never half-read. It is
// written atomically (temporary file, fsync, rename).
#ifndef RWN_TRAIN_CHECKPOINT_H_
#define RWN_TRAIN_CHECKPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "models/model.h"
#include "optim/optimizer.h"
#include "train/checkpoint.pb.h"

namespace rwn {

// Format 2: fixed weights drawn by rwn's Philox streams (core/philox.h).
// Format 1 runs drew them with libtorch's generator; this rwn cannot draw
// those again, so it refuses their checkpoints.
inline constexpr int kCheckpointFormat = 2;

// Fingerprint of every weight (split convs as whole tensors) and buffer of
// `network`; taken after the plan is applied and before training, it pins
// the fixed weights that a checkpoint regenerates instead of storing.
std::string InitChecksum(const Network& network);

// Fills `checkpoint`'s tensors from the learned tensors and state of
// `optimizer`, the buffers of `network` and torch's generator, and writes it
// to `path`. The caller sets the other fields.
absl::Status SaveCheckpoint(const std::string& path, Checkpoint checkpoint, const Network& network,
                            const Optimizer& optimizer);

// Writes `checkpoint` as it is, with the header, atomically.
absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint);

// Reads and verifies (header, length, checksum, format) the checkpoint at
// `path`. Errors are DataLoss and name the file and what is wrong.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// Puts the checkpoint's learned tensors, optimizer state, buffers and
// generator state back into a network and optimizer built from the same spec.
absl::Status RestoreCheckpoint(const Checkpoint& checkpoint, Network* network,
                               Optimizer* optimizer);

}  // namespace rwn

#endif  // RWN_TRAIN_CHECKPOINT_H_
