#!/bin/bash
# `rwn export` into PyTorch: for every model plugin, a run is trained briefly
# (learning a part of it, so learned and fixed weights both matter) and
# exported whole; Debian's PyTorch with the pinned safetensors wheel then
# builds rwn's PyTorch definition of the model (tools/pytorch/rwn_models.py,
# bearpaw's CIFAR models), loads the file with load_state_dict(strict=True)
# and must give rwn's logits on the same batch. The delta export is then
# expanded back and must equal the whole export tensor for tensor.
set -uo pipefail
rwn="$TEST_SRCDIR/rwn/cli/rwn"
logits="$TEST_SRCDIR/rwn/tests/export_logits"
check="$TEST_SRCDIR/rwn/tests/check_pytorch_export.py"
source "$TEST_SRCDIR/python_packages/env.sh"
work="$TEST_TMPDIR/export"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$RWN_PYTHON" -c 'import torch, numpy' 2>/dev/null ||
  fail "$RWN_PYTHON lacks Debian's python3-torch: run ./setup.sh"

# name | model | learn | input (channels size)
cases=(
  "wrn|wide_resnet { depth: 10 widen_factor: 2 }|filter_fraction { fraction: 0.3 }|3 32"
  "wrn_nobn|wide_resnet { depth: 10 widen_factor: 1 batch_norm: false }|filter_fraction { fraction: 0.5 }|1 28"
  "resnet|resnet { depth: 8 }|filter_fraction { fraction: 0.3 }|3 32"
  "resnet_bottleneck|resnet { depth: 11 bottleneck: true }|filter_fraction { fraction: 0.3 }|1 28"
  "densenet|densenet { depth: 10 growth_rate: 4 }|filter_fraction { fraction: 0.3 }|3 32"
  "densenet_basic|densenet { depth: 10 growth_rate: 4 bottleneck: false compression: 1 }|filter_fraction { fraction: 0.3 }|1 28"
  "vgg|vgg { depth: 11 width_divisor: 8 }|filter_fraction { fraction: 0.3 }|3 32"
  "vgg_nobn|vgg { depth: 11 width_divisor: 8 batch_norm: false }|filter_fraction { fraction: 0.3 }|1 28"
  "alexnet|alexnet { width_divisor: 4 }|filter_fraction { fraction: 0.3 }|3 32"
)
for entry in "${cases[@]}"; do
  IFS='|' read -r name model learn input <<<"$entry"
  read -r channels size <<<"$input"
  cat > "$work/$name.pbtxt" <<SPEC
name: "$name"
seed: 7
model { $model }
dataset { synthetic { train_size: 48 test_size: 16 channels: $channels size: $size num_classes: 5 } }
learn { selector { $learn } }
optimizer { sgd { lr: 0.05 momentum: 0.9 } }
epochs: 2
batch_size: 16
augment: false
SPEC
  "$rwn" train --spec="$work/$name.pbtxt" --out="$work/runs" --quiet --threads=1 \
    > "$work/$name.log" 2>&1 || fail "$name: training: $(cat "$work/$name.log")"
  dir="$(echo "$work/runs/$name"/*)"
  "$rwn" export --run="$dir" --out="$work/$name.safetensors" >> "$work/$name.log" 2>&1 ||
    fail "$name: export: $(cat "$work/$name.log")"
  "$rwn" export --run="$dir" --out="$work/$name.delta.safetensors" --format=delta \
    >> "$work/$name.log" 2>&1 || fail "$name: delta export: $(cat "$work/$name.log")"
  "$rwn" export --delta="$work/$name.delta.safetensors" --out="$work/$name.expanded.safetensors" \
    >> "$work/$name.log" 2>&1 || fail "$name: delta expansion: $(cat "$work/$name.log")"
  "$logits" --run="$dir" --out="$work/$name.batch.safetensors" >> "$work/$name.log" 2>&1 ||
    fail "$name: rwn's logits: $(cat "$work/$name.log")"
done

PYTHONPATH="$RWN_PYTHONPATH:$TEST_SRCDIR/rwn/tools/pytorch" "$RWN_PYTHON" "$check" "$work" \
  $(for entry in "${cases[@]}"; do echo "${entry%%|*}"; done) ||
  fail "PyTorch disagrees with rwn (above)"
echo PASS
