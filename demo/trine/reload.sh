#!/usr/bin/env bash
# ./reload.sh [plugin...]: rebuilds the named plugins (all of them when none
# is named) with a new build stamp and tells the running host to reload.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
rebuild_and_signal "$@"
