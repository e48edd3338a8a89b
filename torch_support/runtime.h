// Process start-up that every rwn binary and test runs before the first
// tensor exists:
//  - glibc malloc keeps freed memory instead of mapping and page-faulting every
//    large activation buffer afresh each step (mallopt: no mmap, no trimming).
//    Chosen by measurement over glibc's defaults, jemalloc and tcmalloc
//    (bench/README.md): 4.3x faster than the defaults on WRN-16-4's training
//    step, within 6% of tcmalloc either way, and no extra library. Setting
//    RWN_MALLOC_TUNING=off skips it (to measure, or to LD_PRELOAD another
//    allocator);
//  - libtorch's intra-op thread count (Debian's build defaults to 1).
#ifndef RWN_TORCH_SUPPORT_RUNTIME_H_
#define RWN_TORCH_SUPPORT_RUNTIME_H_

namespace rwn {

// Configures malloc and sets libtorch's thread count: `threads` > 0 exactly,
// otherwise DefaultThreads(). Returns the thread count in effect.
int InitRuntime(int threads);

// The number of cores this process may use.
int AvailableCores();

// The thread count when none is asked for: OMP_NUM_THREADS when it is set
// (as PyTorch does; `bazel test` sets it to 1, .bazelrc), else every core.
int DefaultThreads();

}  // namespace rwn

#endif  // RWN_TORCH_SUPPORT_RUNTIME_H_
