#!/bin/bash
# rwn's TensorBoard event files, read by TensorBoard's own reader (the pinned
# PyPI wheel, tools/python): a run trained without a stop, and the same spec
# killed twice (mid-epoch, and halfway through writing an event) and resumed,
# must both show every curve at the steps metrics.jsonl names, with the same
# values, each step once, and the spec and parameter counts as text.
set -uo pipefail
rwn="$TEST_SRCDIR/rwn/cli/rwn"
source "$TEST_SRCDIR/python_packages/env.sh"
work="$TEST_TMPDIR/tensorboard"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$RWN_PYTHON" -c 'import torch, numpy, google.protobuf' 2>/dev/null ||
  fail "$RWN_PYTHON lacks Debian's python3-torch, python3-numpy or python3-protobuf: run ./setup.sh"

cat > "$work/tb.pbtxt" <<'SPEC'
name: "tb"
seed: 5
model { wide_resnet { depth: 10 widen_factor: 1 } }
dataset { synthetic { train_size: 64 test_size: 16 size: 8 } }
validation_size: 16
learn { selector { filter_fraction { fraction: 0.1 } } }
optimizer { sgd { lr: 0.05 } }
epochs: 4
batch_size: 16
augment: false
SPEC
train() {
  "$rwn" train --spec="$work/tb.pbtxt" --out="$work/runs/$1" --quiet --threads=1 \
    --log_every_n_steps=2 >> "$work/$1.log" 2>&1
}
train reference || fail "reference run: $(cat "$work/reference.log")"
# 48 training images in batches of 16: 3 steps an epoch. Killed at step 5
# (epoch 2, after epoch 1's checkpoint), then during the 9th append to the
# event file (epoch 3), then trained to the end.
RWN_CRASH_AT=step:5 train resumed
[[ $? -eq 137 ]] || fail "RWN_CRASH_AT=step:5 did not kill the run: $(cat "$work/resumed.log")"
RWN_CRASH_AT=appending:events.out.tfevents.rwn:4 train resumed
[[ $? -eq 137 ]] || fail "the kill while appending an event did not happen: $(cat "$work/resumed.log")"
train resumed || fail "resumed run: $(cat "$work/resumed.log")"
grep -q "resumed after epoch" "$work/resumed.log" || fail "the run did not resume: $(cat "$work/resumed.log")"

PYTHONPATH="$RWN_PYTHONPATH" "$RWN_PYTHON" "$TEST_SRCDIR/rwn/tests/read_events.py" \
  "$work/runs" "$(echo "$work"/runs/reference/tb/*)" "$(echo "$work"/runs/resumed/tb/*)" 2 ||
  fail "TensorBoard's reader disagrees with rwn's files (above)"
echo PASS
