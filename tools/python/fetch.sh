#!/usr/bin/env bash
# Fetches the wheels pinned in tools/python/requirements.lock (checked against
# their sha256) and unpacks them into a folder to put on PYTHONPATH beside
# Debian's python3:
#
#   ${RWN_CACHE:-${XDG_CACHE_HOME:-~/.cache}/rwn}/python/site-<lock hash>/
#
# Prints that folder as its last line. Idempotent: a complete folder is reused
# at once, with no network. The repository rule //third_party:python.bzl runs
# it, so `bazel test //...` needs no step before. `fetch.sh LOCK` reads another
# lock file of the same format instead (bench/peer/torch.lock: PyTorch for
# the peer benchmark).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'tools/python/fetch.sh: %s\n' "$*" >&2; }
lock="${1:-$here/requirements.lock}"
[[ -f "$lock" ]] || { say "no lock file $lock"; exit 2; }
key="$(grep -v '^#' "$lock" | sha256sum | cut -c1-12)"
cache="${RWN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rwn}/python"
dir="$cache/site-$key"

if [[ ! -f "$dir/complete" ]]; then
  mkdir -p "$cache"
  exec 9>"$cache/.fetch.lock"
  flock 9
fi
if [[ ! -f "$dir/complete" ]]; then
  /usr/bin/python3 -m pip --version >/dev/null 2>&1 ||
    { say "needs pip to download wheels: apt-get install python3-pip (./setup.sh does)"; exit 1; }
  tmp="$(mktemp -d "$cache/.partial.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  say "downloading $(grep -c '==' "$lock") wheels into $tmp"
  /usr/bin/python3 -m pip download --quiet --no-cache-dir --no-deps --only-binary=:all: \
    --require-hashes --python-version 3.11 --implementation cp \
    --platform manylinux_2_31_x86_64 --platform manylinux_2_28_x86_64 \
    --platform manylinux2014_x86_64 --platform any \
    -r "$lock" -d "$tmp/wheels"
  /usr/bin/python3 - "$tmp/wheels" "$tmp/site" <<'PY'
import pathlib, sys, zipfile
wheels, site = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for wheel in sorted(wheels.glob("*.whl")):
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
PY
  chmod -R a+rX "$tmp/site"
  find "$tmp/site" -name '*.so' -exec chmod a+x {} +
  find "$tmp/site" -path '*/bin/server' -exec chmod a+x {} +
  echo "$(grep -v '^#' "$lock" | cut -d' ' -f1 | tr '\n' ' ')" >"$tmp/site/complete"
  rm -rf "$dir"
  mv "$tmp/site" "$dir"
  say "done: $dir"
fi
echo "$dir"
