// Prefetcher: runs a BatchLoader's epoch on a background thread a few
// batches ahead of training, so that gathering, augmenting and normalizing a
// batch overlaps the training step. Batches come out in the loader's order,
// identical to calling the loader directly. For a GPU, batches come in
// pinned (page-locked) host memory, so copying them to the GPU with
// non_blocking = true overlaps the previous step instead of stalling it.
#ifndef RWN_DATASETS_PREFETCHER_H_
#define RWN_DATASETS_PREFETCHER_H_

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "datasets/loader.h"

namespace rwn {

class Prefetcher {
 public:
  // `loader` must outlive the prefetcher; `depth` >= 1 batches are kept
  // ready, in pinned memory with `pin_memory` (needs a CUDA build and GPU).
  explicit Prefetcher(BatchLoader* loader, int depth = 2, bool pin_memory = false);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Starts producing the batches of `epoch` (0-based); an epoch still being
  // produced is abandoned.
  void Start(int64_t epoch);
  // The next batch, or false at the end of the epoch. An exception thrown by
  // the loader is rethrown here.
  bool Next(Batch* batch);

 private:
  void Stop();
  void Produce();

  BatchLoader* loader_;
  const size_t depth_;
  const bool pin_memory_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  bool done_ = true;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace rwn

#endif  // RWN_DATASETS_PREFETCHER_H_
