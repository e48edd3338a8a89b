#!/usr/bin/env bash
# Makes the GPU bundle: one folder (at most 64 MiB) that runs rwn and its GPU
# check on a machine with a CUDA torch and nothing else (no Bazel, no Debian
# packages, no network):
#
#   tools/gpu/bundle.sh [DIR]           (default DIR: bazel-bundle-gpu/)
#
#   DIR/bin/rwn, DIR/bin/gpu_check      built here against the torch of
#                                       tools/gpu/torch2.11.lock (the GPU host's)
#   DIR/tests/                          the unit tests with cases that need a
#                                       GPU (they skip themselves on a CPU)
#   DIR/peer/                           the plain PyTorch loop (bench/peer/)
#   DIR/lib/                            every shared library they need that is
#                                       neither torch's nor the C library's
#   DIR/env.sh                          puts lib/ and the host's torch/lib on
#                                       LD_LIBRARY_PATH (RWN_TORCH, default the
#                                       torch of /opt/torch/.venv)
#   DIR/check.sh, fashion_sweep.pbtxt   the check (tools/gpu/check.sh)
#   DIR/long_sweeps.sh                  the cpu_long sweeps on the GPU (tools/gpu/long_sweeps.sh)
#   DIR/data/fashion-mnist/             the sweep's data
#   DIR/specs/                          the paper's experiments (experiments/paper/),
#                                       for DIR/bin/rwn sweep --spec=DIR/specs/X.pbtxt
#                                       --device=cuda (their default data folder is
#                                       /usr/share/datasets: copy DIR/data there)
#
# On the GPU machine: DIR/check.sh (add --device=cpu to try it on a CPU).
# Here, against the 2.11 wheel's own libtorch: RWN_TORCH=$(tools/libtorch/fetch.sh
# tools/gpu/torch2.11.lock) DIR/check.sh --device=cpu. The build uses its own
# Bazel output base, so the workspace's own builds are left as they are.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${1:-$repo/bazel-bundle-gpu}"
say() { printf 'bundle.sh: %s\n' "$*" >&2; }

torch="$("$repo/tools/libtorch/fetch.sh" "$repo/tools/gpu/torch2.11.lock" | tail -1)"
say "building rwn and gpu_check against $torch"
cd "$repo"
# Tests link their libraries statically, as binaries do, so that they run
# from the bundle alone.
flags=(--config=torch2 --repo_env=RWN_LIBTORCH="$torch" --platform_suffix=gpu-bundle --symlink_prefix=/
  --dynamic_mode=off)
# The tests whose GPU cases skip themselves where there is no GPU.
gpu_tests=(//datasets:loader_test //train:checkpoint_test //train:frozen_prefix_test)
bazel --output_base="${RWN_CACHE:-$HOME/.cache/rwn}/bundle-bazel" build "${flags[@]}" \
  //cli:rwn //tools/gpu:gpu_check "${gpu_tests[@]}"
bin="$(bazel --output_base="${RWN_CACHE:-$HOME/.cache/rwn}/bundle-bazel" info "${flags[@]}" bazel-bin)"

rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/lib" "$dest/data" "$dest/tests" "$dest/peer" "$dest/specs"
for program in cli/rwn tools/gpu/gpu_check; do
  strip -o "$dest/bin/$(basename "$program")" "$bin/$program"
done
for test in "${gpu_tests[@]}"; do
  test="${test#//}"
  strip -o "$dest/tests/$(basename "${test/://}")" "$bin/${test/://}"
done
cp "$repo/bench/peer/peer_step.py" "$repo/tools/pytorch/rwn_models.py" "$dest/peer/"
# Every library the binaries load, less torch's own (the host's torch brings
# them, libgomp included), the NVIDIA runtime and the C library.
torch_libs="$(ls "$torch/lib")"
LD_LIBRARY_PATH="$torch/lib" ldd "$dest"/bin/* "$dest"/tests/* |
  awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
  while read -r name path; do
    case "$name" in
      libc.so.* | libm.so.* | libdl.so.* | librt.so.* | libpthread.so.* | libutil.so.* | ld-linux*) continue ;;
    esac
    [[ "$path" == "$torch"/* || "$path" == */nvidia/* ]] && continue
    grep -qx "$name" <<<"$torch_libs" && continue
    cp -L "$path" "$dest/lib/$name"
  done
cp "$repo/tools/gpu/check.sh" "$repo/tools/gpu/long_sweeps.sh" "$repo/tools/gpu/fashion_sweep.pbtxt" "$dest/"
cp -r /usr/share/datasets/fashion-mnist "$dest/data/"
cp "$repo"/experiments/paper/*.pbtxt "$dest/specs/"
cat >"$dest/env.sh" <<'EOF'
# Sourced by check.sh: the bundle's libraries, then the host torch's.
torch="${RWN_TORCH:-/opt/torch/.venv/lib/python3.12/site-packages/torch}"
if [[ ! -f "$torch/lib/libtorch.so" ]]; then
  echo "env.sh: no libtorch.so in $torch/lib; set RWN_TORCH to a torch folder (site-packages/torch)" >&2
  return 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export LD_LIBRARY_PATH="$here/lib:$torch/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
EOF
echo "torch==$(sed -n 's/^torch==\([^ ]*\) .*/\1/p' "$repo/tools/gpu/torch2.11.lock") $(git -C "$repo" rev-parse --short HEAD)" >"$dest/VERSION"

size=$(du -sm "$dest" | cut -f1)
say "$dest: ${size} MiB ($(ls "$dest/lib" | wc -l) libraries)"
if [[ $size -gt 64 ]]; then
  say "the bundle is over 64 MiB"
  exit 1
fi
