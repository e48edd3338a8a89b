#!/bin/bash
# Every experiment of the paper at CPU scale, one after another, each with its
# report under <out>/reports/:
#   bazel run //experiments:cpu_suite -- --out=DIR [--workers=2]
# Finished runs are skipped, so an interrupted suite continues where it
# stopped. Prints each experiment's wall time and the total.
set -u
out=""
workers=2
for arg in "$@"; do
  case "$arg" in
    --out=*) out="${arg#--out=}" ;;
    --workers=*) workers="${arg#--workers=}" ;;
    *) echo "cpu_suite: unknown argument '$arg'; allowed: --out=DIR --workers=N" >&2; exit 2 ;;
  esac
done
if [[ -z "$out" ]]; then
  echo "cpu_suite: needs --out=DIR (the folder of runs and reports)" >&2
  exit 2
fi
if ! [[ "$workers" =~ ^[1-9][0-9]*$ ]]; then
  echo "cpu_suite: --workers=$workers; allowed: a whole number >= 1" >&2
  exit 2
fi
failed=0
suite_start=$(date +%s)
for experiment in fig2_slice_dims table1_layers fig1_fractions fig4_batchnorm table2_full \
                  fig5_full fig6_weights table4_ensembles; do
  start=$(date +%s)
  if ! "experiments/$experiment" --scale=cpu --out="$out" --workers="$workers"; then
    echo "cpu_suite: $experiment failed" >&2
    failed=$((failed + 1))
  fi
  echo "cpu_suite: $experiment took $(( $(date +%s) - start )) s"
done
echo "cpu_suite: 8 experiments in $(( $(date +%s) - suite_start )) s, $failed failed"
[[ $failed -eq 0 ]]
