#!/bin/bash
# Every experiment of the paper at CPU scale, one after another, each with its
# report under <out>/reports/:
#   bazel run //experiments:cpu_suite -- --out=DIR [--workers=2] [--scale=cpu_long]
# --scale=cpu_long runs the long protocol instead (docs/results/cpu_long/):
# its learning curve, Table 1, Figure 1 and a float32 check, on all of Fashion-MNIST with 3
# seeds; hours, not minutes. Finished runs are skipped, and an unfinished one
# resumes from its last epoch, so an interrupted suite continues where it
# stopped. Prints each experiment's wall time and the total.
set -u
out=""
workers=2
scale=cpu
for arg in "$@"; do
  case "$arg" in
    --out=*) out="${arg#--out=}" ;;
    --workers=*) workers="${arg#--workers=}" ;;
    --scale=*) scale="${arg#--scale=}" ;;
    *) echo "cpu_suite: unknown argument '$arg'; allowed: --out=DIR --workers=N --scale=cpu|cpu_long" >&2; exit 2 ;;
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
case "$scale" in
  cpu) experiments=(fig2_slice_dims table1_layers fig1_fractions fig4_batchnorm table2_full
                    fig5_full fig6_weights table4_ensembles) ;;
  cpu_long) experiments=(learning_curve table1_layers fig1_fractions precision_check) ;;
  *) echo "cpu_suite: --scale=$scale; allowed: cpu, cpu_long" >&2; exit 2 ;;
esac
failed=0
suite_start=$(date +%s)
for experiment in "${experiments[@]}"; do
  start=$(date +%s)
  if ! "experiments/$experiment" --scale="$scale" --out="$out" --workers="$workers"; then
    echo "cpu_suite: $experiment failed" >&2
    failed=$((failed + 1))
  fi
  echo "cpu_suite: $experiment took $(( $(date +%s) - start )) s"
done
echo "cpu_suite: ${#experiments[@]} experiments in $(( $(date +%s) - suite_start )) s, $failed failed"
[[ $failed -eq 0 ]]
