#!/usr/bin/env bash
# ./pm2/try-pm2.sh: runs demo/cluster under the real PM2 (the workspace's
# pm2 devDependency, with PM2_HOME in a temporary directory), fork mode: PM2
# supervises the primary, the primary runs its four workers. Then a cluster
# reload through PM2 (pm2 sendSignal SIGUSR2), and PM2's own reload for
# comparison. The PM2 daemon is killed and the directory removed at the end.
# test/e2e/pm2.test.ts takes the same steps up to the cluster reload.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
export PM2_HOME="$work/pm2-home"
export DEMO_BIN="$work/release" DEMO_PID_FILE="$work/primary.pid" DEMO_PORT="${DEMO_PORT:-18090}" DEMO_INTERVAL_MS=1000
cleanup() {
  if [[ -x "$pm2" ]]; then "$pm2" kill >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
source ../lib.sh
source ./release.sh
pm2="$root/node_modules/.bin/pm2"
if [[ ! -x "$pm2" ]]; then
  echo "no pm2 in $root/node_modules: run pnpm install in the workspace first" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }
# Waits until the app's log has $2 lines matching $1 (at most 120 s).
wait_log() {
  for _ in $(seq 240); do
    if [[ "$(grep -cE "$1" "$PM2_HOME"/logs/hotswap-cluster-out*.log 2>/dev/null || true)" -ge "$2" ]]; then return 0; fi
    sleep 0.5
  done
  echo "timed out waiting for $2 × /$1/; the app's logs:" >&2
  tail -n 20 "$PM2_HOME"/logs/hotswap-cluster-*.log >&2 || true
  exit 1
}
# Requests every 50 ms until $1 exists: one line per answer (ok) or failure (fail) in $2.
probe() {
  while [[ ! -e "$1" ]]; do
    if curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$DEMO_PORT/" 2>/dev/null; then echo ok; else echo fail; fi
    sleep 0.05
  done >"$2"
}
# Counts the probe's answers and failures.
probed() {
  echo "   while it ran: $(grep -c ok "$1" || true) requests answered, $(grep -c fail "$1" || true) failed"
}
# Eight requests through the primary's round-robin: one line each.
ask() {
  for _ in $(seq 8); do curl -fsS "http://127.0.0.1:$DEMO_PORT/"; done | sort | uniq -c | sed 's/^/   /'
}

step "pm2 $("$pm2" --version 2>&1 | tail -n 1), PM2_HOME=$PM2_HOME"

step "first release, pm2 start (fork mode)"
build_framework
new_release
"$pm2" start pm2/ecosystem.config.cjs >/dev/null
wait_log 'listening on' 4
"$pm2" jlist | node -e 'for (const p of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(`   pm2: ${p.name} pid ${p.pid} ${p.pm2_env.exec_mode} ${p.pm2_env.status}, restarts ${p.pm2_env.restart_time}`)'
ask

step "new release, cluster reload through PM2: pm2 sendSignal SIGUSR2 hotswap-cluster"
new_release
probe "$work/stop1" "$work/probe1" &
sleep 1
"$pm2" sendSignal SIGUSR2 hotswap-cluster >/dev/null
wait_log 'cluster reload 1:' 1
sleep 1
touch "$work/stop1"
wait
probed "$work/probe1"
grep -E 'cluster reload 1:' "$PM2_HOME"/logs/hotswap-cluster-out*.log | sed 's/^/   /'
ask

step "PM2's own reload of the same app: pm2 reload hotswap-cluster (a restart of the primary, which names the committed release again)"
new_release
probe "$work/stop2" "$work/probe2" &
sleep 1
"$pm2" reload hotswap-cluster >/dev/null
wait_log 'listening on' 8
sleep 1
touch "$work/stop2"
wait
probed "$work/probe2"
"$pm2" jlist | node -e 'for (const p of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(`   pm2: ${p.name} pid ${p.pid} ${p.pm2_env.exec_mode} ${p.pm2_env.status}, restarts ${p.pm2_env.restart_time}`)'
ask

step "pm2 kill"
"$pm2" kill >/dev/null
echo "   the PM2 daemon is stopped"
