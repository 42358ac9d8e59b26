#!/usr/bin/env bash
# ./reload.sh [version]: rebuilds sessions at that version (1.0.0 or 2.0.0;
# the one running when none is given) and tells the host to reload. The
# store's contents survive, converted to the new version's shape.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
version="${1:-$(cat "$pid_file.version" 2>/dev/null || echo 1.0.0)}"
if [[ ! -d "versions/$version" ]]; then
  echo "no sessions version $version; there are: $(ls versions | tr '\n' ' ')" >&2
  exit 2
fi
hotswap build "versions/$version" "$bin" --shared '#g'
echo "$version" > "$pid_file.version"
signal_host
