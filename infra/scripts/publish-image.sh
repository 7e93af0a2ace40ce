#!/usr/bin/env bash
# publish-image.sh - build the service image once, push it to ECR tagged with the commit SHA,
# wait for the registry's vulnerability scan, and hand on image=<registry>/<repo>@sha256:<digest>
# (appended to $GITHUB_OUTPUT when set, always printed). Every later stage deploys that digest.
#
# With REQUESTED_IMAGE set (a rollback or a redeploy) nothing is built: the digest must already
# be in the repository, and it is handed on unchanged.
#
# Usage: infra/scripts/publish-image.sh
# Environment:
#   ECR_REPOSITORY     repository name (required)
#   AWS_REGION         region of the repository (required)
#   GIT_SHA            commit to build and tag (required unless REQUESTED_IMAGE is set)
#   REQUESTED_IMAGE    <registry>/<repository>@sha256:<digest> to hand on instead of building
#   SOURCE_URL         repository URL for the image's org.opencontainers.image.source label
#   BLOCKING_SEVERITY  scan findings of this severity stop the pipeline (default CRITICAL)
# Needs: aws (CLI v2) with credentials, jq, and docker unless REQUESTED_IMAGE is set.
set -Eeuo pipefail

readonly USAGE="usage: ECR_REPOSITORY=... AWS_REGION=... GIT_SHA=... \
[REQUESTED_IMAGE=...] publish-image.sh"

registry=""
digest=""

die() {
  printf 'error: %s\n' "$*" >&2
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::error title=Image publish failed::%s\n' "$*"
  fi
  exit 1
}

log() {
  printf 'publish-image: %s\n' "$*"
}

check_inputs() {
  if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    printf '%s\n' "$USAGE"
    exit 0
  fi
  [ $# -eq 0 ] || die "no arguments expected; $USAGE"
  [ -n "${ECR_REPOSITORY:-}" ] || die "ECR_REPOSITORY is not set"
  [ -n "${AWS_REGION:-}" ] || die "AWS_REGION is not set"
  if [ -z "${REQUESTED_IMAGE:-}" ]; then
    [[ "${GIT_SHA:-}" =~ ^[0-9a-f]{40}$ ]] || die "GIT_SHA must be a full 40-character commit SHA"
  fi
  command -v aws >/dev/null 2>&1 || die "aws CLI not found"
  command -v jq >/dev/null 2>&1 || die "jq not found"
}

find_registry() {
  local account
  account=$(aws sts get-caller-identity --output json | jq -r '.Account // empty') \
    || die "cannot read the AWS account (are the credentials set?)"
  [ -n "$account" ] || die "cannot read the AWS account"
  registry="$account.dkr.ecr.$AWS_REGION.amazonaws.com"
}

# Prints the digest of the image with this tag or digest selector, or nothing when absent.
lookup_digest() {
  local selector=$1 out
  if ! out=$(aws ecr describe-images --repository-name "$ECR_REPOSITORY" \
    --image-ids "$selector" --output json 2>/dev/null); then
    return 0
  fi
  jq -r '.imageDetails[0].imageDigest // empty' <<<"$out"
}

use_requested_image() {
  local prefix="$registry/$ECR_REPOSITORY@"
  [[ "$REQUESTED_IMAGE" == "$prefix"sha256:* ]] \
    || die "REQUESTED_IMAGE must be ${prefix}sha256:<digest>, got '$REQUESTED_IMAGE'"
  digest=${REQUESTED_IMAGE#"$prefix"}
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "REQUESTED_IMAGE has a malformed digest '$digest'"
  [ -n "$(lookup_digest "imageDigest=$digest")" ] \
    || die "image $digest is not in repository $ECR_REPOSITORY (expired or never pushed)"
  log "redeploying existing image $digest"
}

build_and_push() {
  local tag="$registry/$ECR_REPOSITORY:$GIT_SHA"

  # Tags are immutable: a re-run for the same commit reuses the image pushed the first time.
  digest=$(lookup_digest "imageTag=$GIT_SHA")
  if [ -n "$digest" ]; then
    log "commit $GIT_SHA was already pushed as $digest; not building again"
    return
  fi
  command -v docker >/dev/null 2>&1 || die "docker not found"

  aws ecr get-login-password --region "$AWS_REGION" \
    | docker login --username AWS --password-stdin "$registry" >/dev/null \
    || die "docker login to $registry failed"
  docker build --pull \
    --build-arg "VERSION=$GIT_SHA" \
    --build-arg "REVISION=$GIT_SHA" \
    --build-arg "SOURCE=${SOURCE_URL:-}" \
    --tag "$tag" . || die "docker build failed"
  docker push "$tag" || die "docker push $tag failed"
  digest=$(lookup_digest "imageTag=$GIT_SHA")
  [ -n "$digest" ] || die "pushed $tag but the registry does not list it"
  log "pushed $tag as $digest"
}

check_scan() {
  local severity=${BLOCKING_SEVERITY:-CRITICAL} findings count
  aws ecr wait image-scan-complete --repository-name "$ECR_REPOSITORY" \
    --image-id "imageDigest=$digest" || die "the registry's scan of $digest did not complete"
  findings=$(aws ecr describe-image-scan-findings --repository-name "$ECR_REPOSITORY" \
    --image-id "imageDigest=$digest" --output json) \
    || die "cannot read the scan findings of $digest"
  count=$(jq -r --arg s "$severity" '.imageScanFindings.findingSeverityCounts[$s] // 0' \
    <<<"$findings")
  [ "$count" -eq 0 ] || die "image $digest has $count $severity vulnerabilities; not deploying it"
  log "scan of $digest: no $severity findings"
}

hand_on() {
  local image="$registry/$ECR_REPOSITORY@$digest"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'image=%s\n' "$image" >>"$GITHUB_OUTPUT"
  fi
  printf 'image=%s\n' "$image"
}

main() {
  check_inputs "$@"
  find_registry
  if [ -n "${REQUESTED_IMAGE:-}" ]; then
    use_requested_image
  else
    build_and_push
    check_scan
  fi
  hand_on
}

main "$@"
