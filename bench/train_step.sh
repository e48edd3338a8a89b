#!/usr/bin/env bash
# Runs the training-step benchmark suite and writes its Markdown tables to
# bench/train_step.md (img/s, step cost in forward passes, speed-up over
# learning everything), as quoted in bench/README.md. About 20 minutes on 2
# cores. Extra arguments go to the benchmark, e.g. --benchmark_filter=WRN.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //bench:train_step_benchmark
bazel-bin/bench/train_step_benchmark --benchmark_min_time=4 --benchmark_min_warmup_time=5 \
  --markdown="$PWD/bench/train_step.md" "$@"
echo "wrote bench/train_step.md"
