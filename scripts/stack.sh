#!/usr/bin/env bash
# stack.sh - run the local production-like stack of deploy/compose.yaml (HAProxy, three replicas
# of hello-birthday, PostgreSQL, Prometheus) and roll its replicas to a new image one at a time.
#
# Usage: scripts/stack.sh up [TAG] | down [--volumes] | deploy TAG | rollback | status
#   up        start the stack with hello-birthday:TAG (default: the deployed tag, else the tag of
#             the working tree, built when missing); wait until the balancer has 3 replicas
#   down      remove the containers and the network (--volumes: the database and metrics too)
#   deploy    roll every replica to hello-birthday:TAG: start a new one held out of rotation,
#             wait until it passes the balancer's /readyz checks, put it in rotation, stop an old
#             one (its readiness turns 503, the balancer takes it out, it drains and exits),
#             next. A new replica that does not pass within HELLO_ROLLOUT_READY_SECONDS never
#             gets a request: it is removed, the rollout stops, the old replicas keep serving.
#   rollback  deploy the tag that was deployed before the current one, the same way
#   status    list the replicas: image, container state, state at the balancer
# Environment:
#   HELLO_STACK_PROJECT          compose project name                (default hello)
#   HELLO_STACK_PORT             balancer port on 127.0.0.1          (default 25680)
#   HELLO_STACK_STATS_PORT       balancer stats page on 127.0.0.1    (default 25681)
#   HELLO_STACK_PROMETHEUS_PORT  Prometheus on 127.0.0.1             (default 25690)
#   HELLO_STACK_STATE_DIR        deployed tags and the db password   (default build/stack/PROJECT)
#   HELLO_ROLLOUT_READY_SECONDS  how long a new replica may take to be in rotation (default 60)
#   HELLO_COMPOSE                compose command (default: `docker compose` if the v2 plugin is
#                                there, else `docker-compose`)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly COMPOSE_FILE=$ROOT/deploy/compose.yaml
readonly PROJECT=${HELLO_STACK_PROJECT:-hello}
readonly STATE_DIR=${HELLO_STACK_STATE_DIR:-$ROOT/build/stack/$PROJECT}
readonly READY_SECONDS=${HELLO_ROLLOUT_READY_SECONDS:-60}
readonly REPLICAS=3
readonly IMAGE=hello-birthday
# Longer than the replicas' drain (5 s) plus shutdown timeout (10 s); see deploy/compose.yaml.
readonly STOP_SECONDS=20
export HELLO_STACK_PORT=${HELLO_STACK_PORT:-25680}
export HELLO_STACK_STATS_PORT=${HELLO_STACK_STATS_PORT:-25681}
export HELLO_STACK_PROMETHEUS_PORT=${HELLO_STACK_PROMETHEUS_PORT:-25690}
export HELLO_STACK_SECRETS_DIR=$STATE_DIR/secrets
COMPOSE=()
BALANCER=""

usage() { sed -n 's/^# Usage: /usage: /p' "${BASH_SOURCE[0]}"; }
say() { echo "stack[$PROJECT] $(date +%T): $*"; }
die() { echo "error: $*" >&2; exit 1; }

################################################################################################
# Compose and state
################################################################################################

find_compose() {
  if [[ -n "${HELLO_COMPOSE:-}" ]]; then
    read -r -a COMPOSE <<<"$HELLO_COMPOSE"
  elif docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    die "neither 'docker compose' nor 'docker-compose' is installed"
  fi
}

# compose TAG ARGS...: run compose on this project with the replicas' image tag set to TAG.
compose() {
  local tag=$1
  shift
  HELLO_TAG=$tag "${COMPOSE[@]}" --project-name "$PROJECT" --file "$COMPOSE_FILE" "$@"
}

state() { cat "$STATE_DIR/$1" 2>/dev/null || true; }  # no file yet: nothing deployed

record_deployed() {
  local tag=$1 previous
  previous=$(state tag)
  mkdir -p "$STATE_DIR"
  if [[ -n "$previous" && "$previous" != "$tag" ]]; then
    echo "$previous" >"$STATE_DIR/previous_tag"
  fi
  echo "$tag" >"$STATE_DIR/tag"
}

# The database password: random, made once, handed to PostgreSQL and the replicas as a file.
ensure_secret() {
  local file=$HELLO_STACK_SECRETS_DIR/db_password
  [[ -s "$file" ]] && return
  install -d -m 0700 "$HELLO_STACK_SECRETS_DIR"
  (umask 022 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$file")
  # Readable inside the containers (bind-mounted file); the 0700 folder guards it on the host.
  chmod 0644 "$file"
}

################################################################################################
# Containers and the balancer
################################################################################################

# IDs of the containers of a compose service of this project, oldest first.
service_containers() {
  docker ps --all --quiet --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" \
    | xargs --no-run-if-empty docker inspect --format '{{.Created}} {{.Id}}' \
    | sort | awk '{print $2}'
}

container_name() { docker inspect --format '{{.Name}}' "$1" | sed 's|^/||'; }
container_ip() {
  docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" \
    | awk '{print $1}'
}
container_running() { [[ "$(docker inspect --format '{{.State.Running}}' "$1")" == true ]]; }

find_balancer() {
  BALANCER=$(service_containers lb | tail -n1)
  [[ -n "$BALANCER" ]] || die "no balancer container in project $PROJECT (is the stack up?)"
}

# One command on HAProxy's runtime API (deploy/lb/haproxy.cfg: stats socket).
runtime_api() {
  [[ -n "$BALANCER" ]] || find_balancer
  printf '%s\n' "$1" \
    | docker exec -i "$BALANCER" socat stdio UNIX-CONNECT:/run/haproxy/admin.sock
}

# One line per server slot: "<slot> <address> <operational state> <admin state> <last check
# result> <check health>". Operational 2 is UP; admin 0 is ready, 8 draining (no new requests),
# 32 waiting for an address; check result 3 is passed; health 3 is the top of rise + fall - 1.
balancer_servers() {
  runtime_api "show servers state replicas" \
    | awk 'NF > 12 && $1 !~ /^#/ {print $4, $5, $6, $7, $12, $13}'
}

slot_of() { balancer_servers | awk -v ip="$1" '$2 == ip {print $1; exit}'; }
in_rotation() { balancer_servers | awk -v ip="$1" '$2 == ip && $3 == 2 && $4 == 0 && $5 == 3 \
  {found = 1} END {exit !found}'; }
out_of_rotation() { ! in_rotation "$1"; }
rotation_count() { balancer_servers | awk '$3 == 2 && $4 == 0 && $5 == 3' | wc -l; }
# Passing its checks while held out of rotation (draining): ready to be put in.
passes_checks() { balancer_servers | awk -v ip="$1" '$2 == ip && $3 == 2 && $4 == 8 && $5 == 3 \
  && $6 == 3 {found = 1} END {exit !found}'; }

# HAProxy puts a server it learns from DNS straight into rotation and checks it afterwards. So
# every slot without a replica is set to drain first: a new replica then lands in a drained
# slot, gets checked but no requests, and only this script puts it in rotation.
drain_empty_slots() {
  local slot
  while read -r slot; do
    runtime_api "set server replicas/$slot state drain" >/dev/null
  done < <(balancer_servers | awk 'int($4 / 32) % 2 == 1 && int($4 / 8) % 2 == 0 {print $1}')
}

# wait_until SECONDS COMMAND...: poll every 0.2 s; fail when the time is up.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

rotation_full() { (($(rotation_count) >= REPLICAS)); }

balancer_running() {
  local lb
  lb=$(service_containers lb | tail -n1)
  [[ -n "$lb" ]] && container_running "$lb"
}

# One pass for wait_until: put every drained replica that passes its checks in rotation; true
# once REPLICAS replicas are in rotation.
admit_drained_replicas() {
  local slot
  while read -r slot; do
    runtime_api "set server replicas/$slot state ready" >/dev/null
  done < <(balancer_servers | awk '$2 != "-" && $3 == 2 && $4 == 8 && $5 == 3 && $6 == 3 \
    {print $1}')
  rotation_full
}

################################################################################################
# Rolling deploy
################################################################################################

# Seconds (one decimal) since a `date +%s%N` timestamp.
seconds_since() { awk -v ns="$(($(date +%s%N) - $1))" 'BEGIN {printf "%.1f", ns / 1e9}'; }

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null; }

# Start one more replica with the target tag beside the running ones; print its ID.
start_replica() {
  local tag=$1 before after count output
  mapfile -t before < <(service_containers app)
  count=$((${#before[@]} + 1))
  if ! output=$(compose "$tag" up --detach --no-deps --no-recreate --scale "app=$count" app \
    2>&1); then
    echo "$output" >&2
    die "compose could not start a replica of $tag"
  fi
  mapfile -t after < <(service_containers app)
  comm -13 <(printf '%s\n' "${before[@]}" | sort) <(printf '%s\n' "${after[@]}" | sort)
}

remove_replica() {
  docker stop --time "$STOP_SECONDS" "$1" >/dev/null
  docker rm --volumes "$1" >/dev/null
}

# Stop an old replica the way the platform does: SIGTERM turns its /readyz to 503, the balancer's
# checks take it out of rotation, it drains and exits. Reports how long the balancer took.
retire_replica() {
  local id=$1 name ip slot start stopper code
  name=$(container_name "$id")
  ip=$(container_ip "$id")
  slot=$(slot_of "$ip")
  start=$(date +%s%N)
  docker stop --time "$STOP_SECONDS" "$id" >/dev/null &
  stopper=$!
  if wait_until "$STOP_SECONDS" out_of_rotation "$ip"; then
    say "$name ($ip) out of rotation $(seconds_since "$start") s after SIGTERM; draining"
  fi
  wait "$stopper" || die "docker stop $name failed"
  code=$(docker inspect --format '{{.State.ExitCode}}' "$id")
  say "$name exited with status $code $(seconds_since "$start") s after SIGTERM"
  docker rm --volumes "$id" >/dev/null
  # Its slot will take the next new replica, which must not get requests before its checks.
  if [[ -n "$slot" ]]; then
    runtime_api "set server replicas/$slot state drain" >/dev/null
  fi
  [[ "$code" == 0 ]] || die "$name did not shut down cleanly (exit status $code)"
}

# Wait until the new replica has passed its checks for a full check interval while drained,
# then put it in rotation.
admit_replica() {
  local ip=$1 slot
  wait_until "$READY_SECONDS" passes_checks "$ip" || return 1
  sleep 1.5
  passes_checks "$ip" || wait_until "$READY_SECONDS" passes_checks "$ip" || return 1
  slot=$(slot_of "$ip")
  runtime_api "set server replicas/$slot state ready" >/dev/null
  wait_until 5 in_rotation "$ip"
}

deploy() {
  local tag=$1 target c new ip name replaced=0 running=() outdated=()
  target=$(image_id "$IMAGE:$tag") || die "no image $IMAGE:$tag (build it: make image TAG=$tag)"
  mapfile -t running < <(service_containers app)
  ((${#running[@]} > 0)) || die "no replicas in project $PROJECT: run make up first"
  for c in "${running[@]}"; do
    container_running "$c" || die "replica $(container_name "$c") is not running; run make up"
    [[ "$(docker inspect --format '{{.Image}}' "$c")" == "$target" ]] || outdated+=("$c")
  done
  say "deploying $IMAGE:$tag: ${#outdated[@]} of ${#running[@]} replicas to replace"

  for c in "${outdated[@]}"; do
    drain_empty_slots
    new=$(start_replica "$tag")
    [[ -n "$new" && "$new" != *$'\n'* ]] || die "expected one new replica, got: ${new:-none}"
    name=$(container_name "$new")
    ip=$(container_ip "$new")
    say "started $name ($ip); waiting up to ${READY_SECONDS} s for it to pass its checks"
    if ! admit_replica "$ip"; then
      say "$name never became ready; removing it"
      docker logs --tail 5 "$new" >&2 || true  # the logs are a hint only
      remove_replica "$new"
      die "rollout of $tag stopped: $name was not ready within ${READY_SECONDS} s;" \
        "$replaced of ${#outdated[@]} replicas replaced, the others still serve"
    fi
    say "$name in rotation"
    retire_replica "$c"
    replaced=$((replaced + 1))
  done
  record_deployed "$tag"
  say "deployed $IMAGE:$tag on ${#running[@]} replicas"
}

rollback() {
  local previous
  previous=$(state previous_tag)
  [[ -n "$previous" ]] || die "no previous tag recorded in $STATE_DIR"
  say "rolling back from $(state tag) to $previous"
  deploy "$previous"
}

################################################################################################
# Up, down, status
################################################################################################

# The balancer, database and Prometheus images, under the names deploy/compose.yaml gives them.
# Built here rather than by compose so that BuildKit (Debian's client) does it when it can, with
# the same cache as scripts/docker-image.sh; unchanged files make this a cache hit.
build_stack_images() {
  local service dir
  say "building the stack images (balancer, database, Prometheus)"
  for service in lb db prometheus; do
    dir=$service
    [[ "$service" == db ]] && dir=postgres
    if [[ -x /usr/bin/docker ]]; then
      DOCKER_BUILDKIT=1 /usr/bin/docker build --quiet --tag "hello-stack-$service:1" \
        "$ROOT/deploy/$dir" >/dev/null
    else
      docker build --quiet --tag "hello-stack-$service:1" "$ROOT/deploy/$dir" >/dev/null
    fi || die "building the $service image failed"
  done
}

up() {
  local tag=${1:-} deployed
  deployed=$(state tag)
  # 8>&-: a dockerd started from here must not inherit (and hold for ever) the project lock.
  "$ROOT/scripts/ensure-docker.sh" 8>&-
  if [[ -z "$tag" ]]; then
    tag=${deployed:-$("$ROOT/scripts/docker-image.sh" --print-tag)}
  fi
  if [[ -n "$(service_containers app)" && -n "$deployed" && "$tag" != "$deployed" ]]; then
    die "the stack runs $deployed; change the tag with make deploy TAG=$tag"
  fi
  if ! image_id "$IMAGE:$tag" >/dev/null; then
    say "no image $IMAGE:$tag; building it"
    "$ROOT/scripts/docker-image.sh" "$tag" 8>&-
  fi
  ensure_secret
  build_stack_images
  # On a running stack (repairing a replica that died, say) a replica started now must pass its
  # checks before it gets requests, as in a rollout.
  if balancer_running; then
    drain_empty_slots
  fi
  say "starting with $IMAGE:$tag"
  compose "$tag" up --detach --scale "app=$REPLICAS" --remove-orphans
  record_deployed "$tag"
  BALANCER=""
  wait_until 120 admit_drained_replicas \
    || die "the balancer does not have $REPLICAS replicas in rotation"
  say "up: http://127.0.0.1:$HELLO_STACK_PORT/ (stats: http://127.0.0.1:$HELLO_STACK_STATS_PORT/," \
    "Prometheus: http://127.0.0.1:$HELLO_STACK_PROMETHEUS_PORT/)"
}

down() {
  local volumes=()
  [[ "${1:-}" == --volumes ]] && volumes=(--volumes)
  ensure_secret
  compose "$(state tag)" down --remove-orphans --timeout "$STOP_SECONDS" "${volumes[@]}"
  if ((${#volumes[@]})); then
    rm -rf "$STATE_DIR"
  fi
}

# The balancer's view of one address: "in rotation", or the raw states when it is not.
rotation_label() {
  awk -v ip="$1" '$2 == ip {
    if ($3 == 2 && $4 == 0 && $5 == 3) print "in rotation (" $1 ")"
    else print "out (" $1 ": state " $3 ", admin " $4 ", check " $5 ")"
  }' <<<"$2"
}

status() {
  local c ip servers
  servers=$(balancer_servers)
  printf '%-28s %-34s %-10s %-15s %s\n' REPLICA IMAGE STATE ADDRESS BALANCER
  while read -r c; do
    [[ -n "$c" ]] || continue
    ip=$(container_ip "$c")
    printf '%-28s %-34s %-10s %-15s %s\n' "$(container_name "$c")" \
      "$(docker inspect --format '{{.Config.Image}}' "$c")" \
      "$(docker inspect --format '{{.State.Status}}' "$c")" "${ip:--}" \
      "$(rotation_label "$ip" "$servers")"
  done < <(service_containers app)
  echo "deployed: $(state tag)  previous: $(state previous_tag)"
}

# One command at a time per project: two rollouts at once would each take the other's new
# replicas for old ones.
lock_project() {
  mkdir -p "$STATE_DIR"
  exec 8>"$STATE_DIR/lock"
  flock --nonblock 8 || die "another stack.sh command is running on project $PROJECT"
}

main() {
  local command=${1:-}
  [[ -n "$command" ]] || { usage >&2; exit 2; }
  shift
  find_compose
  case "$command" in
    up | down | deploy | rollback) lock_project ;;
  esac
  case "$command" in
    up) up "$@" ;;
    down) down "$@" ;;
    deploy) [[ -n "${1:-}" ]] || die "deploy needs a tag: make deploy TAG=..."; deploy "$1" ;;
    rollback) rollback ;;
    status) status ;;
    -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
