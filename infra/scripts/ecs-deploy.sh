#!/usr/bin/env bash
# ecs-deploy.sh - roll an ECS service to one image digest with no downtime, or fail loudly.
#
# Registers a new revision of the service's task definition family (its latest revision with
# only the container image changed, tags kept), points the service at it, follows that one
# deployment until ECS reports it COMPLETED, then waits for the service to be stable. A
# deployment the circuit breaker stops (and rolls back) exits 1 with the reason and the
# service's latest events.
#
# Usage: infra/scripts/ecs-deploy.sh --cluster NAME --service NAME --image REPO@sha256:DIGEST
#                                    [--container NAME] [--timeout SECONDS] [--poll SECONDS]
# Needs: aws (CLI v2) with credentials, jq.
set -Eeuo pipefail

readonly USAGE="usage: ecs-deploy.sh --cluster NAME --service NAME --image REPO@sha256:DIGEST \
[--container NAME] [--timeout SECONDS] [--poll SECONDS]"

cluster=""
service=""
image=""
container="app"
timeout_seconds=1800
poll_seconds=15
workdir=""
family=""
new_arn=""
deployment_id=""

die() {
  printf 'error: %s\n' "$*" >&2
  # In GitHub Actions the message also becomes an annotation on the run's summary page.
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::error title=ECS deploy failed::%s\n' "$*"
  fi
  exit 1
}

usage_error() {
  printf 'error: %s\n%s\n' "$*" "$USAGE" >&2
  exit 2
}

log() {
  printf 'ecs-deploy: %s\n' "$*"
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --cluster | --service | --image | --container | --timeout | --poll)
        [ $# -ge 2 ] || usage_error "$1 needs a value"
        case "$1" in
          --cluster) cluster=$2 ;;
          --service) service=$2 ;;
          --image) image=$2 ;;
          --container) container=$2 ;;
          --timeout) timeout_seconds=$2 ;;
          --poll) poll_seconds=$2 ;;
        esac
        shift 2
        ;;
      -h | --help)
        printf '%s\n' "$USAGE"
        exit 0
        ;;
      *) usage_error "unknown argument: $1" ;;
    esac
  done
  [ -n "$cluster" ] || usage_error "--cluster is required"
  [ -n "$service" ] || usage_error "--service is required"
  # Only a digest names one image for good; a tag could move between staging and prod.
  [[ "$image" =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$ ]] \
    || usage_error "--image must be <registry>/<repository>@sha256:<64 hex digits>, got '${image}'"
  [[ "$timeout_seconds" =~ ^[0-9]+$ ]] || usage_error "--timeout must be whole seconds"
  [[ "$poll_seconds" =~ ^[0-9]+$ ]] || usage_error "--poll must be whole seconds"
}

check_tools() {
  command -v aws >/dev/null 2>&1 || die "aws CLI not found"
  command -v jq >/dev/null 2>&1 || die "jq not found"
}

# Prints the service's recent events (newest first), to explain a failure.
print_events() {
  aws ecs describe-services --cluster "$cluster" --services "$service" --output json \
    | jq -r '.services[0].events // [] | .[:8][] | "  \(.createdAt) \(.message)"' >&2 \
    || printf '  (could not read the service events)\n' >&2
}

find_family() {
  local status arn
  aws ecs describe-services --cluster "$cluster" --services "$service" --output json \
    >"$workdir/service.json" || die "cannot describe service $service in cluster $cluster"
  status=$(jq -r '.services[0].status // "MISSING"' "$workdir/service.json")
  [ "$status" = "ACTIVE" ] || die "service $service in cluster $cluster is $status, not ACTIVE"
  arn=$(jq -r '.services[0].taskDefinition' "$workdir/service.json")
  family=${arn##*/}
  family=${family%:*}
  [ -n "$family" ] || die "cannot tell the task definition family from '$arn'"
  log "service $service runs $arn"
}

# The family's latest revision (it carries any Terraform change since the last deploy) with
# only the image replaced; fields ECS sets itself are dropped, tags are kept.
render_task_definition() {
  aws ecs describe-task-definition --task-definition "$family" --include TAGS --output json \
    >"$workdir/latest.json" || die "cannot describe task definition family $family"
  jq --arg image "$image" --arg name "$container" '
    . as $all
    | ($all.taskDefinition.containerDefinitions | map(.name) | index($name)) as $i
    | if $i == null then error("container \($name) is not in the task definition") else . end
    | $all.taskDefinition
    | .containerDefinitions[$i].image = $image
    | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
          .registeredAt, .registeredBy, .deregisteredAt)
    | if (($all.tags // []) | length) > 0 then .tags = $all.tags else . end
  ' "$workdir/latest.json" >"$workdir/task-definition.json" \
    || die "cannot render a task definition with container '$container'"
}

register_revision() {
  aws ecs register-task-definition --cli-input-json "file://$workdir/task-definition.json" \
    --output json >"$workdir/registered.json" || die "register-task-definition failed"
  new_arn=$(jq -r '.taskDefinition.taskDefinitionArn // empty' "$workdir/registered.json")
  [ -n "$new_arn" ] || die "register-task-definition returned no ARN"
  log "registered $new_arn with image $image"
}

update_service() {
  aws ecs update-service --cluster "$cluster" --service "$service" \
    --task-definition "$new_arn" --output json >"$workdir/update.json" \
    || die "update-service failed"
  deployment_id=$(jq -r --arg arn "$new_arn" \
    '.service.deployments[] | select(.status == "PRIMARY" and .taskDefinition == $arn) | .id' \
    "$workdir/update.json")
  [ -n "$deployment_id" ] || die "update-service started no deployment of $new_arn"
  log "deployment $deployment_id started"
}

# Follows our deployment by id: COMPLETED is success; FAILED (the circuit breaker stopped it and
# rolled back) or its disappearance (superseded) is failure; the deadline is failure too.
follow_deployment() {
  local deadline state reason counts
  deadline=$((SECONDS + timeout_seconds))
  while :; do
    aws ecs describe-services --cluster "$cluster" --services "$service" --output json \
      >"$workdir/service.json" || die "cannot describe service $service"
    state=$(jq -r --arg id "$deployment_id" \
      '[.services[0].deployments[] | select(.id == $id)][0].rolloutState // "GONE"' \
      "$workdir/service.json")
    case "$state" in
      COMPLETED)
        log "deployment $deployment_id completed"
        return
        ;;
      FAILED)
        reason=$(jq -r --arg id "$deployment_id" \
          '[.services[0].deployments[] | select(.id == $id)][0]
            | .rolloutStateReason // "no reason given"' \
          "$workdir/service.json")
        print_events
        die "deployment of $image to $service failed and was rolled back" \
          "by the circuit breaker: $reason"
        ;;
      GONE)
        print_events
        die "deployment $deployment_id is no longer on service $service (rolled back or superseded)"
        ;;
    esac
    counts=$(jq -r --arg id "$deployment_id" \
      '[.services[0].deployments[] | select(.id == $id)][0]
        | "\(.runningCount)/\(.desiredCount) running, \(.failedTasks // 0) failed"' \
      "$workdir/service.json")
    if [ "$SECONDS" -ge "$deadline" ]; then
      print_events
      die "deployment $deployment_id did not complete within ${timeout_seconds}s ($counts)"
    fi
    log "deployment $deployment_id $state: $counts"
    sleep "$poll_seconds"
  done
}

confirm_stable() {
  local primary
  aws ecs wait services-stable --cluster "$cluster" --services "$service" \
    || die "service $service did not become stable"
  aws ecs describe-services --cluster "$cluster" --services "$service" --output json \
    >"$workdir/service.json" || die "cannot describe service $service"
  primary=$(jq -r '.services[0].deployments[] | select(.status == "PRIMARY") | .taskDefinition' \
    "$workdir/service.json")
  [ "$primary" = "$new_arn" ] || die "service $service runs $primary, not $new_arn"
  log "service $service is stable on $new_arn"
}

cleanup() {
  if [ -n "$workdir" ]; then rm -rf "$workdir"; fi
}

main() {
  parse_args "$@"
  check_tools
  workdir=$(mktemp -d)
  trap cleanup EXIT
  find_family
  render_task_definition
  register_revision
  update_service
  follow_deployment
  confirm_stable
}

main "$@"
