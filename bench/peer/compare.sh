#!/usr/bin/env bash
# rwn against the plain PyTorch training loop a researcher would write
# instead (bench/peer/peer_step.py), side by side in one sitting: the same
# models, learn modes, batch and threads, each measurement in a fresh
# process, the legs taking turns within each model and mode.
#
#   bench/peer/compare.sh [ROUNDS]      # default 1; writes bench/peer/results.md
#
# Legs: rwn's training-step benchmark on Debian's libtorch 1.13 and on the
# pinned libtorch 2.x (--config=torch2, on CPU); the peer on Debian's
# python3-torch 1.13 and on the same PyTorch 2.x from PyPI
# (bench/peer/torch.lock), eager and under torch.compile; the legs ending
# in -channels-last run the loop in channels-last, as rwn runs on a CPU. Every process gets
# rwn's allocator settings (no mmap, no trim; torch_support/runtime.cc), the
# peer through glibc's tunables. Environment: LEGS, MODELS and MODES (space-
# separated subsets), THREADS (default 2), BATCH (default 128), STEPS and
# WARMUP (the peer's timed and untimed steps, default 20 and 5), LAYOUT
# (rwn's: channels_last, its CPU default, or nchw).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-1}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: ROUNDS=$rounds; allowed: a whole number >= 1" >&2; exit 2; }
legs=(${LEGS:-rwn-1.13 rwn-2.x peer-1.13 peer-2.x peer-2.x-compile})
models=(${MODELS:-ResNet-20 WRN-16-4 DenseNet-BC-40-12})
modes=(${MODES:-all_learned bn_only fc_only last_block filters10})
threads="${THREADS:-2}" batch="${BATCH:-128}" steps="${STEPS:-20}" warmup="${WARMUP:-5}"
# rwn's name of each learn mode (bench/step.cc); forward_only gives the
# step's cost in forward passes.
declare -A rwn_config=([all_learned]=all_learned [bn_only]=bn_only [fc_only]=fc_only
                       [last_block]=last_block [filters10]=filters10_fast)
# rwn runs in its default layout on a CPU, channels-last; LAYOUT=nchw
# measures NCHW instead.
case "${LAYOUT:-channels_last}" in
  channels_last) layout=_channels_last ;;
  nchw) layout="" ;;
  *) echo "compare.sh: LAYOUT=$LAYOUT; allowed: channels_last, nchw" >&2; exit 2 ;;
esac

declare -A bin
for leg in "${legs[@]}"; do
  case "$leg" in
    rwn-1.13) flags=() ;;
    rwn-2.x) flags=(--config=torch2) ;;
    peer-1.13|peer-2.x|peer-2.x-compile|peer-1.13-channels-last|peer-2.x-channels-last) continue ;;
    peer-2.x-compile-channels-last) continue ;;
    *) echo "compare.sh: leg '$leg'; allowed: rwn-1.13 rwn-2.x peer-1.13 peer-2.x peer-2.x-compile" \
         "peer-1.13-channels-last peer-2.x-channels-last peer-2.x-compile-channels-last" >&2
       exit 2 ;;
  esac
  bazel build --jobs=2 "${flags[@]}" //bench:train_step_benchmark
  bin[$leg]="$(bazel info "${flags[@]}" bazel-bin)/bench/train_step_benchmark"
done
if [[ " ${legs[*]} " == *" peer-2.x"* ]]; then
  site="$(tools/python/fetch.sh bench/peer/torch.lock | tail -1)"
  libtorch="$(tools/libtorch/fetch.sh | tail -1)"
  ln -sfn "$(dirname "$libtorch")/nvidia" "$site/nvidia"  # where torch/lib looks for CUDA
fi
export GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4611686018427387904

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
# Prints one measurement's img/s.
measure() {
  local leg="$1" model="$2" mode="$3"
  case "$leg" in
    rwn-*)
      local out; out="$(mktemp)"
      OMP_NUM_THREADS="$threads" "${bin[$leg]}" --benchmark_min_time=3 --benchmark_min_warmup_time=3 \
        --benchmark_filter="^train_step/$model/$mode/$batch/" --result_file="$out" >"$out.log" 2>&1 ||
        { cat "$out.log" >&2; exit 1; }
      awk '{ print $2 }' "$out"; rm -f "$out" "$out.log" ;;
    peer-*)
      local python_path="" extra=()
      [[ "$leg" == peer-2.x* ]] && python_path="$site"
      [[ "$leg" == *-compile* ]] && extra+=(--compile)
      [[ "$leg" == *-channels-last ]] && extra+=(--channels_last)
      PYTHONPATH="$python_path" /usr/bin/python3 bench/peer/peer_step.py --model="$model" \
        --learn="$mode" --batch="$batch" --threads="$threads" --steps="$steps" \
        --warmup="$warmup" "${extra[@]}" 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readlines()[-1])["img_per_s"])' ;;
  esac
}
for round in $(seq "$rounds"); do
  for model in "${models[@]}"; do
    for mode in "${modes[@]}" forward_only; do
      for leg in "${legs[@]}"; do
        [[ "$mode" == forward_only && "$leg" != rwn-* ]] && continue
        name="$mode"
        [[ "$leg" == rwn-* ]] && name="${rwn_config[$mode]:-$mode}$layout"
        rate="$(measure "$leg" "$model" "$name")"
        echo "compare.sh: round $round, $model, $mode, $leg: $rate img/s" >&2
        echo "$leg $model $mode $round $rate" >>"$results"
      done
    done
  done
done
/usr/bin/python3 bench/peer/table.py "$results" "$threads" "$batch" "$rounds" >bench/peer/results.md
cat bench/peer/results.md
