#!/usr/bin/env bash
# Builds the framework and sessions 1.0.0, then runs the handoff host in the
# foreground. In another terminal: ./reload.sh 2.0.0, then ./reload.sh 1.0.0.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
build_framework
mkdir -p "$(dirname "$pid_file")"
echo 1.0.0 > "$pid_file.version"
hotswap build versions/1.0.0 "$bin" --shared '#g'
exec node --import tsx host/main.ts
