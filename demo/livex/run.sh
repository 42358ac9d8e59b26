#!/usr/bin/env bash
# Builds the framework and plugin guardian, then runs the livex host
# in the foreground. In another terminal: ./reload.sh (settings: ../lib.sh).
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
build_framework
hotswap build "$plugins" "$bin" --shared '#g'
exec node --import tsx host/main.ts
