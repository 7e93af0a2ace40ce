#!/usr/bin/env bash
# docker-image.sh - build the hello-birthday container image from the Dockerfile, with the OCI
# version, revision and source labels filled in, and report its size and build time.
#
# Usage: scripts/docker-image.sh [--print-tag] [TAG]
#   TAG          image tag (default: <version>-<git revision>, "-dirty" when the tree has changes)
#   --print-tag  print the default tag and exit
# Environment:
#   HELLO_IMAGE             image repository       (default hello-birthday)
#   HELLO_IMAGE_BUILD_ARGS  extra `docker build` arguments, split on spaces
#   HELLO_IMAGE_NO_CACHE=1  build from scratch (--no-cache)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly IMAGE=${HELLO_IMAGE:-hello-birthday}

usage() { echo "usage: $0 [--print-tag] [TAG]"; }
die() { echo "error: $*" >&2; exit 1; }

project_version() {
  sed -nE 's/^project\(hello-birthday VERSION ([0-9.]+).*/\1/p' "$ROOT/CMakeLists.txt"
}

git_revision() {
  git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown
}

default_tag() {
  local tag
  tag="$(project_version)-$(git_revision)"
  if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then
    tag+="-dirty"
  fi
  echo "$tag"
}

# Debian's client (20.10) can drive BuildKit, which builds the two stages in parallel; the
# newer standalone client only can with the buildx plugin, so the classic builder is used there.
docker_build() {
  if [[ -x /usr/bin/docker ]]; then
    DOCKER_BUILDKIT=1 /usr/bin/docker build "$@"
  else
    docker build "$@"
  fi
}

build() {
  local tag=$1 start_ns source extra=()
  if [[ -n "${HELLO_IMAGE_BUILD_ARGS:-}" ]]; then
    read -r -a extra <<<"$HELLO_IMAGE_BUILD_ARGS"
  fi
  if [[ "${HELLO_IMAGE_NO_CACHE:-0}" == 1 ]]; then
    extra+=(--no-cache)
  fi
  # A clone without a remote has no source URL; the label then stays empty.
  source=$(git -C "$ROOT" config --get remote.origin.url) || source=""
  start_ns=$(date +%s%N)
  docker_build --tag "$IMAGE:$tag" \
    --build-arg VERSION="$(project_version)" \
    --build-arg REVISION="$(git_revision)" \
    --build-arg SOURCE="$source" \
    "${extra[@]}" "$ROOT" || die "docker build of $IMAGE:$tag failed"
  awk -v image="$IMAGE:$tag" -v ns="$(($(date +%s%N) - start_ns))" \
    -v size="$(docker image inspect -f '{{.Size}}' "$IMAGE:$tag")" \
    -v base="$(docker image inspect -f '{{.Size}}' debian:bookworm-slim)" \
    'BEGIN { printf "docker-image: built %s in %.1f s: %.1f MB (debian:bookworm-slim: %.1f MB)\n",
                    image, ns / 1e9, size / 1e6, base / 1e6 }'
}

main() {
  local tag=""
  case "${1:-}" in
    --print-tag) default_tag; return ;;
    -h | --help) usage; return ;;
    -*) usage >&2; exit 2 ;;
    *) tag=${1:-} ;;
  esac
  [[ -n "$tag" ]] || tag=$(default_tag)
  [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "not a valid image tag: $tag"
  "$ROOT/scripts/ensure-docker.sh"
  build "$tag"
}

main "$@"
