#!/usr/bin/env bash
# pg-cluster.sh - a throwaway PostgreSQL 15 cluster on 127.0.0.1 for the test suite.
#
# Usage: pg-cluster.sh start  --state FILE --port PORT   initdb in a new temporary folder, serve
#        pg-cluster.sh stop   --state FILE               stop the cluster and delete its folder
#        pg-cluster.sh kill   --state FILE               stop at once (-m immediate), keep data
#        pg-cluster.sh resume --state FILE               start a killed cluster again
#        pg-cluster.sh freeze --state FILE               SIGSTOP the server: it accepts TCP
#                                                        connections but never answers
#        pg-cluster.sh thaw   --state FILE               SIGCONT a frozen server
#
# FILE records the cluster's folder so that a later command finds it. The cluster listens on
# TCP only (no Unix socket), runs with fsync=off (test data is disposable) and with TLS on, using
# a self-signed certificate for 127.0.0.1 and localhost whose copy is FOLDER/ca.crt. Members of
# the role password_login must authenticate with a password (scram-sha-256); everyone else is
# trusted. Run as root (the server then runs as the postgres user) or as an ordinary user.
set -Eeuo pipefail

readonly PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
readonly START_TIMEOUT_SECONDS=30

state_file=""
port=""

usage() {
  echo "usage: $0 start|stop|kill|resume|freeze|thaw --state FILE [--port PORT]" >&2
  exit 2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Runs a PostgreSQL binary as the postgres user when we are root (the server refuses root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --state) state_file=${2:?}; shift 2 ;;
      --port) port=${2:?}; shift 2 ;;
      *) usage ;;
    esac
  done
  [ -n "$state_file" ] || usage
}

cluster_dir() {
  [ -f "$state_file" ] || die "no cluster recorded in $state_file"
  cat "$state_file"
}

check_port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is already in use"
  fi
}

init_cluster() {
  local dir=$1
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || die "initdb failed; see $dir/initdb.log"
  cat >"$dir/data/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER             ADDRESS        METHOD
host    all       +password_login  127.0.0.1/32   scram-sha-256
host    all       all              127.0.0.1/32   trust
EOF
}

make_certificate() {
  local dir=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >"$dir/openssl.log" 2>&1 \
    || die "openssl failed; see $dir/openssl.log"
  cp "$dir/data/server.crt" "$dir/ca.crt"
  chmod 600 "$dir/data/server.key"
  chmod 644 "$dir/ca.crt"
}

write_options() {
  local dir=$1
  printf '%s\n' "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' \
-c fsync=off -c full_page_writes=off -c max_connections=300 -c ssl=on" >"$dir/options"
}

start_server() {
  local dir=$1
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$START_TIMEOUT_SECONDS" \
    -o "$(cat "$dir/options")" start >/dev/null || die "pg_ctl start failed; see $dir/server.log"
}

create_password_group() {
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE password_login NOLOGIN" >/dev/null || die "could not create password_login"
}

stop_server() {
  local dir=$1 mode=$2
  if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t "$START_TIMEOUT_SECONDS" stop \
      >/dev/null || die "pg_ctl stop failed; see $dir/server.log"
  fi
}

# A cluster left behind by an interrupted run would hold the port: remove it first.
remove_leftover() {
  [ -f "$state_file" ] || return 0
  local dir
  dir=$(cat "$state_file")
  if [ -d "$dir/data" ]; then
    stop_server "$dir" immediate
  fi
  rm -rf "$dir" "$state_file"
}

cmd_start() {
  [ -n "$port" ] || usage
  remove_leftover
  check_port_free
  local dir
  dir=$(mktemp -d /tmp/hello-pg.XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$(dirname "$state_file")"
  printf '%s\n' "$dir" >"$state_file"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
  fi
  init_cluster "$dir"
  make_certificate "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir/data/server.key" "$dir/data/server.crt" "$dir/data/pg_hba.conf"
  fi
  write_options "$dir"
  start_server "$dir"
  create_password_group
  echo "postgres cluster on 127.0.0.1:$port in $dir"
}

cmd_stop() {
  local dir
  dir=$(cluster_dir)
  stop_server "$dir" fast
  rm -rf "$dir" "$state_file"
}

cmd_kill() {
  stop_server "$(cluster_dir)" immediate
}

cmd_resume() {
  start_server "$(cluster_dir)"
}

postmaster_pid() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || die "the cluster in $dir is not running"
  head -n 1 "$dir/data/postmaster.pid"
}

# The postmaster first, so that it starts no new backend, then every process it started.
cmd_freeze() {
  local pid
  pid=$(postmaster_pid "$(cluster_dir)")
  kill -STOP "$pid"
  pkill -STOP -P "$pid" || die "no server process found under postmaster $pid"
}

# The postmaster is resumed even when resuming its children failed.
cmd_thaw() {
  local pid status=0
  pid=$(postmaster_pid "$(cluster_dir)")
  pkill -CONT -P "$pid" || status=$?
  kill -CONT "$pid"
  [ "$status" -eq 0 ] || die "no server process found under postmaster $pid"
}

main() {
  [ $# -ge 1 ] || usage
  local command=$1
  shift
  parse_args "$@"
  case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    kill) cmd_kill ;;
    resume) cmd_resume ;;
    freeze) cmd_freeze ;;
    thaw) cmd_thaw ;;
    *) usage ;;
  esac
}

main "$@"
