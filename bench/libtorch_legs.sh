#!/usr/bin/env bash
# Compares the two libtorch legs side by side in one sitting: the
# training-step benchmark's all-learned, 10%-filter and BN-only rows for its
# three models at batch 128, each benchmark in a fresh process, on Debian's
# libtorch 1.13 and on the pinned libtorch 2.x (--config=torch2, on CPU),
# alternating legs for ROUNDS rounds (default 2). Writes
# bench/libtorch_legs.md: img/s per leg and round, and the 2.x / 1.13 ratio
# of the summed rates. About 3 minutes a leg and round on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2}"
filter='/(all_learned|filters10_fast|bn_only)/128/'
declare -A bin
for leg in debian torch2; do
  flags=()
  [[ $leg == torch2 ]] && flags=(--config=torch2)
  bazel build "${flags[@]}" //bench:train_step_benchmark
  bin[$leg]="$(bazel info "${flags[@]}" bazel-bin)/bench/train_step_benchmark"
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
columns=()
for round in $(seq "$rounds"); do
  for leg in debian torch2; do
    echo "libtorch_legs: round $round, $leg"
    "${bin[$leg]}" --isolate=true --markdown="$tmp/$leg.$round.md" --benchmark_filter="$filter" \
      --benchmark_min_time=3 --benchmark_min_warmup_time=3 >/dev/null
    columns+=("$leg.$round")
  done
done
# Each table row: | model | configuration | img/s | ... ; join them by model and configuration.
awk -F' *\\| *' -v cols="${columns[*]}" '
  FNR == 1 { file = FILENAME; sub(".*/", "", file); sub(/\.md$/, "", file) }
  NF > 4 && $4 ~ /^[0-9]+$/ { key = $2 " | " $3; if (!(key in seen)) { seen[key] = 1; keys[++n] = key }
                               rate[key, file] = $4 }
  END {
    c = split(cols, col, " ")
    printf "| model | configuration |"
    for (i = 1; i <= c; ++i) { split(col[i], p, "."); printf " %s, round %s |", (p[1] == "debian" ? "1.13" : "2.x"), p[2] }
    printf " 2.x / 1.13 |\n|---|---|"
    for (i = 1; i <= c; ++i) printf "---:|"
    printf "---:|\n"
    for (k = 1; k <= n; ++k) {
      printf "| %s |", keys[k]; old = 0; new = 0
      for (i = 1; i <= c; ++i) { v = rate[keys[k], col[i]]; printf " %s |", v
                                 if (col[i] ~ /^debian/) old += v; else new += v }
      printf " %.2f |\n", (old > 0 ? new / old : 0)
    }
  }' $(for c in "${columns[@]}"; do echo "$tmp/$c.md"; done) >bench/libtorch_legs.md
cat bench/libtorch_legs.md
