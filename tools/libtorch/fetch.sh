#!/usr/bin/env bash
# Fetches the libtorch 2.x pinned in tools/libtorch/torch2.lock (PyPI's torch
# wheel, a CUDA build, and the NVIDIA runtime wheels it loads) and unpacks its
# C++ part into a cache folder outside the repository:
#
#   ${RWN_CACHE:-${XDG_CACHE_HOME:-~/.cache}/rwn}/libtorch/torch-<version>-<lock hash>/
#     torch/{include,lib,share}   the libtorch root (RWN_LIBTORCH)
#     nvidia/*/lib                 where torch/lib's RUNPATH looks for CUDA
#
# `fetch.sh [LOCK]` reads another lock file of the same format instead (the
# GPU bundle's tools/gpu/torch2.11.lock). Prints the libtorch root as its
# last line. Idempotent: a folder already
# complete is reused at once, with no network. Wheels are checked against the
# lock's sha256 and deleted after unpacking. Two fetches at once take turns.
# The repository rule (third_party/system_library.bzl) runs it for
# RWN_LIBTORCH=pinned, so `bazel build --config=torch2` needs no step before.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'fetch.sh: %s\n' "$*" >&2; }
lock="${1:-$here/torch2.lock}"
[[ -f "$lock" ]] || { say "no lock file $lock"; exit 2; }

version="$(sed -n 's/^torch==\([^ ]*\) .*/\1/p' "$lock")"
[[ -n "$version" ]] || { say "no torch==VERSION line in $lock"; exit 2; }
key="$(grep -v '^#' "$lock" | sha256sum | cut -c1-12)"
cache="${RWN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rwn}/libtorch"
dir="$cache/torch-$version-$key"

if [[ ! -f "$dir/complete" ]]; then
  mkdir -p "$cache"
  exec 9>"$cache/.fetch.lock"
  flock 9
fi
if [[ ! -f "$dir/complete" ]]; then
  python3 -m pip --version >/dev/null 2>&1 ||
    { say "needs pip to download wheels: apt-get install python3-pip (./setup.sh does)"; exit 1; }
  tmp="$(mktemp -d "$cache/.partial.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  platforms=(--platform manylinux1_x86_64 --platform manylinux2010_x86_64 --platform manylinux2014_x86_64)
  for n in $(seq 5 39); do platforms+=(--platform "manylinux_2_${n}_x86_64"); done
  say "downloading torch $version and its NVIDIA runtime wheels (about 2 GB) into $tmp"
  python3 -m pip download --quiet --no-cache-dir --no-deps --only-binary=:all: --require-hashes \
    --python-version 3.12 --implementation cp "${platforms[@]}" -r "$lock" -d "$tmp/wheels"
  say "unpacking the C++ headers and shared libraries"
  python3 - "$tmp/wheels" "$tmp/out" <<'EOF'
import pathlib, sys, zipfile
wheels, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
keep = ("torch/include/", "torch/lib/", "torch/share/", "torch/version.py", "nvidia/")
for wheel in sorted(wheels.glob("*.whl")):
    with zipfile.ZipFile(wheel) as z:
        names = [n for n in z.namelist() if n.startswith(keep) and "libtorch_python" not in n]
        z.extractall(out, names)
    wheel.unlink()
EOF
  echo "torch==$version lock=$key" >"$tmp/out/complete"
  rm -rf "$dir"
  mv "$tmp/out" "$dir"
  say "done: $(du -sh "$dir" | cut -f1) in $dir"
fi
echo "$dir/torch"
