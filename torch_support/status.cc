#include "torch_support/status.h"

#include <c10/util/Exception.h>

#include <exception>
#include <new>

#include "absl/strings/str_cat.h"

namespace rwn {

absl::Status CurrentExceptionToStatus(absl::string_view context) {
  try {
    throw;
  } catch (const c10::ValueError& e) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": ", e.what_without_backtrace()));
  } catch (const c10::IndexError& e) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": ", e.what_without_backtrace()));
  } catch (const c10::TypeError& e) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": ", e.what_without_backtrace()));
  } catch (const c10::OutOfMemoryError& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat(context, ": out of memory: ", e.what_without_backtrace()));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat(context, ": ", e.what_without_backtrace()));
  } catch (const std::bad_alloc& e) {
    return absl::ResourceExhaustedError(absl::StrCat(context, ": out of memory"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(context, ": ", e.what()));
  } catch (...) {
    return absl::UnknownError(absl::StrCat(context, ": unknown exception"));
  }
}

}  // namespace rwn
