#!/usr/bin/env bash
# rwn's GPU check: speed and correctness on one GPU, in minutes, as Markdown.
#
#   tools/gpu/check.sh [--device=cuda] [--quick]      in the repository (bazel builds it)
#   ./check.sh [--device=cuda] [--quick]              in a bundle (tools/gpu/bundle.sh)
#
#  1. gpu_check: img/s of WRN-28-10 and DenseNet-BC-100-12 at batch 128 per
#     learn configuration; fixed weights bit-identical after 50 steps on the
#     split-conv and dense-mask paths; the two paths equal within 1e-3.
#  2. Kill and resume in deterministic mode: a run killed with SIGKILL after
#     its first checkpoint and started again ends bit-identical to one never
#     interrupted (gpu_check --compare).
#  3. In a bundle: the unit tests with GPU cases (DIR/tests/), which must run
#     them, not skip them, when --device is a GPU.
#  4. The plain PyTorch loop (bench/peer/peer_step.py) on the same device and
#     models, where python3 has torch: img/s to set beside gpu_check's.
#  5. A real run: the fraction sweep of tools/gpu/fashion_sweep.pbtxt (WRN-16-4
#     on all of Fashion-MNIST) and its report with figures.
# --quick (and --device=cpu) skips the speed rows, the peer and the sweep and
# uses a small model: the correctness part alone, for a CPU. Exits 1 when any
# check fails, 2 on bad usage.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
device=cuda
quick=0
for arg in "$@"; do
  case "$arg" in
    --device=*) device="${arg#--device=}" ;;
    --quick) quick=1 ;;
    *) echo "check.sh: unknown argument $arg; allowed: --device=D, --quick" >&2; exit 2 ;;
  esac
done
[[ "$device" == cpu ]] && quick=1

if [[ -x "$here/bin/rwn" ]]; then  # a bundle
  bin="$here/bin"
  data="$here/data"
  source "$here/env.sh" || exit 2
else
  repo="$(cd "$here/../.." && pwd)"
  (cd "$repo" && bazel build //cli:rwn //tools/gpu:gpu_check) >&2 || exit 2
  bin="$(cd "$repo" && bazel info bazel-bin)"
  ln -sf "$bin/cli/rwn" "$bin/tools/gpu/rwn" 2>/dev/null
  bin="$bin/tools/gpu"
  data=/usr/share/datasets
fi
out="${RWN_CHECK_OUT:-$(mktemp -d /tmp/rwn-gpu-check.XXXXXX)}"
mkdir -p "$out"
failed=0
echo "# rwn GPU check: $(date -u '+%Y-%m-%d %H:%M UTC'), --device=$device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/GPU: /'
echo "Output: $out"

# 1. Speed and the in-process correctness checks.
if [[ $quick -eq 1 ]]; then
  "$bin/gpu_check" --device="$device" --speed=false --check_batch=32 --fixed_steps=10 \
    --check_model='wide_resnet { depth: 10 widen_factor: 1 }' || failed=1
else
  "$bin/gpu_check" --device="$device" || failed=1
fi

# 2. Kill -9 after the first checkpoint, resume, compare with an uninterrupted run.
cat >"$out/resume.pbtxt" <<'EOF'
name: "gpu_check/resume"
seed: 7
model { wide_resnet { depth: 10 widen_factor: 2 dropout: 0.3 } }
dataset { synthetic { train_size: 4096 test_size: 512 size: 32 noise: 80 } }
learn { selector { filter_fraction { fraction: 0.25 } } }
optimizer { sgd { lr: 0.05 momentum: 0.9 weight_decay: 5e-4 } }
schedule { step { milestones: 2 gamma: 0.1 } }
epochs: 3
batch_size: 64
deterministic: true
EOF
train=("$bin/rwn" train --spec="$out/resume.pbtxt" --device="$device" --quiet)
"${train[@]}" --out="$out/whole" >"$out/whole.log" 2>&1 || { echo "uninterrupted run failed: $out/whole.log"; failed=1; }
"${train[@]}" --out="$out/killed" >"$out/killed.log" 2>&1 &
pid=$!
until compgen -G "$out/killed/gpu_check/resume/*/checkpoint.rwn" >/dev/null || ! kill -0 $pid 2>/dev/null; do
  sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
"${train[@]}" --out="$out/killed" >>"$out/killed.log" 2>&1 || { echo "resumed run failed: $out/killed.log"; failed=1; }
echo
echo "| check | result | detail |"
echo "|---|---|---|"
whole=$(echo "$out"/whole/gpu_check/resume/*/checkpoint.rwn)
killed=$(echo "$out"/killed/gpu_check/resume/*/checkpoint.rwn)
if detail="$("$bin/gpu_check" --compare="$whole,$killed" | head -1)" && grep -q "resumed after epoch" "$out/killed.log"; then
  echo "| kill -9 after epoch 1 and resume (deterministic) | pass | $detail |"
else
  echo "| kill -9 after epoch 1 and resume (deterministic) | FAIL | $detail (logs: $out/killed.log) |"
  failed=1
fi

# 3. The unit tests with GPU cases: all cases pass, and none is skipped on a GPU.
for test in "$here"/tests/*_test; do
  [[ -x "$test" ]] || continue
  name="$(basename "$test")"
  mkdir -p "$out/tests/$name"
  if TEST_TMPDIR="$out/tests/$name" OMP_NUM_THREADS=4 "$test" >"$out/tests/$name.log" 2>&1; then
    result=pass
  else
    result=FAIL
    failed=1
  fi
  log="$out/tests/$name.log"
  summary="$(sed -n -E 's/^\[  (PASSED|FAILED)  \] ([0-9]+) tests?\..*/\2 \1/p' "$log" | tr 'A-Z' 'a-z' | paste -sd ',' -)"
  skipped="$(sed -n -E 's/^\[  SKIPPED \] ([A-Za-z0-9_.]+) \(.*/\1/p' "$log" | paste -sd ',' -)"
  [[ -z "$skipped" ]] || summary="$summary; skipped: $skipped"
  if [[ "$device" != cpu && -n "$skipped" ]]; then
    result="FAIL (a GPU case skipped)"
    failed=1
  fi
  echo "| $name | $result | $summary |"
done

# 4. The plain PyTorch loop on the same device and models (bench/peer/).
peer="$here/peer/peer_step.py"
[[ -f "$peer" ]] || peer="$here/../../bench/peer/peer_step.py"
if [[ $quick -eq 0 ]] && python3 -c 'import torch' 2>/dev/null; then
  echo
  echo "| model | configuration | PyTorch loop img/s (batch 128), torch $(python3 -c 'import torch; print(torch.__version__)') |"
  echo "|---|---|---:|"
  for model in WRN-28-10 DenseNet-BC-100-12; do
    for learn in all_learned filters10 bn_only fc_only; do
      line="$(python3 "$peer" --model=$model --learn=$learn --device="$device" --batch=128 \
        --steps=20 --warmup=3 2>"$out/peer.log" | tail -1)"
      speed="$(python3 -c 'import json, sys; print("%.0f" % json.loads(sys.argv[1])["img_per_s"])' "$line" 2>/dev/null)" ||
        speed="failed: $(tail -1 "$out/peer.log")"
      echo "| $model | $learn | $speed |"
    done
  done
fi

# 5. The real run: a fraction sweep on Fashion-MNIST, and its report.
if [[ $quick -eq 0 ]]; then
  sed "s#/usr/share/datasets#$data#" "$here/fashion_sweep.pbtxt" >"$out/fashion_sweep.pbtxt"
  start=$SECONDS
  if "$bin/rwn" sweep --spec="$out/fashion_sweep.pbtxt" --out="$out/runs" --device="$device" \
    --workers=2 --quiet >"$out/sweep.log" 2>&1; then
    echo "| fraction sweep (8 runs), WRN-16-4 on Fashion-MNIST | pass | $((SECONDS - start)) s; $out/runs |"
  else
    echo "| fraction sweep (8 runs), WRN-16-4 on Fashion-MNIST | FAIL | $out/sweep.log |"
    failed=1
  fi
  # The figures need gnuplot; a GPU machine without it leaves them to
  # `rwn report` on the returned run folders.
  if ! command -v gnuplot >/dev/null; then
    echo "| report of the sweep | skipped | no gnuplot here: rwn report --runs=$out/runs --out=DIR where it is |"
  elif "$bin/rwn" report --runs="$out/runs" --out="$out/report" >"$out/report.log" 2>&1; then
    echo "| report of the sweep, with figures | pass | $out/report |"
  else
    echo "| report of the sweep, with figures | FAIL | $out/report.log |"
    failed=1
  fi
fi
exit $failed
