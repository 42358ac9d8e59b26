# Sourced by every demo's run.sh and reload.sh.
#   DEMO_PLUGINS      plugin sources          (default: plugins)
#   DEMO_BIN          artifact directory      (default: bin)
#   DEMO_PID_FILE     the host's pid file     (default: .run/host.pid)
#   DEMO_INTERVAL_MS  time between heartbeats (default: 3000)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
plugins="${DEMO_PLUGINS:-plugins}"
bin="${DEMO_BIN:-bin}"
pid_file="${DEMO_PID_FILE:-.run/host.pid}"

# The hotswap command of this workspace.
hotswap() {
  node "$root/packages/cli/bin/hotswap.js" "$@"
}

# Compiles the framework's packages (a no-op when they are up to date).
build_framework() {
  "$root/node_modules/.bin/tsc" -b "$root/packages/core" "$root/packages/cli"
}

# Sends SIGUSR2 (reloadOnSignal's default) to the running host, which
# reloads its plugins. The pid is the pid file's first line; its second line
# is a record `hotswap reload --pid-file` checks.
signal_host() {
  if [[ ! -s "$pid_file" ]]; then
    echo "no running host: $pid_file is missing (start it with ./run.sh)" >&2
    exit 1
  fi
  local pid
  pid="$(head -n1 "$pid_file")"
  kill -USR2 "$pid"
  echo "sent SIGUSR2 to host $pid"
}

# Builds the framework and the plugins under "$plugins" (extra build flags
# in "$@"), then replaces this shell with the host.
run_host() {
  build_framework
  hotswap build "$plugins" "$bin" --shared '#g' "$@"
  exec node --import tsx host/main.ts
}

# Rebuilds the named plugins (all of them when none is named) with a new
# build stamp, then signals the host.
rebuild_and_signal() {
  if [[ $# -gt 0 ]]; then
    local only
    only="^($(IFS='|'; echo "$*"))\$"
    hotswap build "$plugins" "$bin" --shared '#g' --include "$only"
  else
    hotswap build "$plugins" "$bin" --shared '#g'
  fi
  signal_host
}
