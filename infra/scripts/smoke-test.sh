#!/usr/bin/env bash
# smoke-test.sh - after a deploy, prove the service answers its contract end to end through the
# load balancer: ready, alive, then a throw-away user is written, read, erased and gone.
#
# Usage: infra/scripts/smoke-test.sh BASE_URL [--attempts N] [--interval SECONDS]
#   BASE_URL  for example https://staging.api.example.com (no trailing slash needed)
# Needs: curl.
set -Eeuo pipefail

readonly USAGE="usage: smoke-test.sh BASE_URL [--attempts N] [--interval SECONDS]"

base_url=""
attempts=30
interval_seconds=5
workdir=""
user=""

die() {
  printf 'error: %s\n' "$*" >&2
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::error title=Smoke test failed::%s\n' "$*"
  fi
  exit 1
}

usage_error() {
  printf 'error: %s\n%s\n' "$*" "$USAGE" >&2
  exit 2
}

log() {
  printf 'smoke-test: %s\n' "$*"
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --attempts | --interval)
        [ $# -ge 2 ] || usage_error "$1 needs a value"
        [[ "$2" =~ ^[0-9]+$ ]] || usage_error "$1 must be a whole number"
        if [ "$1" = "--attempts" ]; then attempts=$2; else interval_seconds=$2; fi
        shift 2
        ;;
      -h | --help)
        printf '%s\n' "$USAGE"
        exit 0
        ;;
      -*) usage_error "unknown option: $1" ;;
      *)
        [ -z "$base_url" ] || usage_error "only one BASE_URL"
        base_url=${1%/}
        shift
        ;;
    esac
  done
  [[ "$base_url" =~ ^https?://[^/]+$ ]] || usage_error "BASE_URL must be http(s)://host[:port]"
}

# request METHOD PATH [BODY]: prints the status code; the body lands in $workdir/body.
request() {
  local method=$1 path=$2 body=${3:-}
  local args=(-sS -o "$workdir/body" -w '%{http_code}' --max-time 10 -X "$method"
    -H "X-Request-Id: smoke-$user")
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data "$body")
  fi
  local code
  # On a refused or timed-out connection curl exits non-zero but still prints 000 as the
  # status, which the caller judges; so its exit code is not needed here.
  code=$(curl "${args[@]}" "$base_url$path") || true
  printf '%s' "${code:-000}"
}

expect() {
  local want=$1 method=$2 path=$3 body=${4:-} got
  got=$(request "$method" "$path" "$body")
  [ "$got" = "$want" ] \
    || die "$method $path answered $got, want $want: $(head -c 300 "$workdir/body" 2>/dev/null)"
  log "$method $path -> $got"
}

wait_until_ready() {
  local i got
  for ((i = 1; i <= attempts; i++)); do
    got=$(request GET /readyz)
    if [ "$got" = "200" ]; then
      log "GET /readyz -> 200 (attempt $i)"
      return
    fi
    log "GET /readyz -> $got (attempt $i of $attempts)"
    sleep "$interval_seconds"
  done
  die "$base_url/readyz did not answer 200 after $attempts attempts"
}

check_round_trip() {
  local path="/hello/$user"
  expect 200 GET /healthz
  expect 204 PUT "$path" '{"dateOfBirth": "2000-01-01"}'
  expect 200 GET "$path"
  grep -q "Hello, $user!" "$workdir/body" \
    || die "GET $path did not greet $user: $(head -c 300 "$workdir/body")"
  expect 204 DELETE "$path"
  expect 404 GET "$path"
}

cleanup() {
  if [ -n "$workdir" ]; then rm -rf "$workdir"; fi
}

main() {
  parse_args "$@"
  command -v curl >/dev/null 2>&1 || die "curl not found"
  workdir=$(mktemp -d)
  trap cleanup EXIT
  # Letters only (names allow no digits); random so parallel runs never share a user.
  user="Smoke$(od -An -N10 -tu1 /dev/urandom \
    | awk '{ for (i = 1; i <= NF; i++) printf "%c", 97 + $i % 26 }')"
  wait_until_ready
  check_round_trip
  log "all checks passed against $base_url"
}

main "$@"
