#!/usr/bin/env bash
# Runs the host with dog statically linked, under the inspector: open
# chrome://inspect (or attach VS Code to port ${DEMO_INSPECT_PORT:-9229}), find
# plugins/dog/index.ts and set a breakpoint in bark. See docs/debugging.md.
set -euo pipefail
cd "$(dirname "$0")"
source ../lib.sh
build_framework
hotswap build "$plugins" static --static-linking
exec node --inspect="127.0.0.1:${DEMO_INSPECT_PORT:-9229}" --import tsx host/main.ts --static
