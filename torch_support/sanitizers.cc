// What AddressSanitizer and UndefinedBehaviorSanitizer (bazel --config=asan)
// allow, compiled into every binary that links the runtime; empty in other
// builds. Only what is inside libtorch, each with its reason.
#if defined(__SANITIZE_ADDRESS__)

extern "C" {

// Reports fail the test at once, with a stack.
const char* __asan_default_options() { return "abort_on_error=0:halt_on_error=1"; }
const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

const char* __lsan_default_suppressions() { return ""; }

}  // extern "C"

#endif  // __SANITIZE_ADDRESS__
