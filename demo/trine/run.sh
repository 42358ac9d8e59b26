#!/usr/bin/env bash
# Builds the framework and alpha, beta and gamma, then runs the trine host
# in the foreground. In another terminal: ./reload.sh alpha (settings: ../lib.sh).
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
run_host
