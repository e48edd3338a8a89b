#!/bin/bash
# A full disk at every write of a run: `rwn train` runs on a small tmpfs
# (mounted in a private mount namespace, so neither root nor a real mount is
# needed) with 0, 1, 2, ... pages left free, until one is enough. Each time
# the disk fills, rwn must exit 1 naming the file and "No space left on
# device", leave no temporary file, and, once space is freed, the rerun must
# finish with every epoch once and the same numbers as a run that never
# lacked space. Over the free sizes, the full disk must have hit the spec,
# log, metrics, checkpoint and summary writes.
set -uo pipefail
rwn="$TEST_SRCDIR/rwn/cli/rwn"
work="$TEST_TMPDIR/disk_full"

fail() { echo "FAIL: $*"; exit 1; }

if [[ -z "${RWN_IN_NAMESPACE:-}" ]]; then
  rm -rf "$work" && mkdir -p "$work/mnt"
  # Checkpoints only after the last epoch, so that the metrics file's second
  # page (epoch 19 or so) and the summary can be the write that fails.
  cat > "$work/disk.pbtxt" <<'SPEC'
name: "disk"
seed: 3
model { wide_resnet { depth: 10 widen_factor: 1 } }
dataset { synthetic { train_size: 32 test_size: 16 size: 8 } }
learn { selector { filter_fraction { fraction: 0.05 } } }
optimizer { sgd { lr: 0.05 } }
epochs: 20
batch_size: 16
augment: false
SPEC
  "$rwn" train --spec="$work/disk.pbtxt" --out="$work/reference" --quiet --threads=1 \
    --checkpoint_every=0 > "$work/reference.log" 2>&1 || fail "reference run: $(cat "$work/reference.log")"
  RWN_IN_NAMESPACE=1 exec unshare --user --map-root-user --mount bash "$0" "$@" ||
    fail "unshare (a private mount namespace for the tmpfs) is refused here"
fi

mount -t tmpfs -o size=512k tmpfs "$work/mnt" || fail "cannot mount a tmpfs in the namespace"
numbers() { grep -o '"epoch":[0-9]*\|"train_loss":[^,]*\|"test_loss":[^,]*' "$1"; }
reference_numbers="$(numbers "$work"/reference/disk/*/metrics.jsonl)"
[[ $(grep -c '"epoch"' <<<"$reference_numbers") -eq 20 ]] || fail "reference: $reference_numbers"

declare -A hit
finished=0
for free in $(seq 0 40); do
  rm -rf "$work/mnt/"*
  available=$(df -k --output=avail "$work/mnt" | tail -1)
  head -c $(((available - 4 * free) * 1024)) /dev/zero > "$work/mnt/filler" 2>/dev/null
  run="train --spec=$work/disk.pbtxt --out=$work/mnt/runs --quiet --threads=1 --checkpoint_every=0"
  output="$("$rwn" $run 2>&1)"
  code=$?
  if [[ $code -eq 0 ]]; then finished=1; break; fi
  [[ $code -eq 1 ]] || fail "$free pages free: exit $code, expected 1: $output"
  file=$(grep -o '/[^/ ]*: cannot write: No space left on device' <<<"$output" | cut -d: -f1)
  [[ -n "$file" ]] || fail "$free pages free: the message names no file, or not the full disk: $output"
  file=${file#/}
  hit[${file%%.tmp-*}]=1
  leftovers=$(find "$work/mnt/runs" -name '*.tmp-*')
  [[ -z "$leftovers" ]] || fail "$free pages free: temporary files left: $leftovers"

  rm "$work/mnt/filler"
  output="$("$rwn" $run 2>&1)" || fail "$free pages free, rerun with space: $output"
  metrics=$(echo "$work"/mnt/runs/disk/*/metrics.jsonl)
  [[ "$(numbers "$metrics")" == "$reference_numbers" ]] ||
    fail "$free pages free ($file full): the rerun's metrics differ from the reference:" \
      "$(diff <(numbers "$metrics") <(echo "$reference_numbers"))"
  grep -q '"final_test_top1"' "$work"/mnt/runs/disk/*/summary.json || fail "no summary after rerun"
  echo "$free pages free: $file was full; the rerun finished with the reference's numbers"
done
[[ $finished -eq 1 ]] || fail "40 pages were not enough for the run"
for file in spec.pbtxt log.txt metrics.jsonl checkpoint.rwn summary.json; do
  [[ -n "${hit[$file]:-}" ]] || fail "no free size made the $file write fail (hit: ${!hit[*]})"
done
echo "PASS: a full disk at each of ${!hit[*]} lost nothing"
