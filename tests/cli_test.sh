#!/usr/bin/env bash
# End-to-end tests of the `rwn` command line: exit codes, error messages, and
# that bad input leaves no run folder behind.
set -u
RWN="$1"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect CODE NAME PATTERN -- ARGS...: rwn ARGS must exit CODE with PATTERN in
# its output.
expect() {
  local code="$1" name="$2" pattern="$3"
  shift 4
  local out
  out="$("$RWN" "$@" 2>&1)"
  local got=$?
  [[ $got -eq $code ]] || fail "$name: exit $got, expected $code. Output: $out"
  grep -qF -- "$pattern" <<<"$out" || fail "$name: output lacks '$pattern'. Output: $out"
}

spec() {  # spec FILE BODY...: writes a spec on the synthetic dataset
  cat >"$1" <<SPEC
name: "${NAME:-cli/tiny}"
model { wide_resnet { depth: 10 widen_factor: 1 } }
optimizer { sgd { lr: 0.05 } }
epochs: ${EPOCHS:-1}
batch_size: 64
$2
SPEC
}

OUT="$TMP/runs"

# Malformed spec: path:line:col, exit 2, no run folder.
printf 'name: "x"\nmodel {\n  wide_resnet { depth: }\n}\n' >"$TMP/malformed.pbtxt"
expect 2 malformed "malformed.pbtxt:3:24:" -- train --spec="$TMP/malformed.pbtxt" --out="$OUT"

# Unknown plugin: names the choices.
spec "$TMP/unknown.pbtxt" 'dataset { cifar_twelve { } }'
expect 2 unknown-plugin 'allowed fields: fashion_mnist, synthetic, cifar10, cifar100, tiny_imagenet' -- \
  train --spec="$TMP/unknown.pbtxt" --out="$OUT"

# Missing dataset file: names the path.
spec "$TMP/missing.pbtxt" "dataset { fashion_mnist { dir: \"$TMP/nowhere\" } }"
expect 2 missing-data "$TMP/nowhere/train-images-idx3-ubyte.gz: cannot open" -- \
  train --spec="$TMP/missing.pbtxt" --out="$OUT"

# Bad selector option: the value and what is allowed.
spec "$TMP/fraction.pbtxt" 'dataset { synthetic { } } learn { selector { filter_fraction { fraction: 1.5 } } }'
expect 2 bad-fraction 'learn.selector[0].filter_fraction: fraction = 1.5; allowed: 0 < fraction <= 1' -- \
  train --spec="$TMP/fraction.pbtxt" --out="$OUT"

# A spec with LearnSpec's old field names is refused with the new name.
spec "$TMP/old_names.pbtxt" 'dataset { synthetic { } } learn { selector { filter_fraction { fraction: 0.5 } } batchnorm: false }'
expect 2 old-learn-name 'learn.batchnorm: false is the old name; write also_learn_batchnorm: false (same meaning)' -- \
  train --spec="$TMP/old_names.pbtxt" --out="$OUT"

# A frozen prefix needs un-augmented data.
spec "$TMP/augmented.pbtxt" 'dataset { cifar10 { dir: "'"$TMP"'/cifar" } } cache_frozen_prefix: true'
mkdir -p "$TMP/cifar"
for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
  head -c 3073 /dev/zero >"$TMP/cifar/$f.bin"
done
expect 2 augmented-prefix "cache_frozen_prefix = true needs un-augmented data, but CIFAR-10 (5 train / 1 test images) is augmented by default; set augment: false" -- \
  train --spec="$TMP/augmented.pbtxt" --out="$OUT"

# Missing spec file, unknown flag, unknown command.
expect 2 no-spec-file "nope.pbtxt: cannot open" -- train --spec="$TMP/nope.pbtxt" --out="$OUT"
expect 2 unknown-flag "unknown flag --sped" -- train --sped=x
expect 2 unknown-command "unknown command 'fly'; allowed: train, launch, sweep, report, weights, export, count" -- fly

# Export: what it needs, the formats it writes, a file that is not a delta.
expect 2 export-needs "export needs --run=DIR --out=F.safetensors [--format=whole|delta], or --delta=D.safetensors --out=F.safetensors" -- \
  export --out="$TMP/x.safetensors"
expect 2 export-format "--format=onnx; allowed: whole, delta" -- \
  export --run="$TMP" --out="$TMP/x.safetensors" --format=onnx
printf 'not a safetensors file' >"$TMP/not.safetensors"
expect 2 export-not-delta "$TMP/not.safetensors: not a safetensors file" -- \
  export --delta="$TMP/not.safetensors" --out="$TMP/x.safetensors"
[[ ! -e "$TMP/x.safetensors" ]] || fail "a refused export wrote $TMP/x.safetensors"

# A flag of another subcommand is refused, naming its owner and what the
# subcommand takes; each subcommand's --help lists only its own flags.
expect 2 wrong-command-flag '--nproc is a flag of `rwn launch`, not of `rwn report`; allowed: --out, --runs, --spec (and --help)' -- \
  report --nproc=2 --runs="$TMP" --out="$TMP/report"
expect 2 wrong-command-bool '--restart is a flag of `rwn train`, not of `rwn count`' -- \
  count --norestart --model='wide_resnet { }'
expect 2 stray-argument "unexpected argument 'extra' after \`rwn train\`" -- train --spec=x extra
expect 0 command-help '--checkpoint_every' -- sweep --help
help="$("$RWN" report --help 2>&1)"
grep -qF -- '--nproc' <<<"$help" && fail "report --help lists launch's --nproc: $help"
expect 0 top-help 'rwn <command> --help' -- --help
expect 2 no-gpu "--device=cuda: no CUDA GPU available" -- train --spec="$TMP/malformed.pbtxt" --device=cuda
expect 2 bad-device "--device=gpu; allowed: cpu, cuda, cuda:N (N >= 0), auto" -- \
  train --spec="$TMP/malformed.pbtxt" --device=gpu
RANK=two expect 2 bad-rank-env "RANK=two in the environment; allowed: a whole number" -- \
  train --spec="$TMP/malformed.pbtxt"

[[ ! -e "$OUT" ]] || fail "bad input created $OUT: $(find "$OUT")"

# A real run: trains, writes the run folder, and is not rerun.
spec "$TMP/good.pbtxt" 'dataset { synthetic { } } learn { selector { filter_fraction { fraction: 0.5 } } }'
expect 0 train "cli/tiny finished" -- train --spec="$TMP/good.pbtxt" --out="$OUT" --threads=1
run_dir="$(dirname "$(find "$OUT" -name summary.json)")"
for f in spec.pbtxt metrics.jsonl summary.json log.txt; do
  [[ -s "$run_dir/$f" ]] || fail "run folder lacks $f"
done
[[ "$(wc -l <"$run_dir/metrics.jsonl")" -eq 1 ]] || fail "metrics.jsonl should have 1 line"
grep -q '"test_top1"' "$run_dir/metrics.jsonl" || fail "metrics.jsonl lacks test_top1"
grep -q '"learned_params":' "$run_dir/summary.json" || fail "summary.json lacks learned_params"
grep -q '"threads":1' "$run_dir/summary.json" || fail "summary.json should record 1 thread"
expect 0 rerun "cli/tiny already finished" -- train --spec="$TMP/good.pbtxt" --out="$OUT"

# Absent is absent: without a validation split, no val_ field is written.
grep -q '"val_' "$run_dir/metrics.jsonl" "$run_dir/summary.json" &&
  fail "val_ fields without a validation split: $(cat "$run_dir/metrics.jsonl" "$run_dir/summary.json")"
NAME=cli/validated spec "$TMP/validated.pbtxt" 'dataset { synthetic { } } validation_size: 64'
expect 0 validated "cli/validated finished" -- train --spec="$TMP/validated.pbtxt" --out="$OUT" --threads=1
validated_dir="$(dirname "$(find "$OUT/cli/validated" -name summary.json)")"
grep -q '"val_top1":' "$validated_dir/metrics.jsonl" || fail "metrics.jsonl lacks val_top1: $(cat "$validated_dir/metrics.jsonl")"
grep -q '"best_val_epoch":1' "$validated_dir/summary.json" || fail "summary.json lacks best_val_epoch: $(cat "$validated_dir/summary.json")"

# A diverging run stops at the step whose loss is nan, exits 3 and says
# where and what to try; its folder is marked diverged, without results; a
# rerun is refused the same way, and --restart trains it again.
cat >"$TMP/diverging.pbtxt" <<'SPEC'
name: "cli/diverging"
model { wide_resnet { depth: 10 widen_factor: 1 } }
dataset { synthetic { } }
optimizer { sgd { lr: 1e30 } }
epochs: 3
batch_size: 64
SPEC
diverged="diverged at epoch 1, step 2: the training loss is nan (lr 1e+30); training stopped and the run folder is marked diverged. Try a smaller optimizer.lr (e.g. 1e+29)"
expect 3 diverging "$diverged" -- train --spec="$TMP/diverging.pbtxt" --out="$OUT" --threads=1
diverged_dir="$(dirname "$(find "$OUT/cli/diverging" -name summary.json)")"
grep -q '"status":"DIVERGED","divergence":{"epoch":1,"step":2,"loss":"NaN"' "$diverged_dir/summary.json" ||
  fail "summary.json does not record the divergence: $(cat "$diverged_dir/summary.json")"
grep -q '"final_test_top1"\|"best_test_top1"' "$diverged_dir/summary.json" &&
  fail "a diverged run's summary has results: $(cat "$diverged_dir/summary.json")"
tail -1 "$diverged_dir/log.txt" | grep -qF "$diverged" || fail "log.txt does not end with the divergence"
expect 3 diverged-rerun "$diverged_dir was stopped before: $diverged" -- \
  train --spec="$TMP/diverging.pbtxt" --out="$OUT" --threads=1
expect 3 diverged-restart "$diverged" -- train --spec="$TMP/diverging.pbtxt" --out="$OUT" --threads=1 --restart
expect 2 diverged-weights "the run diverged (" -- weights --run="$diverged_dir"

# fc only with the frozen prefix computed once: the log says so, and it learns.
NAME=cli/cached EPOCHS=5 spec "$TMP/cached.pbtxt" 'dataset { synthetic { } } learn { also_learn_batchnorm: false } cache_frozen_prefix: true'
expect 0 cached "cli/cached finished" -- train --spec="$TMP/cached.pbtxt" --out="$OUT" --threads=1
cached_dir="$(dirname "$(find "$OUT/cli/cached" -name summary.json)")"
grep -q "frozen prefix: 5 stages computed once" "$cached_dir/log.txt" || fail "log lacks the frozen prefix: $(cat "$cached_dir/log.txt")"
top1="$(sed -n 's/.*"final_test_top1":\([0-9.]*\).*/\1/p' "$cached_dir/summary.json")"
awk -v t="$top1" 'BEGIN { exit !(t > 0.5) }' || fail "fc-only cached run reached only $top1 (chance 0.25)"

# rwn sweep: a bad sweep fails before anything runs; a good one runs its
# points in workers; rwn report and rwn weights read the results.
cat >"$TMP/bad-sweep.pbtxt" <<'SWEEP'
base { name: "cli-sweep" model { wide_resnet { depth: 10 widen_factor: 1 } } dataset { synthetic { } } optimizer { sgd { } } }
axis { name: "fraction" }
SWEEP
expect 2 bad-sweep 'axis "fraction": has no values; give it at least one' -- \
  sweep --spec="$TMP/bad-sweep.pbtxt" --out="$TMP/sweep-runs"
[[ ! -e "$TMP/sweep-runs" ]] || fail "a bad sweep created $TMP/sweep-runs"
cat >"$TMP/sweep.pbtxt" <<'SWEEP'
base {
  name: "cli-sweep"
  model { wide_resnet { depth: 10 widen_factor: 1 } }
  dataset { synthetic { train_size: 128 test_size: 64 } }
  optimizer { sgd { lr: 0.05 } }
  epochs: 1
  batch_size: 64
}
axis {
  name: "fraction"
  value { label: "0.25" patch { learn { selector { filter_fraction { fraction: 0.25 } } } } }
  value { label: "0.5" patch { learn { selector { filter_fraction { fraction: 0.5 } } } } }
}
SWEEP
expect 2 sweep-no-gpu "--device=cuda: no CUDA GPU available" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/sweep-runs" --device=cuda
expect 0 sweep "2 of 2 points finished, 0 diverged, 0 failed" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/sweep-runs" --workers=2 --device=cpu
expect 2 sweep-bad-point "--point=5; allowed: 0 to 1 (the sweep has 2 points)" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/sweep-runs" --point=5
expect 0 report "2 finished runs, 0 diverged (0 unfinished, 0 superseded skipped)" -- \
  report --runs="$TMP/sweep-runs" --out="$TMP/report"
[[ -s "$TMP/report/cli-sweep.md" && -s "$TMP/report/cli-sweep_params.png" ]] ||
  fail "report lacks its table or figure: $(ls "$TMP/report")"
sweep_run="$(dirname "$(find "$TMP/sweep-runs/cli-sweep/0.5" -name summary.json)")"
expect 0 weights "| conv1 " -- weights --run="$sweep_run"
[[ -s "$sweep_run/weights.csv" ]] || fail "weights.csv not written"
expect 2 weights-no-run "cannot open" -- weights --run="$TMP/nowhere"
expect 0 sweep-status "2 points: 2 finished" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/sweep-runs" --status
expect 0 slurm-nothing-to-do "all 2 points are finished or diverged; nothing to submit" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/sweep-runs" --backend=slurm
expect 0 slurm-dry-run "#SBATCH --array=0-1%1" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/other-runs" --backend=slurm --dry_run --max_parallel=1
expect 2 slurm-bad-time "--time=soon; allowed: minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]]" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/other-runs" --backend=slurm --time=soon
expect 2 bad-backend "--backend=k8s; allowed: local, slurm" -- \
  sweep --spec="$TMP/sweep.pbtxt" --out="$TMP/other-runs" --backend=k8s
[[ ! -e "$TMP/other-runs" ]] || fail "a dry run or refused sweep created $TMP/other-runs"

# The report counts a diverged run and does not plot it.
cp -r "$OUT/cli/diverging" "$TMP/sweep-runs/"
expect 0 report-diverged "2 finished runs, 1 diverged (0 unfinished, 0 superseded skipped)" -- \
  report --runs="$TMP/sweep-runs" --out="$TMP/report2"
grep -q '^cli/diverging,1,diverged,WRN-10-1,' "$TMP/report2/runs.csv" ||
  fail "runs.csv lacks the diverged run: $(cat "$TMP/report2/runs.csv")"
grep -q 'cli/diverging .* diverged |' "$TMP/report2/points.md" ||
  fail "points.md does not say the point diverged: $(cat "$TMP/report2/points.md")"

# rwn count: the anatomy of a network, from a spec or from --model.
expect 0 count-model "| total " -- count --model='wide_resnet { depth: 28 widen_factor: 4 }' \
  --input=3x32x32 --classes=10
expect 0 count-model-total "learned 5,849,050 of 5,849,050 parameters (100.00%); forward 1691.2 MFLOPs" -- \
  count --model='wide_resnet { depth: 28 widen_factor: 4 }' --input=3x32x32 --classes=10
expect 0 count-spec "| block3 " -- count --spec="$TMP/good.pbtxt"
expect 2 count-bad-input "--input=3x32; allowed: CxHxW" -- count --model='resnet { }' --input=3x32 --classes=10
expect 2 count-bad-model "--model:1:" -- count --model='resnet { depht: 20 }' --input=3x32x32 --classes=10
expect 2 count-no-classes "--classes=0; allowed: >= 1" -- count --model='resnet { }' --input=3x32x32

if [[ $failures -gt 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all CLI checks passed"
