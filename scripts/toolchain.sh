# Sourced by ./run: puts Node >= 22.18 and pnpm on PATH. Developing runs the TypeScript sources
# directly (type stripping, on by default since Node 22.18); the published packages need only 22.12.
# Uses the system Node when it is new enough; otherwise installs Node 24 from the
# npm registry's `node` package into a per-user cache, once.
# shellcheck shell=bash

TWOSTEP_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/twostep"
NODE_WANTED="24.21.0"
PNPM_WANTED="10.34.9"

node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if ! node_is_recent; then
  node_dir="$TWOSTEP_CACHE/node-$NODE_WANTED"
  if [ ! -x "$node_dir/node_modules/node/bin/node" ]; then
    echo "twostep: system Node is $(node -v 2>/dev/null || echo missing); installing Node $NODE_WANTED into $node_dir" >&2
    npm install --silent --no-audit --no-fund --prefix "$node_dir" "node@$NODE_WANTED" >&2
  fi
  export PATH="$node_dir/node_modules/node/bin:$PATH"
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_WANTED" ]; then
  pnpm_dir="$TWOSTEP_CACHE/pnpm-$PNPM_WANTED"
  if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
    echo "twostep: installing pnpm $PNPM_WANTED into $pnpm_dir" >&2
    npm install --silent --no-audit --no-fund --prefix "$pnpm_dir" "pnpm@$PNPM_WANTED" >&2
  fi
  export PATH="$pnpm_dir/node_modules/.bin:$PATH"
fi
