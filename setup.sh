#!/usr/bin/env bash
# Installs every Debian package rwn's build, tests and quick start need.
# Idempotent: when everything is there it only checks (well under a second);
# `apt-get update` runs only when something is missing. Not root and packages
# missing: says which and exits 1.
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap g++ protobuf-compiler
  # libraries
  libtorch-dev libabsl-dev libgflags-dev libprotobuf-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libgloo-dev libturbojpeg0-dev
  # the data-parallel rendezvous secret (HMAC-SHA256, random bytes)
  libssl-dev
  # figures of `rwn report`
  gnuplot-nox
  # data for the quick start and the Fashion-MNIST tests
  dataset-fashion-mnist
  # the one-node Slurm cluster of //tests:slurm_test (tools/slurm/)
  slurm-wlm munge
  # .ci/run's C++ format check (.clang-format); its output differs by version
  clang-format-14
  # fuzz/run.sh and .ci/run's fuzz leg: clang with libFuzzer and the sanitizers
  clang-14 libclang-rt-14-dev
  # pip downloads the pinned libtorch 2.x wheels (tools/libtorch/fetch.sh)
  # and the pinned TensorBoard and safetensors wheels (tools/python/fetch.sh)
  python3-pip
  # Python beside those wheels: the tests read rwn's TensorBoard files with
  # TensorBoard's reader and load its exported models in PyTorch;
  # `bazel run //tools/python:tensorboard` serves the curves
  python3-torch python3-numpy python3-protobuf python3-six python3-packaging
  python3-absl python3-grpcio python3-werkzeug python3-markdown python3-setuptools
)

step() { printf 'setup: %s\n' "$*"; }

# One dpkg-query for all: it lists the installed ones; unknown names go to
# stderr and count as missing.
installed=" $( (dpkg-query -W -f='${db:Status-Status}:${Package} ' "${PACKAGES[@]}" 2>/dev/null || true) |
  tr ' ' '\n' | sed -n 's/^installed://p' | tr '\n' ' ') "
missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  step "all ${#PACKAGES[@]} Debian packages present"
else
  step "missing: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    step "not root: install them with: sudo apt-get install --no-install-recommends ${missing[*]}"
    exit 1
  fi
  step "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  step "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  step "installed ${#missing[@]} package(s)"
fi

[[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] ||
  { step "Fashion-MNIST files missing under /usr/share/datasets/fashion-mnist"; exit 1; }
step "ready: bazel run //experiments:quickstart, bazel test //..."
