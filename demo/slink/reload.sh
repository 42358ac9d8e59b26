#!/usr/bin/env bash
# Rebuilds dog with a new build stamp and creates the signal file, which the
# running host watches: it reloads, or, statically linked, refuses to.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
hotswap build "$plugins" "$bin" --shared '#g'
signal_file="${DEMO_SIGNAL_FILE:-.run/reload.signal}"
mkdir -p "$(dirname "$signal_file")"
touch "$signal_file"
echo "created $signal_file"
