#!/usr/bin/env bash
# The cpu_long protocol (experiments/paper/*.cpu_long.pbtxt) on one GPU, from
# the GPU bundle: Figure 1 (36 runs), Table 1 (21) and the float32 check (3),
# side by side on the one GPU, each run in its own process. The specs are
# the CPU protocol's, unchanged, so a run folder here has the same name as
# the CPU's; `--device` is the only difference (summary.json records it).
#
#   DIR/long_sweeps.sh OUT [SECONDS]
#
# OUT receives runs.tgz (every run folder without its checkpoint: the
# reports need the metrics alone) and, for runs stopped unfinished at
# SECONDS (default 420), checkpoints.tgz.* to resume them from. Unpack both in
# a runs folder and `rwn report`, or the experiment's target, reads them.
# The specs read /usr/share/datasets; the bundle's data is copied there.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: long_sweeps.sh OUT [SECONDS]}"
limit="${2:-420}"
device="${RWN_DEVICE:-cuda}"  # RWN_DEVICE=cpu tries the script on a CPU
source "$here/env.sh" || exit 2
mkdir -p "$out" /usr/share/datasets && cp -rn "$here/data/fashion-mnist" /usr/share/datasets/ || exit 2
runs=/tmp/rwn-long
mkdir -p "$runs/logs"
start=$SECONDS

sweep() {  # sweep NAME WORKERS SECONDS_LEFT
  timeout "$3" "$here/bin/rwn" sweep --spec="$here/specs/$1.cpu_long.pbtxt" --out="$runs" \
    --device="$device" --workers="$2" --threads=1 >"$runs/logs/$1.log" 2>&1
  echo "$1: exit $? at $((SECONDS - start)) s; $(grep -c '] finished' "$runs/logs/$1.log") runs finished"
}

(sleep 90 && nvidia-smi --query-gpu=name,utilization.gpu,memory.used --format=csv,noheader |
  sed 's/^/GPU at 90 s: /') &
sweep fig1_fractions 10 "$limit" &
figure=$!
sweep table1_layers 4 "$limit"
left=$((limit - (SECONDS - start)))
sweep precision_check 3 $((left > 1 ? left : 1))
wait $figure

tar -C "$runs" --exclude=checkpoint.rwn -czf "$out/runs.tgz" .
unfinished=()
while IFS= read -r checkpoint; do
  [[ -f "$(dirname "$checkpoint")/summary.json" ]] || unfinished+=("${checkpoint#"$runs"/}")
done < <(find "$runs" -name checkpoint.rwn)
if [[ ${#unfinished[@]} -gt 0 ]]; then
  # In parts of at most 15 MiB: cat checkpoints.tgz.* | tar -xz
  tar -C "$runs" -cz "${unfinished[@]}" | split -b 15M - "$out/checkpoints.tgz."
fi
echo "long_sweeps: $((SECONDS - start)) s; ${#unfinished[@]} runs unfinished"
