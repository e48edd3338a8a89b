// Status propagation macros. abseil 20220623 (Debian's) has none of its own.
//
//   RETURN_IF_ERROR(WriteFile(path, text));
//   ASSIGN_OR_RETURN(std::string text, ReadFile(path));
#ifndef RWN_CORE_STATUS_MACROS_H_
#define RWN_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RWN_STATUS_CONCAT_INNER(a, b) a##b
#define RWN_STATUS_CONCAT(a, b) RWN_STATUS_CONCAT_INNER(a, b)

// Returns the status of `expr` from the calling function when it is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status rwn_status_ = (expr);       \
    if (!rwn_status_.ok()) return rwn_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status when not OK,
// otherwise moves its value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  RWN_ASSIGN_OR_RETURN_IMPL(RWN_STATUS_CONCAT(rwn_statusor_, __LINE__), lhs, rexpr)

#define RWN_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr)    \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // RWN_CORE_STATUS_MACROS_H_
