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

// Autocast to `dtype` on `device` (CPU or CUDA) for the guard's lifetime;
// the previous state is restored and the cast cache cleared when it ends.
class Autocast {
 public:
  Autocast(c10::DeviceType device, at::ScalarType dtype)
      : device_(device), was_enabled_(Enabled(device)) {
#if RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_dtype(device, dtype);
#else
    if (device == c10::DeviceType::CUDA) {
      at::autocast::set_autocast_gpu_dtype(dtype);
    } else {
      at::autocast::set_autocast_cpu_dtype(dtype);
    }
#endif
    SetEnabled(device, true);
  }
  ~Autocast() {
    SetEnabled(device_, was_enabled_);
    at::autocast::clear_cache();
  }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

  // The autocast that runs ops on `device`: CUDA's for a GPU, else the CPU's.
  static c10::DeviceType For(const c10::Device& device) {
    return device.is_cuda() ? c10::DeviceType::CUDA : c10::DeviceType::CPU;
  }

  static bool Enabled(c10::DeviceType device) {
#if RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE
    return at::autocast::is_autocast_enabled(device);
#else
    return device == c10::DeviceType::CUDA ? at::autocast::is_enabled()
                                           : at::autocast::is_cpu_enabled();
#endif
  }

 private:
  static void SetEnabled(c10::DeviceType device, bool enabled) {
#if RWN_TORCH_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_enabled(device, enabled);
#else
    if (device == c10::DeviceType::CUDA) {
      at::autocast::set_enabled(enabled);
    } else {
      at::autocast::set_cpu_enabled(enabled);
    }
#endif
  }

  c10::DeviceType device_;
  bool was_enabled_;
};

}  // namespace rwn

#endif  // RWN_TORCH_SUPPORT_COMPAT_H_
