#!/usr/bin/env bash
# TensorBoard from the pinned wheel, for run folders of rwn:
#   bazel run //tools/python:tensorboard -- --logdir=runs [--port=6006]
# A relative --logdir is taken from the folder bazel run was started in.
set -euo pipefail
source "${RUNFILES_DIR:-$0.runfiles}/python_packages/env.sh"
cd "${BUILD_WORKING_DIRECTORY:-.}"
PYTHONPATH="$RWN_PYTHONPATH" exec "$RWN_PYTHON" -m tensorboard.main "$@"
