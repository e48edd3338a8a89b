#!/bin/bash
# A sweep through a real Slurm: a one-node cluster on loopback
# (tools/slurm/local_cluster.sh), a 4-point CPU-scale sweep submitted as a job
# array with `rwn sweep --backend=slurm`, waited for with `rwn sweep
# --status`, its 4 run folders checked complete and read by `rwn report`, and
# the daemons stopped by their pids. Where the daemons cannot run (not root
# and Slurm missing), the test reports itself skipped, not passed.
set -uo pipefail
rwn="$TEST_SRCDIR/rwn/cli/rwn"
cluster="$TEST_SRCDIR/rwn/tools/slurm/local_cluster.sh"
work="$TEST_TMPDIR/slurm"
rm -rf "$work" && mkdir -p "$work"

fail() { echo "FAIL: $*"; exit 1; }

skip() {
  echo "SKIPPED: $*"
  if [[ -n "${XML_OUTPUT_FILE:-}" ]]; then
    cat > "$XML_OUTPUT_FILE" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" failures="0" errors="0" skipped="1">
  <testsuite name="slurm_test" tests="1" failures="0" errors="0" skipped="1">
    <testcase name="SweepThroughSlurm" status="notrun" result="skipped"><skipped message="$*"/></testcase>
  </testsuite>
</testsuites>
XML
  fi
  exit 0
}

started=$(date +%s)
# The cluster's folder holds Unix sockets, whose paths must stay short.
cluster_dir="$(mktemp -d /tmp/rwn-slurm.XXXXXX)"
out="$("$cluster" start "$cluster_dir" 2>"$work/cluster.err")"
code=$?
[[ $code -eq 3 ]] && { rm -rf "$cluster_dir"; skip "$(cat "$work/cluster.err")"; }
[[ $code -eq 0 ]] || fail "local_cluster.sh start exited $code: $(cat "$work/cluster.err")"
eval "$out"  # SLURM_CONF
daemons=$(cat "$cluster_dir/slurmctld.pid" "$cluster_dir/slurmd.pid" "$cluster_dir/munge/munged.pid")
trap '"$cluster" stop "$cluster_dir"; rm -rf "$cluster_dir"' EXIT
echo "cluster up in $(( $(date +%s) - started )) s: $(sinfo -h -o '%P %T %c CPUs')"

cat > "$work/sweep.pbtxt" <<'SPEC'
base {
  name: "slurm_sweep"
  model { wide_resnet { depth: 10 widen_factor: 1 } }
  dataset { fashion_mnist { train_subset: 512 test_subset: 256 } }
  optimizer { sgd { lr: 0.1 momentum: 0.9 } }
  epochs: 1
  batch_size: 64
}
axis {
  name: "filters"
  value { label: "0.25" patch { learn { selector { filter_fraction { fraction: 0.25 } } } } }
  value { label: "0.5" patch { learn { selector { filter_fraction { fraction: 0.5 } } } } }
}
seeds: [1, 2]
SPEC
runs="$work/runs"

# The script it would submit.
script="$("$rwn" sweep --spec="$work/sweep.pbtxt" --out="$runs" --backend=slurm --dry_run \
  --max_parallel=2 --time=10 --checkpoint_every=2 --log_every_n_steps=5)" ||
  fail "--dry_run failed: $script"
grep -q -- "--device=cpu' '--deterministic=false' '--checkpoint_every=2' '--log_every_n_steps=5'\$" \
  <<<"$script" || fail "tasks do not get the run flags: $script"
grep -q -- '^#SBATCH --array=0-3%2$' <<<"$script" || fail "no 4-task array in: $script"
grep -q -- '--point="$SLURM_ARRAY_TASK_ID"' <<<"$script" || fail "tasks do not run one point: $script"
[[ ! -e "$runs" ]] || fail "--dry_run wrote $runs"

submitted="$("$rwn" sweep --spec="$work/sweep.pbtxt" --out="$runs" --backend=slurm \
  --max_parallel=2 --time=10 2>&1)" || fail "submitting failed: $submitted"
echo "$submitted"
job=$(cat "$runs/.sweep/slurm_sweep/slurm_job") || fail "no job id recorded"
squeue -h -j "$job" -r -o '%K' | grep . >/dev/null || fail "job $job is not in the queue"

for _ in $(seq 300); do
  status="$("$rwn" sweep --spec="$work/sweep.pbtxt" --out="$runs" --status)"
  [[ "$(tail -1 <<<"$status")" == "4 points: 4 finished" ]] && break
  if ! squeue -h -j "$job" -r -o '%K' 2>/dev/null | grep . >/dev/null; then
    sleep 1  # the last task may have just left the queue
    status="$("$rwn" sweep --spec="$work/sweep.pbtxt" --out="$runs" --status)"
    [[ "$(tail -1 <<<"$status")" == "4 points: 4 finished" ]] && break
    fail "job $job left the queue unfinished: $status; logs: $(tail -n 3 "$runs"/.sweep/slurm_sweep/point-*.log)"
  fi
  sleep 1
done
echo "$status"
[[ "$(tail -1 <<<"$status")" == "4 points: 4 finished" ]] || fail "not finished after 300 s: $status"
# A point counts as finished once its summary is written; its task prints the
# result line and exits just after, so wait for the array to leave the queue
# before reading the tasks' logs.
for _ in $(seq 60); do
  squeue -h -j "$job" -r -o '%K' 2>/dev/null | grep . >/dev/null || break
  sleep 1
done
squeue -h -j "$job" -r -o '%K' 2>/dev/null | grep . >/dev/null &&
  fail "job $job still queued 60 s after its 4 points finished: $(squeue -j "$job" -r)"

# Four complete run folders, each trained by its own array task.
count=0
for summary in "$runs"/slurm_sweep/*/seed-*/*/summary.json; do
  dir="$(dirname "$summary")"
  for file in spec.pbtxt metrics.jsonl checkpoint.rwn log.txt; do
    [[ -s "$dir/$file" ]] || fail "$dir has no $file"
  done
  [[ $(wc -l < "$dir/metrics.jsonl") -eq 1 ]] || fail "$dir/metrics.jsonl is not one epoch"
  count=$((count + 1))
done
[[ $count -eq 4 ]] || fail "$count run folders, expected 4"
for k in 0 1 2 3; do
  grep -q "finished: test top-1" "$runs/.sweep/slurm_sweep/point-$k.log" ||
    fail "point $k's Slurm log has no result: $(cat "$runs/.sweep/slurm_sweep/point-$k.log")"
done

report="$("$rwn" report --runs="$runs/slurm_sweep" --out="$work/report")" || fail "report: $report"
grep -q "^4 finished runs" <<<"$report" || fail "report read: $report"
[[ $(grep -c '^| slurm_sweep/' "$work/report/points.md") -eq 2 ]] ||
  fail "points.md: $(cat "$work/report/points.md")"

"$cluster" stop "$cluster_dir"
trap 'rm -rf "$cluster_dir"' EXIT
for pid in $daemons; do
  kill -0 "$pid" 2>/dev/null && fail "daemon $pid still runs after stop"
done
echo "PASS in $(( $(date +%s) - started )) s"
