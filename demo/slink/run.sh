#!/usr/bin/env bash
# ./run.sh           builds dog into bin/ and runs the host from the artifact
# ./run.sh --static  writes static/hotswap.static-plugins.ts and runs dog compiled into the host
# In another terminal: ./reload.sh (settings: ../lib.sh; DEMO_SIGNAL_FILE, default .run/reload.signal).
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
build_framework
if [[ "${1:-}" == "--static" ]]; then
  hotswap build "$plugins" static --static-linking
  exec node --import tsx host/main.ts --static
fi
hotswap build "$plugins" "$bin" --shared '#g'
exec node --import tsx host/main.ts
