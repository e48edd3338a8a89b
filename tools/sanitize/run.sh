#!/bin/bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (bazel --config=asan, .bazelrc): rwn's code instrumented, libtorch and the
# system libraries as they are; any report fails its test. What is allowed
# inside libtorch, and why, is in torch_support/sanitizers.cc. Extra
# arguments go to bazel test (e.g. a target pattern instead of //...).
# Prints how long it took.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
if [[ $# -gt 0 ]]; then
  bazel test --config=asan "$@"
else
  bazel test --config=asan //...
fi
status=$?
echo "sanitize: bazel test --config=asan took $((SECONDS - start)) s, exit $status"
exit $status
