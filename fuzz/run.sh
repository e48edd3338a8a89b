#!/bin/bash
# Fuzzes every fuzz target (or those named) for a set time each, with
# libFuzzer, AddressSanitizer and UBSan (bazel --config=fuzz), starting from
# the seed corpus in fuzz/corpus/<target>/ and the dictionary of rwn's proto
# field names for specs and sweeps. Prints, per target, the executions, the
# corpus size before and after, and the findings; crash, leak and timeout
# inputs land in <out>/<target>/findings/, where each becomes a regression
# input (fuzz/regressions/<target>/) once fixed. Exits 1 if anything was found.
#
#   fuzz/run.sh [--seconds=60] [--out=/tmp/rwn-fuzz] [target ...]
# Targets: spec sweep idx cifar jpeg tiny_imagenet checkpoint (docs/fuzzing.md).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=60
out=/tmp/rwn-fuzz
targets=()
for arg in "$@"; do
  case "$arg" in
    --seconds=*) seconds="${arg#--seconds=}" ;;
    --out=*) out="${arg#--out=}" ;;
    -*) echo "fuzz/run.sh: unknown flag $arg; allowed: --seconds=N, --out=DIR" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
all=(spec sweep idx cifar jpeg tiny_imagenet checkpoint)
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz/run.sh: no target '$t'; allowed: ${all[*]}" >&2; exit 2; }
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz/run.sh: --seconds=$seconds; allowed: a whole number > 0" >&2; exit 2; }

bazel build --config=fuzz //fuzz/... || exit 1
bin="$(bazel info --config=fuzz bazel-bin 2>/dev/null)/fuzz"
found=0
printf '%-14s %12s %10s %14s %s\n' target executions "exec/s" "corpus" findings
for t in "${targets[@]}"; do
  work="$out/$t"
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/findings"
  cp fuzz/corpus/"$t"/* "$work/corpus/"
  before=$(ls "$work/corpus" | wc -l)
  dict=()
  [[ $t == spec || $t == sweep ]] && dict=(-dict="$bin/spec.dict")
  # One libtorch thread; inputs bigger than the largest seed are not tried.
  OMP_NUM_THREADS=1 "$bin/${t}_fuzzer" "$work/corpus" "${dict[@]}" -max_total_time="$seconds" \
    -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/findings/" \
    > "$work/log.txt" 2>&1
  runs=$(sed -n 's/^stat::number_of_executed_units: //p' "$work/log.txt")
  speed=$(sed -n 's/^stat::average_exec_per_sec: //p' "$work/log.txt")
  after=$(ls "$work/corpus" | wc -l)
  findings=$(ls "$work/findings" | wc -l)
  [[ $findings -eq 0 ]] || found=1
  printf '%-14s %12s %10s %14s %s\n' "$t" "${runs:-?}" "${speed:-?}" "$before -> $after" \
    "$findings$([[ $findings -gt 0 ]] && echo " (see $work/findings, $work/log.txt)")"
done
exit $found
