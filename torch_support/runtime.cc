#include "torch_support/runtime.h"

#include <ATen/Parallel.h>
#include <malloc.h>
#include <sched.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace rwn {

int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

int DefaultThreads() {
  // OMP_NUM_THREADS may list a count per nesting level ("4,2"): the first.
  const char* omp = std::getenv("OMP_NUM_THREADS");
  const long count = omp != nullptr ? std::strtol(omp, nullptr, 10) : 0;
  return count > 0 ? static_cast<int>(count) : AvailableCores();
}

int InitRuntime(int threads) {
  const char* tuning = std::getenv("RWN_MALLOC_TUNING");
  if (tuning == nullptr || std::string(tuning) != "off") {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, -1);
  }
  const int count = threads > 0 ? threads : DefaultThreads();
  at::set_num_threads(count);
  return count;
}

}  // namespace rwn
