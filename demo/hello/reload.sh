#!/usr/bin/env bash
# Rebuilds the plugins (every build gets a new stamp) and tells the running
# host to reload them.
set -euo pipefail
cd "$(dirname "$0")"
root=../..
node "$root/packages/cli/bin/hotswap.js" build "${HELLO_PLUGINS:-plugins}" "${HELLO_BIN:-bin}" --shared '#g'
pid_file="${HELLO_PID_FILE:-.run/host.pid}"
if [[ ! -s "$pid_file" ]]; then
  echo "no running host: $pid_file is missing (start it with ./run.sh)" >&2
  exit 1
fi
kill -USR1 "$(cat "$pid_file")"
echo "sent SIGUSR1 to host $(cat "$pid_file")"
