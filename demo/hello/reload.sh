#!/usr/bin/env bash
# Rebuilds the plugins (every build gets a new stamp) and tells the running
# host to reload them.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
hotswap build "$plugins" "$bin" --shared '#g'
signal_host
