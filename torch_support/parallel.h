// ParallelFor: at::parallel_for that runs in parallel whatever flags its
// caller is compiled with. at::parallel_for is an inline template whose
// OpenMP region exists only in translation units compiled with -fopenmp;
// elsewhere it quietly runs serially on one thread. This one is compiled
// with OpenMP once, here, for rwn's own CPU kernels.
#ifndef RWN_TORCH_SUPPORT_PARALLEL_H_
#define RWN_TORCH_SUPPORT_PARALLEL_H_

#include <cstdint>
#include <functional>

namespace rwn {

// Calls f(begin, end) on contiguous chunks of [begin, end), at least `grain`
// long, on libtorch's intra-op threads (at::get_num_threads()); inside f,
// at::get_thread_num() tells the threads apart. Serial when nested in
// another parallel region.
void ParallelFor(int64_t begin, int64_t end, int64_t grain,
                 const std::function<void(int64_t, int64_t)>& f);

}  // namespace rwn

#endif  // RWN_TORCH_SUPPORT_PARALLEL_H_
