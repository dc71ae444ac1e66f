#!/usr/bin/env bash
# Every check and test: lint, typecheck, import arrows, build, then vitest (unit, contract,
# end-to-end). Starts a FerretDB test server for the MongoDB tests unless MONGODB_URI
# is already set (point it at a real MongoDB to test against one).
# Called by `./run test` (which first installs the toolchain and dependencies) and `pnpm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint";          pnpm -s lint
echo "== typecheck";     pnpm -s typecheck
echo "== import arrows"; pnpm -s arrows
echo "== build";         pnpm -s build   # dist/ for the packed-package tests

if [ -z "${MONGODB_URI:-}" ]; then
  if command -v go >/dev/null 2>&1; then
    echo "== starting FerretDB (MongoDB-compatible test server)"
    MONGODB_URI=$(bash tools/ferretdb/server.sh start)
    export MONGODB_URI
    trap 'bash tools/ferretdb/server.sh stop >/dev/null 2>&1 || true' EXIT
  elif [ "${CI:-}" = "true" ]; then
    echo "CI needs Go to build the FerretDB test server (or MONGODB_URI set)" >&2
    exit 1
  else
    echo "warning: neither Go nor MONGODB_URI: the MongoDB tests will be skipped" >&2
  fi
fi

echo "== tests"
report="$(mktemp -d)/vitest.json"
status=0
pnpm -s exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line for any CI that reads it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
exit "$status"
