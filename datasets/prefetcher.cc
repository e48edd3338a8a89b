#include "datasets/prefetcher.h"

#include <ATen/core/Tensor.h>
#include <omp.h>

namespace rwn {

Prefetcher::Prefetcher(BatchLoader* loader, int depth, bool pin_memory)
    : loader_(loader),
      depth_(static_cast<size_t>(depth < 1 ? 1 : depth)),
      pin_memory_(pin_memory) {}

Prefetcher::~Prefetcher() { Stop(); }

void Prefetcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  ready_.clear();
  stop_ = false;
  done_ = true;
  error_ = nullptr;
}

void Prefetcher::Start(int64_t epoch) {
  Stop();
  loader_->Reset(epoch);
  done_ = false;
  thread_ = std::thread([this] { Produce(); });
}

void Prefetcher::Produce() {
  // libtorch parallelizes with OpenMP, whose team size is a per-thread
  // setting: left at its default, this thread's tensor ops would start a team
  // of their own on every core and compete with training. One thread is
  // plenty (bench/loader_benchmark: 78,500 augmented images/s).
  omp_set_num_threads(1);
  try {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return stop_ || ready_.size() < depth_; });
        if (stop_) return;
      }
      Batch batch;
      const bool more = loader_->Next(&batch);
      if (more && pin_memory_) {
        batch.images = batch.images.pin_memory();
        batch.labels = batch.labels.pin_memory();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (!more) {
        done_ = true;
        changed_.notify_all();
        return;
      }
      ready_.push_back(std::move(batch));
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    done_ = true;
    changed_.notify_all();
  }
}

bool Prefetcher::Next(Batch* batch) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || done_; });
  if (!ready_.empty()) {
    *batch = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return true;
  }
  if (error_) std::rethrow_exception(error_);
  return false;
}

}  // namespace rwn
