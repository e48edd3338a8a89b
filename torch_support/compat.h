// The one place for what differs between the libtorch versions rwn builds
// against: Debian's 1.13 and the pinned 2.x (tools/libtorch/torch2.lock).
// Include it only from .cc files that use torch; third_party/libtorch.bzl
// sets RWN_LIBTORCH_CXX_STD to the standard the libtorch needs.
#ifndef RWN_TORCH_SUPPORT_COMPAT_H_
#define RWN_TORCH_SUPPORT_COMPAT_H_

#if defined(RWN_LIBTORCH_CXX_STD) && RWN_LIBTORCH_CXX_STD >= 20 && __cplusplus < 202002L
#error \
    "This libtorch needs C++20 (its torch/all.h says so): build with --config=torch2 or --config=cuda, or add --cxxopt=-std=c++20"
#endif

#include <ATen/autocast_mode.h>
#include <torch/version.h>

// libtorch 2.4 replaced the per-device autocast functions (set_cpu_enabled,
// set_autocast_cpu_dtype, ...) by ones that take the device type; the old
// ones print a deprecation warning on every call.
#define RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE \
  (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

namespace rwn {

// CPU autocast to `dtype` for the guard's lifetime; the previous state is
// restored and the cast cache cleared when it ends.
class CpuAutocast {
 public:
  explicit CpuAutocast(at::ScalarType dtype) : was_enabled_(Enabled()) {
#if RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_dtype(at::kCPU, dtype);
#else
    at::autocast::set_autocast_cpu_dtype(dtype);
#endif
    SetEnabled(true);
  }
  ~CpuAutocast() {
    SetEnabled(was_enabled_);
    at::autocast::clear_cache();
  }
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

  static bool Enabled() {
#if RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE
    return at::autocast::is_autocast_enabled(at::kCPU);
#else
    return at::autocast::is_cpu_enabled();
#endif
  }

 private:
  static void SetEnabled(bool enabled) {
#if RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_enabled(at::kCPU, enabled);
#else
    at::autocast::set_cpu_enabled(enabled);
#endif
  }

  bool was_enabled_;
};

}  // namespace rwn

#endif  // RWN_TORCH_SUPPORT_COMPAT_H_
