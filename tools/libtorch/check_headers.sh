#!/usr/bin/env bash
# check_headers.sh BIN_DIR: checks, from the compiler's dependency files (.d)
# under BIN_DIR (a libtorch 2.x build's bazel-out/<config>/bin), that every
# torch header was read from RWN_LIBTORCH (external/libtorch/include) and not
# one from Debian's /usr/include/{torch,ATen,c10,caffe2}. Exit 1 otherwise,
# listing the offending files.
set -euo pipefail
dir="${1:?usage: check_headers.sh BIN_DIR}"
mapfile -t deps < <(find "$dir" -name '*.d' -path '*/_objs/*')
[[ ${#deps[@]} -gt 0 ]] || { echo "check_headers: no .d files under $dir (build first)"; exit 1; }
torch_users="$(grep -l 'external/libtorch/include/' "${deps[@]}" | wc -l)"
mapfile -t mixed < <(grep -l -E '/usr/include/(torch|ATen|c10|caffe2)/' "${deps[@]}" || true)
gloo="$(grep -l '/usr/include/gloo/' "${deps[@]}" | wc -l || true)"
echo "check_headers: ${#deps[@]} compiled files, $torch_users read torch headers from" \
  "external/libtorch/include, ${#mixed[@]} from /usr/include;" \
  "$gloo read Debian's Gloo headers (the torch wheel ships none)"
[[ $torch_users -gt 0 ]] || { echo "check_headers: no file read the libtorch's headers: is $dir a libtorch 2.x build?"; exit 1; }
if [[ ${#mixed[@]} -gt 0 ]]; then
  printf 'check_headers: read a torch header from /usr/include: %s\n' "${mixed[@]}"
  exit 1
fi
