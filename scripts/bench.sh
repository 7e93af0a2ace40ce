#!/usr/bin/env bash
# bench.sh - throughput, latency, memory and start-up of hello-birthday against an nginx ceiling.
#
# Usage: scripts/bench.sh [sqlite] [postgres] [dynamodb]   (default: all three; run as root
#        for the PostgreSQL run, which starts its cluster as the postgres user)
#
# For each backend: store BENCH_USERS users through the API, then run BENCH_ROUNDS rounds. A
# round starts nginx (a fixed JSON body for any request, access log on) and the release binary
# (access log on), times each from start to its first 200, loads each with wrk (GET of random
# stored users, then PUT of random users to new dates) and reads each one's peak resident
# memory. The DynamoDB run also loads the local DynamoDB-compatible server directly with the
# service's GetItem and PutItem calls: the floor. Loads of one kind run back to back, in an
# order reversed every other round.
# The servers (and the database) run pinned to one core, wrk and this script on another, so the
# figures are per core. Everything runs on 127.0.0.1 and is stopped on exit.
#
# Settings (environment):
#   BENCH_DURATION=10     seconds of each wrk run         BENCH_ROUNDS=3       rounds per backend
#   BENCH_CONNECTIONS=50  wrk connections                 BENCH_USERS=10000    users stored first
#   BENCH_BINARY=build/release/hello-birthday             BENCH_PORT=25380     service port;
#   nginx uses BENCH_PORT+1. PostgreSQL listens on 25490 and dynalite on 25590.
# Figures are medians over the rounds, except peak memory (the highest). Exit status 0 means the
# benchmark ran; each target is reported as PASS or MISS.
set -Eeuo pipefail
export LC_ALL=C

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_DIR
readonly BENCH_DIR="$REPO_DIR/bench"
export BENCH_DIR  # read by the wrk scripts
readonly DURATION="${BENCH_DURATION:-10}"
readonly ROUNDS="${BENCH_ROUNDS:-3}"
readonly CONNECTIONS="${BENCH_CONNECTIONS:-50}"
readonly USERS="${BENCH_USERS:-10000}"
readonly BINARY="${BENCH_BINARY:-$REPO_DIR/build/release/hello-birthday}"
readonly SERVICE_PORT="${BENCH_PORT:-25380}"
readonly NGINX_PORT=$((SERVICE_PORT + 1))
readonly PG_PORT=25490
readonly DYNALITE_PORT=25590
readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly DYNAMODB_TABLE=users
readonly START_DEADLINE_US=10000000

WORK=""
SERVER_CPU=""
CLIENT_CPU=""
NAP_FD=""
SERVICE_PID=""
NGINX_PID=""
DYNALITE_PID=""
PG_DATA=""
SERVICE_URL=""
DYNAMODB_KEY=""
NGINX_START_MS=""
SERVICE_START_MS=""
PG_AS=()

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

note() {
  printf 'bench: %s\n' "$*" >&2
}

# Sleeps without starting a process: a read on a FIFO that nobody writes times out.
nap() {
  read -r -t "$1" -u "$NAP_FD" _ || : # the timeout is the point; there is never any data
}

now_us() {
  local now=$EPOCHREALTIME
  echo $((10#${now/./}))
}

check_settings() {
  local value
  for value in "$DURATION" "$ROUNDS" "$CONNECTIONS" "$USERS" "$SERVICE_PORT"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || die "BENCH_* settings are positive integers; got \"$value\""
  done
  ((USERS <= 456976)) || die "BENCH_USERS is at most 456976 (26^4 generated names)"
  ((SERVICE_PORT < 32767)) || die "BENCH_PORT must be below 32767 (outside ephemeral ports)"
}

# Installs missing test tools when run as root (scripts/install-deps.sh is idempotent).
check_tools() {
  local backends=("$@") tool missing=()
  for tool in wrk nginx taskset curl pgrep; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] || missing+=("$tool")
  done
  if [[ " ${backends[*]} " == *" postgres "* && ! -x $PG_BIN/initdb ]]; then
    missing+=(postgresql-15)
  fi
  if ((${#missing[@]} > 0)); then
    [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run scripts/install-deps.sh test as root"
    note "installing missing tools: ${missing[*]}"
    "$REPO_DIR/scripts/install-deps.sh" test >&2
  fi
  if [[ " ${backends[*]} " == *" dynamodb "* && ! -x $REPO_DIR/node_modules/.bin/dynalite ]]; then
    note "installing dynalite from package.json"
    (cd "$REPO_DIR" && npm ci --no-audit --no-fund >&2) || die "npm ci failed"
  fi
  [[ -x $BINARY ]] || die "$BINARY is missing; run make build first"
}

# The server core and the client core: the first two this process may use.
pick_cpus() {
  local list part parts cpus=()
  list=$(taskset -pc $$ | sed 's/.*: //')
  IFS=, read -ra parts <<<"$list"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then
      mapfile -t -O "${#cpus[@]}" cpus < <(seq "${part%-*}" "${part#*-}")
    else
      cpus+=("$part")
    fi
  done
  ((${#cpus[@]} >= 2)) || die "need two cores (one for the servers, one for wrk); have ${#cpus[@]}"
  SERVER_CPU=${cpus[0]}
  CLIENT_CPU=${cpus[1]}
  taskset -pc "$CLIENT_CPU" $$ >/dev/null
}

make_workdir() {
  WORK=$(mktemp -d /tmp/hello-bench.XXXXXX)
  # nginx workers and PostgreSQL run as other users and need to reach their files in here.
  chmod 755 "$WORK"
  mkfifo "$WORK/nap"
  exec {NAP_FD}<>"$WORK/nap"
}

# Sends SIGTERM, waits up to 5 s, then SIGKILL; reaps the child.
stop_process() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    nap 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || : # it may have exited between the check and the kill
  fi
  wait "$pid" 2>/dev/null || : # its exit status does not matter once it is stopped
}

cleanup() {
  local status=$?
  stop_process "$SERVICE_PID"
  stop_process "$NGINX_PID"
  stop_process "$DYNALITE_PID"
  if [[ -n $PG_DATA ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 20 stop >/dev/null 2>&1 ||
      note "could not stop PostgreSQL in $PG_DATA"
  fi
  [[ -z $WORK ]] || rm -rf "$WORK"
  exit "$status"
}

port_in_use() {
  local probe
  { exec {probe}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  exec {probe}>&-
}

check_ports() {
  local port
  for port in "$SERVICE_PORT" "$NGINX_PORT" "$@"; do
    ! port_in_use "$port" || die "127.0.0.1:$port is in use; stop that process or set BENCH_PORT"
  done
}

# Letters only, so that every name is a valid username: benchaaaa, benchaaab, ...
write_users() {
  local letters=abcdefghijklmnopqrstuvwxyz i k x name
  for ((i = 0; i < USERS; i++)); do
    x=$i
    name=""
    for ((k = 0; k < 4; k++)); do
      name=${letters:x%26:1}$name
      x=$((x / 26))
    done
    printf 'bench%s\n' "$name"
  done >"$WORK/users.txt"
}

# Prints the milliseconds from $2 (microseconds) until GET $3 on port $1 answers 200.
time_to_first_200() {
  local port=$1 started=$2 path=$3 fd status
  while (($(now_us) - started < START_DEADLINE_US)); do
    if { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&"$fd"
      status=""
      read -r -t 2 -u "$fd" _ status _ || : # a closed or silent connection leaves status empty
      exec {fd}>&-
      if [[ $status == 200 ]]; then
        awk -v us=$(($(now_us) - started)) 'BEGIN { printf "%.1f\n", us / 1000 }'
        return 0
      fi
    fi
    nap 0.001
  done
  return 1
}

# Peak resident memory in kB of the process $1 and its children.
peak_rss_kb() {
  local pid total=0 kb pids
  mapfile -t pids < <(pgrep -P "$1")
  for pid in "$1" "${pids[@]}"; do
    kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || kb=0
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# Appends one figure: backend, subject (hello, nginx or floor), metric, value.
record() {
  printf '%s %s %s %s\n' "$@" >>"$WORK/results"
}

start_nginx() {
  sed -e "s|@WORKDIR@|$WORK|g" -e "s|@PORT@|$NGINX_PORT|g" "$BENCH_DIR/nginx.conf" \
    >"$WORK/nginx.conf"
  local nginx started
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  started=$(now_us)
  taskset -c "$SERVER_CPU" "$nginx" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" \
    >>"$WORK/nginx.out" 2>&1 &
  NGINX_PID=$!
  NGINX_START_MS=$(time_to_first_200 "$NGINX_PORT" "$started" /) ||
    die "nginx did not answer within 10 s: $(tail -3 "$WORK/nginx-error.log" 2>/dev/null)"
}

# Starts the release binary on the backend named by $SERVICE_URL; $1 is the path polled for the
# first 200.
start_service() {
  local path=$1 started
  started=$(now_us)
  HELLO_LISTEN="127.0.0.1:$SERVICE_PORT" HELLO_DATABASE_URL="$SERVICE_URL" \
    HELLO_LOG_LEVEL=info HELLO_LOG_FORMAT=json HELLO_DRAIN_SECONDS=0 \
    HELLO_SHUTDOWN_TIMEOUT_SECONDS=5 \
    taskset -c "$SERVER_CPU" "$BINARY" serve >>"$WORK/hello.log" 2>&1 &
  SERVICE_PID=$!
  SERVICE_START_MS=$(time_to_first_200 "$SERVICE_PORT" "$started" "$path") ||
    die "the service did not answer 200 within 10 s; its last lines: $(tail -3 "$WORK/hello.log")"
}

stop_servers() {
  stop_process "$SERVICE_PID"
  SERVICE_PID=""
  stop_process "$NGINX_PID"
  NGINX_PID=""
}

# Stores every user through the API: curl runs the PUTs 50 at a time over reused connections.
seed_users() {
  local user i=0 stored
  while read -r user; do
    # Each transfer is its own curl operation; "next" separates them (and resets options).
    ((i == 0)) || printf 'next\n'
    printf 'url = "http://127.0.0.1:%s/hello/%s"\n' "$SERVICE_PORT" "$user"
    printf 'request = "PUT"\nheader = "Content-Type: application/json"\n'
    printf 'data = "{\\"dateOfBirth\\": \\"%04d-%02d-%02d\\"}"\n' \
      $((1950 + i % 55)) $((1 + i % 12)) $((1 + i % 28))
    printf 'silent\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
    i=$((i + 1))
  done <"$WORK/users.txt" >"$WORK/seed.curl"
  stored=$(timeout 600 curl --silent --parallel --parallel-max 50 --config "$WORK/seed.curl" \
    2>"$WORK/seed.err" |
    grep -c '^204$') || stored=0
  ((stored == USERS)) ||
    die "stored $stored of $USERS users; the service logged: $(tail -3 "$WORK/hello.log")"
}

# Runs one wrk load on the client core; records rps, p50, p99 (ms) and failed answers.
run_load() {
  local backend=$1 subject=$2 load=$3 port=$4 script=$5 output line
  output=$(BENCH_USERS_FILE="$WORK/users.txt" \
    BENCH_DYNAMODB_TABLE="$DYNAMODB_TABLE" BENCH_DYNAMODB_KEY="${DYNAMODB_KEY:-pk}" \
    timeout $((DURATION + 60)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" \
    -d"${DURATION}s" --timeout 5s -s "$BENCH_DIR/$script" "http://127.0.0.1:$port/") ||
    die "wrk failed for $backend $subject $load"
  line=$(grep '^BENCH ' <<<"$output") || die "no summary from wrk: $output"
  awk -v b="$backend" -v s="$subject" -v l="$load" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%s %s %s_rps %s\n", b, s, l, v["rps"]
    printf "%s %s %s_p50 %.3f\n", b, s, l, v["p50_us"] / 1000
    printf "%s %s %s_p99 %.3f\n", b, s, l, v["p99_us"] / 1000
    printf "%s %s %s_failed %d\n", b, s, l, v["non2xx"] + v["socket_errors"]
  }' <<<"$line" >>"$WORK/results"
  note "$(printf '%-8s %-5s %-3s %s' "$backend" "$subject" "$load" "${line#BENCH }")"
  # The access logs of one load can reach a few hundred MB; only their cost matters here.
  : >"$WORK/hello.log"
  : >"$WORK/nginx-access.log"
}

# As root, PostgreSQL runs as the postgres user (it refuses to run as root).
as_postgres() {
  "${PG_AS[@]}" "$@"
}

start_postgres() {
  local dir="$WORK/pg"
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    PG_AS=(runuser -u postgres --)
    chown postgres: "$dir"
  fi
  as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$WORK/pg-init.log" ||
    die "initdb failed; see $WORK/pg-init.log"
  PG_DATA="$dir/data"
  # On the server core: the PostgreSQL figures include the database's own work.
  taskset -c "$SERVER_CPU" "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" \
    -l "$dir/log" -w -t 30 -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir" start \
    >/dev/null || die "PostgreSQL did not start; see $dir/log"
}

start_dynalite() {
  local started
  taskset -c "$SERVER_CPU" "$REPO_DIR/node_modules/.bin/dynalite" --host 127.0.0.1 \
    --port "$DYNALITE_PORT" --createTableMs 50 >"$WORK/dynalite.log" 2>&1 &
  DYNALITE_PID=$!
  started=$(now_us)
  until port_in_use "$DYNALITE_PORT"; do
    (($(now_us) - started < START_DEADLINE_US)) || die "dynalite did not start within 10 s"
    nap 0.02
  done
}

# Creates the table with the service's own migrate command, then reads its key attribute.
prepare_dynamodb() {
  timeout 60 env HELLO_DATABASE_URL="$SERVICE_URL" HELLO_LOG_FORMAT=text "$BINARY" migrate \
    >"$WORK/migrate.log" 2>&1 || die "migrate failed: $(tail -3 "$WORK/migrate.log")"
  DYNAMODB_KEY=$(curl --silent --max-time 10 --aws-sigv4 "aws:amz:us-east-1:dynamodb" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "Content-Type: application/x-amz-json-1.0" \
    -H "X-Amz-Target: DynamoDB_20120810.DescribeTable" \
    -d "{\"TableName\":\"$DYNAMODB_TABLE\"}" "http://127.0.0.1:$DYNALITE_PORT/" |
    grep -o '"KeySchema":\[{"AttributeName":"[^"]*"' | sed 's/.*"AttributeName":"//; s/"$//') ||
    die "could not read the key schema of table $DYNAMODB_TABLE"
}

# One backend: start its database, store the users, then the rounds.
bench_backend() {
  local backend=$1 round i load subject subjects=(nginx hello) order
  [[ $backend != dynamodb ]] || subjects+=(floor)
  note "$backend: preparing"
  case $backend in
    sqlite) SERVICE_URL="sqlite:$WORK/hello.db" ;;
    postgres)
      start_postgres
      SERVICE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
      ;;
    dynamodb)
      export AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-checked
      SERVICE_URL="dynamodb://$DYNAMODB_TABLE?region=us-east-1"
      SERVICE_URL+="&endpoint=http://127.0.0.1:$DYNALITE_PORT"
      start_dynalite
      prepare_dynamodb
      ;;
  esac
  start_service /readyz
  seed_users
  stop_process "$SERVICE_PID"
  SERVICE_PID=""

  for ((round = 1; round <= ROUNDS; round++)); do
    note "$backend: round $round of $ROUNDS"
    start_nginx
    start_service "/hello/$(head -1 "$WORK/users.txt")"
    record "$backend" nginx start_ms "$NGINX_START_MS"
    record "$backend" hello start_ms "$SERVICE_START_MS"
    # Reverse the order every other round, so that no subject always runs on a warmer machine.
    order=("${subjects[@]}")
    if ((round % 2 == 0)); then
      for ((i = 0; i < ${#subjects[@]}; i++)); do
        order[i]=${subjects[${#subjects[@]} - 1 - i]}
      done
    fi
    for load in get put; do
      for subject in "${order[@]}"; do
        case $subject in
          nginx) run_load "$backend" nginx "$load" "$NGINX_PORT" "$load.lua" ;;
          hello) run_load "$backend" hello "$load" "$SERVICE_PORT" "$load.lua" ;;
          floor) run_load "$backend" floor "$load" "$DYNALITE_PORT" "dynamodb_$load.lua" ;;
        esac
      done
    done
    record "$backend" hello rss_mb "$(awk -v kb="$(peak_rss_kb "$SERVICE_PID")" \
      'BEGIN { printf "%.1f", kb / 1024 }')"
    record "$backend" nginx rss_mb "$(awk -v kb="$(peak_rss_kb "$NGINX_PID")" \
      'BEGIN { printf "%.1f", kb / 1024 }')"
    stop_servers
  done

  case $backend in
    postgres)
      as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null
      PG_DATA=""
      ;;
    dynamodb)
      stop_process "$DYNALITE_PID"
      DYNALITE_PID=""
      ;;
  esac
}

# Median (or, for rss_mb, maximum) of one figure over the rounds; empty when absent.
figure() {
  awk -v b="$1" -v s="$2" -v m="$3" '
    $1 == b && $2 == s && $3 == m { v[n++] = $4 }
    END {
      if (n == 0) exit
      for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
          if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      if (m == "rss_mb") print v[n - 1]
      else if (n % 2) print v[int(n / 2)]
      else print (v[n / 2 - 1] + v[n / 2]) / 2
    }' "$WORK/results"
}

# One table row: run, figure, hello value, reference value, ratio, target, result.
# $5 is "min:<ratio>", "max:<value>" or "-"; a load with failed answers never passes.
row() {
  local backend=$1 label=$2 metric=$3 reference=$4 target=$5 text=$6 failed=${7:-0}
  local mine theirs
  mine=$(figure "$backend" hello "$metric")
  theirs=$(figure "$backend" "$reference" "$metric")
  awk -v b="$backend" -v label="$label" -v mine="$mine" -v theirs="$theirs" \
    -v ref="$reference" -v target="$target" -v text="$text" -v failed="$failed" -v m="$metric" '
    function show(x) { return m ~ /_rps$/ ? sprintf("%.0f", x) : sprintf("%.2f", x) }
    BEGIN {
      ratio = (theirs > 0) ? mine / theirs : 0
      shown = (m ~ /_rps$/) ? sprintf("%.1f%%", ratio * 100) : sprintf("%.2fx", ratio)
      result = ""
      split(target, t, ":")
      if (t[1] == "min") result = (ratio >= t[2]) ? "PASS" : "MISS"
      if (t[1] == "max") result = (mine < t[2]) ? "PASS" : "MISS"
      if (result != "" && failed > 0) result = "MISS (" failed " failed)"
      line = sprintf("%-9s %-13s %10s %10s %-6s %8s  %-22s %s", b, label, show(mine), show(theirs),
        ref, shown, text, result)
      sub(/ +$/, "", line)
      print line
    }'
}

failed_answers() {
  awk -v b="$1" -v m="$2_failed" '
    $1 == b && $2 == "hello" && $3 == m { n += $4 }
    END { print n + 0 }' "$WORK/results"
}

report_backend() {
  local backend=$1 get_min put_min p99_max=$2 get_failed put_failed
  get_failed=$(failed_answers "$backend" get)
  put_failed=$(failed_answers "$backend" put)
  case $backend in
    sqlite) get_min=0.60 put_min=0.15 ;;
    postgres) get_min=0.20 put_min=0.10 ;;
  esac
  if [[ $backend == dynamodb ]]; then
    row "$backend" "GET req/s" get_rps floor "min:0.5" "within 2x of floor" "$get_failed"
    row "$backend" "PUT req/s" put_rps floor "min:0.5" "within 2x of floor" "$put_failed"
    row "$backend" "GET p99 ms" get_p99 floor - ""
    row "$backend" "PUT p99 ms" put_p99 floor - ""
    row "$backend" "GET req/s" get_rps nginx - ""
  else
    row "$backend" "GET req/s" get_rps nginx "min:$get_min" ">= ${get_min#0.}% of nginx" \
      "$get_failed"
    row "$backend" "PUT req/s" put_rps nginx "min:$put_min" ">= ${put_min#0.}% of nginx" \
      "$put_failed"
    row "$backend" "GET p50 ms" get_p50 nginx - ""
    row "$backend" "GET p99 ms" get_p99 nginx "max:$p99_max" "< $p99_max ms" "$get_failed"
    row "$backend" "PUT p50 ms" put_p50 nginx - ""
    row "$backend" "PUT p99 ms" put_p99 nginx "max:$p99_max" "< $p99_max ms" "$put_failed"
  fi
  if [[ $backend == sqlite ]]; then
    row "$backend" "peak RSS MB" rss_mb nginx "max:30" "< 30 MB"
    row "$backend" "first 200 ms" start_ms nginx "max:50.001" "<= 50 ms"
  else
    row "$backend" "peak RSS MB" rss_mb nginx - ""
    row "$backend" "first 200 ms" start_ms nginx - ""
  fi
}

report() {
  local backend
  printf '\nhello-birthday %s, %s; %s cores, servers on CPU %s, wrk on CPU %s\n' \
    "$("$BINARY" --version | awk '{ print $2, $3 }')" \
    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(nproc --all)" \
    "$SERVER_CPU" "$CLIENT_CPU"
  printf 'wrk -t1 -c%s -d%ss, %s users, medians of %s rounds (peak RSS: highest)\n\n' \
    "$CONNECTIONS" "$DURATION" "$USERS" "$ROUNDS"
  printf '%-9s %-13s %10s %10s %-6s %8s  %-22s %s\n' run figure hello reference vs ratio target \
    result
  for backend in "$@"; do
    case $backend in
      sqlite) report_backend sqlite 5 ;;
      postgres) report_backend postgres 10 ;;
      dynamodb) report_backend dynamodb 0 ;;
    esac
  done
  if grep -q ' start_ms \| rss_mb ' "$WORK/results"; then
    printf '\nPeak RSS counts the service process only (not PostgreSQL or dynalite); nginx\n'
    printf 'counts its master and worker. "first 200": from exec to the first 200 answer,\n'
    printf 'polled every millisecond.\n'
  fi
}

main() {
  local backends=() backend
  for backend in "$@"; do
    case $backend in
      sqlite | postgres | dynamodb) backends+=("$backend") ;;
      -h | --help)
        usage
        return 0
        ;;
      *) die "unknown backend \"$backend\"; usage: $0 [sqlite] [postgres] [dynamodb]" ;;
    esac
  done
  ((${#backends[@]} > 0)) || backends=(sqlite postgres dynamodb)

  check_settings
  check_tools "${backends[@]}"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pick_cpus
  make_workdir
  write_users
  check_ports "$PG_PORT" "$DYNALITE_PORT"
  for backend in "${backends[@]}"; do
    bench_backend "$backend"
  done
  report "${backends[@]}"
}

main "$@"
