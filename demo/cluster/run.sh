#!/usr/bin/env bash
# Builds the framework and a first release of the plugins, then runs the
# cluster in the foreground: a primary and four workers serving HTTP on
# DEMO_PORT (8080), each printing a heartbeat. In another terminal:
# ./reload.sh, or curl http://127.0.0.1:8080/ (settings: ../lib.sh).
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
source ./release.sh
build_framework
new_release
exec node --import tsx host/main.ts
