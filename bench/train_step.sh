#!/usr/bin/env bash
# Runs the training-step benchmark suite, each benchmark in a fresh process
# (as a training run is), and writes its Markdown tables to
# bench/train_step.md (img/s, step cost in forward passes, speed-up over
# learning everything), as quoted in bench/README.md. About 20 minutes on 2
# cores. Extra arguments go to the benchmark, e.g. --benchmark_filter=WRN.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //bench:train_step_benchmark
bazel-bin/bench/train_step_benchmark --isolate=true --markdown="$PWD/bench/train_step.md" \
  --benchmark_min_time=3 --benchmark_min_warmup_time=3 "$@"
echo "wrote bench/train_step.md"
