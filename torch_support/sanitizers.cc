// What AddressSanitizer and UndefinedBehaviorSanitizer do on a report in the
// --config=asan build (tools/sanitize/run.sh), compiled into every binary
// that links the runtime; empty in other builds. This is also the place for
// an allowlist of reports from inside libtorch, each with its reason: the
// whole suite has run clean without one (2026-12-04, Debian's libtorch
// 1.13.1, including LeakSanitizer at the exit of every rwn process), so it
// has none.
#if defined(__SANITIZE_ADDRESS__)

extern "C" {

// The first report ends the process with a stack, so the test fails.
const char* __asan_default_options() { return "halt_on_error=1"; }
const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

}  // extern "C"

#endif  // __SANITIZE_ADDRESS__
