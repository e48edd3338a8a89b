#!/usr/bin/env bash
# make.sh LEG: writes tests/testdata/cross_version/LEG/, the run folder of
# spec.pbtxt stopped (SIGKILL) right after its first checkpoint, with the rwn
# of one libtorch leg. LEG is debian (Debian's libtorch 1.13, the default
# build) or torch2 (--config=torch2). //tests:cross_version_resume_test
# resumes every such folder on both legs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
leg="${1:?usage: make.sh debian|torch2}"
case "$leg" in
  debian) flags=() ;;
  torch2) flags=(--config=torch2) ;;
  *) echo "make.sh: LEG is debian or torch2, not '$leg'" >&2; exit 2 ;;
esac
bazel build "${flags[@]}" //cli:rwn
rwn="$(bazel info "${flags[@]}" bazel-bin)/cli/rwn"
out="tests/testdata/cross_version/$leg"
rm -rf "$out"
"$rwn" train --spec=tests/testdata/cross_version/spec.pbtxt --out="$out" --quiet --threads=1 &
pid=$!
until compgen -G "$out/cross_version/*/checkpoint.rwn" >/dev/null; do sleep 0.01; done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
find "$out" -name '*.lock' -delete
echo "wrote $out: $(ls "$out"/cross_version/*/)"
