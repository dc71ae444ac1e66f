#!/usr/bin/env bash
# MongoDB-wire-compatible test server (FerretDB v1, SQLite backend). See README.md.
#
#   URI=$(tools/ferretdb/server.sh start)   # prints e.g. mongodb://127.0.0.1:27123/
#   tools/ferretdb/server.sh stop
#
# Environment:
#   FERRETDB_PORT           port to use (default: a free random port)
#   FERRETDB_STATE          state file (default: ${TMPDIR:-/tmp}/twostep-ferretdb-$UID.state)
#   FERRETDB_START_TIMEOUT  seconds to wait for the server to accept connections (default 60)
#   FERRETDB_SERIALIZE=0    let FerretDB run commands concurrently (loses atomicity, see README)
#   FERRETDB_LOG_LEVEL      FerretDB log level (default error); the log is kept in the temp dir
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${FERRETDB_STATE:-${TMPDIR:-/tmp}/twostep-ferretdb-$(id -u).state}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/twostep"

die() { echo "ferretdb/server.sh: $*" >&2; exit 1; }

build() {
  command -v go >/dev/null || die "go is not installed (needed to build FerretDB)"
  local hash bin tmp work src
  hash="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/main.go" "$HERE/sqlite-id-index.patch" | sha256sum | cut -c1-16)"
  bin="$CACHE/ferretdb-$hash"
  if [[ ! -x "$bin" ]]; then
    mkdir -p "$CACHE"
    tmp="$(mktemp "$CACHE/.build.XXXXXX")"
    work="$(mktemp -d "$CACHE/.src.XXXXXX")"
    echo "ferretdb/server.sh: building FerretDB into $bin (first build takes a few minutes)..." >&2
    # GOTOOLCHAIN=local: never download another Go; go.sum is committed, so
    # -mod=readonly only needs the Go module proxy. FerretDB's source is patched
    # (sqlite-id-index.patch, see README.md) in a copy and built through a
    # temporary go.mod that points at it.
    if ! (cd "$HERE" && export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 &&
          src="$(go mod download -json github.com/FerretDB/FerretDB | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" &&
          [[ -d "$src" ]] && cp -R "$src" "$work/FerretDB" && chmod -R u+w "$work/FerretDB" &&
          patch -s -p1 -d "$work/FerretDB" <"$HERE/sqlite-id-index.patch" &&
          cp go.mod "$work/build.mod" && cp go.sum "$work/build.sum" &&
          echo "replace github.com/FerretDB/FerretDB => $work/FerretDB" >>"$work/build.mod" &&
          go build -modfile="$work/build.mod" -trimpath -o "$tmp" .) >&2; then
      rm -rf "$tmp" "$work"; die "go build failed"
    fi
    rm -rf "$work"
    mv -f "$tmp" "$bin"
    # drop binaries built from older sources
    find "$CACHE" -maxdepth 1 -name 'ferretdb-*' ! -name "ferretdb-$hash" -type f -delete 2>/dev/null || true
  fi
  BIN="$bin"
}

alive() { # pid: is it our server process?
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && grep -q ferretdb "/proc/$1/cmdline" 2>/dev/null
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if [[ -f "$STATE" ]]; then
    # shellcheck disable=SC1090
    ( source "$STATE"; alive "$PID" ) && {
      echo "ferretdb/server.sh: already running (state $STATE), reusing it" >&2
      (source "$STATE"; echo "$URI"); return 0; }
    stop_quiet
  fi
  build
  local tmpdir port pid attempt deadline
  tmpdir="$(mktemp -d "${TMPDIR:-/tmp}/twostep-ferretdb.XXXXXX")"
  for attempt in 1 2 3 4 5; do
    port="${FERRETDB_PORT:-}"
    if [[ -z "$port" ]]; then
      port=$((20000 + RANDOM % 40000))
      port_free "$port" || continue
    elif ! port_free "$port"; then
      rm -rf "$tmpdir"; die "port $port (FERRETDB_PORT) is already in use"
    fi
    setsid "$BIN" -listen "127.0.0.1:$port" -data "$tmpdir/data" \
      -serialize="$([[ "${FERRETDB_SERIALIZE:-1}" == 0 ]] && echo false || echo true)" \
      -log-level "${FERRETDB_LOG_LEVEL:-error}" </dev/null >"$tmpdir/server.log" 2>&1 &
    pid=$!
    printf 'PID=%q\nDIR=%q\nURI=%q\n' "$pid" "$tmpdir" "mongodb://127.0.0.1:$port/" >"$STATE"
    deadline=$((SECONDS + ${FERRETDB_START_TIMEOUT:-60}))
    while (( SECONDS < deadline )); do
      if ! kill -0 "$pid" 2>/dev/null; then
        if grep -q "address already in use" "$tmpdir/server.log" && [[ -z "${FERRETDB_PORT:-}" ]]; then
          continue 2 # port race: try another one
        fi
        cat "$tmpdir/server.log" >&2
        rm -rf "$tmpdir" "$STATE"; die "FerretDB exited during start-up (log above)"
      fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && sleep 0.1 && kill -0 "$pid" 2>/dev/null; then
        echo "mongodb://127.0.0.1:$port/"; return 0
      fi
      sleep 0.1
    done
    tail -n 50 "$tmpdir/server.log" >&2 || true
    stop_quiet
    die "FerretDB did not accept connections on 127.0.0.1:$port within ${FERRETDB_START_TIMEOUT:-60}s"
  done
  rm -rf "$tmpdir" "$STATE"; die "could not find a free port"
}

stop_quiet() {
  [[ -f "$STATE" ]] || return 0
  local PID DIR URI i
  # shellcheck disable=SC1090
  source "$STATE"
  if alive "$PID"; then
    kill -TERM "$PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do alive "$PID" || break; sleep 0.1; done
    alive "$PID" && kill -KILL "$PID" 2>/dev/null || true
  fi
  [[ "$DIR" == */twostep-ferretdb.* ]] && rm -rf "$DIR"
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) [[ -f "$STATE" ]] || echo "ferretdb/server.sh: not running (no $STATE)" >&2; stop_quiet ;;
  build) build; echo "$BIN" ;;
  *) echo "usage: $0 start|stop|build" >&2; exit 2 ;;
esac
