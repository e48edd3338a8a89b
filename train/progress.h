// Progress display of a training run: on a terminal, one line redrawn in place
// (epoch, batches, img/s, loss, ETA); otherwise plain lines, one per epoch
// and one every 30 seconds within an epoch.
#ifndef RWN_TRAIN_PROGRESS_H_
#define RWN_TRAIN_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "train/metrics.pb.h"

namespace rwn {

class Progress {
 public:
  // Writes to `out` (stderr by default); `label` prefixes every line.
  explicit Progress(std::string label, std::FILE* out = stderr);
  // Whether `out` is a terminal.
  bool interactive() const { return interactive_; }

  void StartEpoch(int64_t epoch, int64_t epochs, int64_t batches);
  void Batch(int64_t batch, double images_per_second, double loss);
  void EndEpoch(const EpochMetrics& metrics, int64_t epochs);

  // The line EndEpoch prints, e.g. "epoch 3/10 loss 0.41 train 85.2% test
  // 84.1% (top-5 99.1%) 1510 img/s 14.2s".
  static std::string EpochLine(const EpochMetrics& metrics, int64_t epochs);

 private:
  std::string label_;
  std::FILE* out_;
  bool interactive_;
  int64_t epoch_ = 0, epochs_ = 0, batches_ = 0;
  std::chrono::steady_clock::time_point epoch_start_, last_print_;
};

}  // namespace rwn

#endif  // RWN_TRAIN_PROGRESS_H_
