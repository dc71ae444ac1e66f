#!/usr/bin/env bash
# Every check and test: lint, typecheck, import arrows, then vitest.
# Called by `./run test` (which first installs the toolchain and dependencies) and by `pnpm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint";          pnpm -s lint
echo "== typecheck";     pnpm -s typecheck
echo "== import arrows"; pnpm -s arrows
echo "== tests";         pnpm -s exec vitest run "$@"
