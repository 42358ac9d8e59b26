#!/usr/bin/env bash
# ./reload.sh: builds a new release of the plugins, activates it (the
# current link, switched atomically) and asks the primary for a cluster
# reload: every worker prepares that release, then all swap, or none.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
source ./release.sh
new_release
signal_host
