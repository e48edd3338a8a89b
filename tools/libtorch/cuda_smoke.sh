#!/usr/bin/env bash
# cuda_smoke.sh RWN cpu|cuda: starts a CUDA build's rwn binary on this
# machine. cpu: it links libtorch_cuda and trains a tiny synthetic run on
# --device=cpu to the end. cuda (on a machine without a GPU): it exits 2 and
# says why. Exit 0 when the binary behaves so.
set -uo pipefail
rwn="${1:?usage: cuda_smoke.sh RWN cpu|cuda}"
device="${2:?usage: cuda_smoke.sh RWN cpu|cuda}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# grep reads readelf's whole output (no -q): under pipefail an early exit of
# grep would kill readelf with SIGPIPE and fail the check at random.
readelf -d "$rwn" | grep 'libtorch_cuda.so' >/dev/null ||
  { echo "cuda_smoke: $rwn does not link libtorch_cuda.so"; exit 1; }
cat >"$tmp/smoke.pbtxt" <<'SPEC'
name: "cuda_smoke"
model { wide_resnet { depth: 10 widen_factor: 1 } }
dataset { synthetic { train_size: 256 test_size: 64 size: 16 } }
learn { selector { filter_fraction { fraction: 0.5 } } }
optimizer { sgd { lr: 0.05 momentum: 0.9 } }
epochs: 1
batch_size: 64
SPEC
"$rwn" train --spec="$tmp/smoke.pbtxt" --out="$tmp/runs" --quiet --threads=1 --device="$device" \
  >"$tmp/out" 2>&1
code=$?
sed 's/^/  /' "$tmp/out"
if [[ "$device" == cpu ]]; then
  [[ $code -eq 0 ]] && compgen -G "$tmp/runs/cuda_smoke/*/summary.json" >/dev/null ||
    { echo "cuda_smoke: training on --device=cpu exited $code without a summary"; exit 1; }
else
  [[ $code -eq 2 ]] && grep -q 'no CUDA GPU available' "$tmp/out" ||
    { echo "cuda_smoke: --device=$device exited $code, expected 2 and the reason"; exit 1; }
fi
