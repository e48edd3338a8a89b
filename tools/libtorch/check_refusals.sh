#!/usr/bin/env bash
# check_refusals.sh: the libtorch repository rule (third_party/libtorch.bzl)
# refuses what it must, with a message naming the file and the value: it is
# pointed at fake libtorch folders made here (a too-old version, the
# pre-C++11 ABI, no CUDA under --config=cuda, not a libtorch at all), and
# each `bazel build --nobuild` must fail with the expected words. Run from
# the repository root; ends by re-resolving the default libtorch.
set -uo pipefail
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0

fake() {  # fake DIR VERSION ABI: a libtorch folder's skeleton
  local dir="$1" major minor patch
  IFS=. read -r major minor patch <<<"$2"
  mkdir -p "$dir/include/torch/csrc/api/include/torch" "$dir/lib" "$dir/share/cmake/Torch"
  touch "$dir/include/torch/csrc/api/include/torch/torch.h" "$dir/include/torch/csrc/api/include/torch/all.h" "$dir/lib/libtorch.so"
  printf '#define TORCH_VERSION_MAJOR %s\n#define TORCH_VERSION_MINOR %s\n#define TORCH_VERSION_PATCH %s\n' \
    "$major" "$minor" "$patch" >"$dir/include/torch/csrc/api/include/torch/version.h"
  echo "set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=$3\")" >"$dir/share/cmake/Torch/TorchConfig.cmake"
}

expect_refusal() {  # expect_refusal WHAT WORDS BAZEL_FLAGS...
  local what="$1" words="$2" out
  shift 2
  out="$(bazel build --nobuild "$@" @libtorch//:libtorch 2>&1)"
  if [[ $? -ne 0 ]] && grep -qF "$words" <<<"$out"; then
    echo "check_refusals: refused $what: $( (grep -m1 "Error in fail:" <<<"$out" || grep -m1 -F "$words" <<<"$out") | sed "s/^.*Error in fail: //")"
  else
    echo "check_refusals: FAILED to refuse $what with '$words':"
    sed 's/^/  /' <<<"$out" | tail -5
    status=1
  fi
}

fake "$tmp/old" 1.12.1 1
fake "$tmp/abi0" 2.3.0 0
fake "$tmp/cpu" 2.15.0 1
mkdir -p "$tmp/empty"
expect_refusal "a libtorch older than 1.13" "says libtorch 1.12.1; rwn needs 1.13 or later" \
  --repo_env=RWN_LIBTORCH="$tmp/old"
expect_refusal "the pre-C++11 ABI" "TorchConfig.cmake sets -D_GLIBCXX_USE_CXX11_ABI=0" \
  --repo_env=RWN_LIBTORCH="$tmp/abi0"
expect_refusal "a CPU-only libtorch under --config=cuda" "has no libtorch_cuda.so" \
  --config=cuda --repo_env=RWN_LIBTORCH="$tmp/cpu"
expect_refusal "a folder that is not a libtorch" "is not a libtorch" \
  --repo_env=RWN_LIBTORCH="$tmp/empty"
bazel build --nobuild @libtorch//:libtorch >/dev/null 2>&1 || { echo "check_refusals: the default libtorch no longer resolves"; status=1; }
exit $status
