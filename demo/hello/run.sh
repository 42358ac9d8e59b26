#!/usr/bin/env bash
# Builds the framework and the plugins, then runs the hello host in the
# foreground. Another terminal: ./reload.sh
#   HELLO_PLUGINS      plugin sources       (default: plugins)
#   HELLO_BIN          artifact directory   (default: bin)
#   HELLO_PID_FILE     pid file             (default: .run/host.pid)
#   HELLO_INTERVAL_MS  time between hums    (default: 3000)
set -euo pipefail
cd "$(dirname "$0")"
root=../..
"$root/node_modules/.bin/tsc" -b "$root/packages/core" "$root/packages/cli"
node "$root/packages/cli/bin/hotswap.js" build "${HELLO_PLUGINS:-plugins}" "${HELLO_BIN:-bin}" --shared '#g'
exec node --import tsx host/main.ts
