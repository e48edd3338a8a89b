#include "torch_support/parallel.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <vector>

namespace rwn {
namespace {

// The reason ParallelFor exists: with two threads, two threads take part
// (at::parallel_for from a file built without -fopenmp would use one).
TEST(ParallelForTest, RunsOnEveryThread) {
  at::set_num_threads(2);
  std::mutex mutex;
  std::set<int> threads;
  std::vector<int> seen(1000, 0);
  ParallelFor(0, 1000, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ++seen[i];
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(at::get_thread_num());
  });
  at::set_num_threads(1);
  EXPECT_EQ(threads, (std::set<int>{0, 1}));
  EXPECT_EQ(seen, std::vector<int>(1000, 1));  // each index once
}

// A grain as long as the range: one chunk, on one thread.
TEST(ParallelForTest, TheGrainBoundsTheChunks) {
  at::set_num_threads(2);
  std::atomic<int> chunks{0};
  ParallelFor(0, 100, 100, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 100);
    ++chunks;
  });
  at::set_num_threads(1);
  EXPECT_EQ(chunks.load(), 1);
}

}  // namespace
}  // namespace rwn
