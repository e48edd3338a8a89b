// Turning exceptions thrown by libtorch into absl::Status at plugin
// boundaries. This header does not include torch.
//
//   return GuardTorch("wide_resnet forward", [&]() -> absl::Status { ... });
#ifndef RWN_TORCH_SUPPORT_STATUS_H_
#define RWN_TORCH_SUPPORT_STATUS_H_

#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rwn {

// Call inside a `catch (...)` block: the in-flight exception as a Status whose
// message starts with `context`. c10::Error keeps its message without the C++
// backtrace; c10's value/index/type errors are InvalidArgument, a device's
// out-of-memory error (c10::OutOfMemoryError) and std::bad_alloc
// ResourceExhausted, other c10::Errors Internal.
absl::Status CurrentExceptionToStatus(absl::string_view context);

// Runs `f` (returning absl::Status or absl::StatusOr<T>) and converts any
// exception it throws.
template <class F>
auto GuardTorch(absl::string_view context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    return CurrentExceptionToStatus(context);
  }
}

}  // namespace rwn

#endif  // RWN_TORCH_SUPPORT_STATUS_H_
