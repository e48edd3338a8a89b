#!/usr/bin/env bash
# Formats every tracked C++ file (.cc, .h) with clang-format 14 and the
# repository's .clang-format (Google style, 100 columns).
#   tools/format/format.sh           rewrite the files in place
#   tools/format/format.sh --check   change nothing; list each file that is
#                                    not formatted and exit 1 if there is one
set -euo pipefail
cd "$(dirname "$0")/../.."

formatter=clang-format-14
if ! command -v "$formatter" >/dev/null; then
  echo "format.sh: $formatter not found; ./setup.sh installs it (Debian's clang-format-14)" >&2
  exit 2
fi

case "${1:-}" in
  "") git ls-files -z '*.cc' '*.h' | xargs -0 "$formatter" -i --style=file ;;
  --check)
    unformatted=0
    while IFS= read -r -d '' file; do
      if ! "$formatter" --style=file --dry-run -Werror "$file" >/dev/null 2>&1; then
        echo "not formatted: $file (run tools/format/format.sh)"
        unformatted=1
      fi
    done < <(git ls-files -z '*.cc' '*.h')
    exit "$unformatted"
    ;;
  *)
    echo "format.sh: unknown argument '$1'; allowed: none (format) or --check" >&2
    exit 2
    ;;
esac
