#!/usr/bin/env bash
# Builds the framework and plugin guardian, then runs the livex host
# in the foreground. In another terminal: ./reload.sh (settings: ../lib.sh).
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
run_host
