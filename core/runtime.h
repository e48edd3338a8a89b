// Process start-up that every rwn binary and test runs before the first
// tensor exists:
//  - glibc malloc keeps freed memory instead of mapping and page-faulting every
//    large activation buffer afresh each step (7.6x on a conv net's training
//    step here; the performance issue settles the allocator for good);
//  - libtorch's intra-op thread count (Debian's build defaults to 1).
#ifndef RWN_CORE_RUNTIME_H_
#define RWN_CORE_RUNTIME_H_

namespace rwn {

// Configures malloc and sets libtorch's thread count: `threads` > 0 exactly,
// otherwise every core. Returns the thread count in effect.
int InitRuntime(int threads);

// The number of cores this process may use.
int AvailableCores();

}  // namespace rwn

#endif  // RWN_CORE_RUNTIME_H_
