#!/usr/bin/env bash
# dynalite.sh - start or stop a local DynamoDB-compatible server (dynalite) for the tests.
#
# Usage: dynalite.sh start --port PORT --state DIR [--persist] [--migrate BINARY URL]
#        dynalite.sh stop --state DIR [--keep-data]
#   start      runs dynalite on 127.0.0.1:PORT in the background (pid and log in DIR) and
#              returns once it answers; --persist keeps the tables in DIR/data (LevelDB) so
#              that a restart finds them; --migrate then runs `BINARY migrate` for URL
#   stop       stops it (SIGTERM, then SIGKILL after 5 s) and deletes DIR, or only the pid
#              and log with --keep-data
# dynalite comes from the repository's package.json (`npm ci` in the repository root).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
DYNALITE="$ROOT/node_modules/.bin/dynalite"
START_TIMEOUT_SECONDS=15
STOP_TIMEOUT_SECONDS=5

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

usage() {
  die "usage: $0 start --port PORT --state DIR [--persist] [--migrate BINARY URL] |" \
    "stop --state DIR [--keep-data]"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

launch() {
  local port=$1 state=$2 persist=$3
  [ -x "$DYNALITE" ] || die "dynalite is not installed: run 'npm ci' in $ROOT"
  ! port_open "$port" || die "127.0.0.1:$port is already in use"
  mkdir -p "$state"
  local args=(--host 127.0.0.1 --port "$port" --createTableMs 50 --deleteTableMs 50
    --updateTableMs 50)
  if [ "$persist" = yes ]; then
    mkdir -p "$state/data"
    args+=(--path "$state/data")
  fi
  # Own session and no inherited stdout/stderr, so ctest does not wait for it to exit.
  setsid "$DYNALITE" "${args[@]}" </dev/null >>"$state/dynalite.log" 2>&1 &
  echo $! >"$state/pid"
}

wait_until_ready() {
  local port=$1 state=$2 waited=0
  until port_open "$port"; do
    kill -0 "$(cat "$state/pid")" 2>/dev/null \
      || die "dynalite exited at start; log: $(tail -n 20 "$state/dynalite.log")"
    if [ "$waited" -ge $((START_TIMEOUT_SECONDS * 10)) ]; then
      terminate "$state"
      die "dynalite did not listen on 127.0.0.1:$port within ${START_TIMEOUT_SECONDS}s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Creates the table; on failure stops the server again, so no dynalite outlives a failed start.
migrate() {
  local binary=$1 url=$2 state=$3
  if ! HELLO_DATABASE_URL=$url HELLO_LOG_FORMAT=text "$binary" migrate; then
    terminate "$state"
    rm -rf "$state"
    die "'$binary migrate' failed for the test table"
  fi
}

terminate() {
  local state=$1 pid waited=0
  [ -f "$state/pid" ] || return 0
  pid=$(cat "$state/pid")
  if kill -TERM "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$waited" -ge $((STOP_TIMEOUT_SECONDS * 10)) ]; then
        # A server that ignores SIGTERM must still not outlive the tests.
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  rm -f "$state/pid"
}

main() {
  local command=${1:-} port="" state="" persist=no keep=no binary="" url=""
  [ $# -gt 0 ] && shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) port=${2:-}; shift 2 ;;
      --state) state=${2:-}; shift 2 ;;
      --persist) persist=yes; shift ;;
      --keep-data) keep=yes; shift ;;
      --migrate) binary=${2:-}; url=${3:-}; shift 3 ;;
      *) usage ;;
    esac
  done
  [ -n "$state" ] || usage
  case "$command" in
    start)
      [ -n "$port" ] || usage
      launch "$port" "$state" "$persist"
      wait_until_ready "$port" "$state"
      if [ -n "$binary" ]; then
        migrate "$binary" "$url" "$state"
      fi
      ;;
    stop)
      terminate "$state"
      if [ "$keep" = no ]; then
        rm -rf "$state"
      fi
      ;;
    *) usage ;;
  esac
}

main "$@"
