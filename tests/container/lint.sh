#!/usr/bin/env bash
# lint.sh - static checks of the container and stack files: shellcheck on the scripts, yamllint
# on the compose and Prometheus files, promtool on the Prometheus configuration, the alert rules
# and their unit tests, and a syntax check of the Python test drivers. Needs no Docker.
#
# Usage: tests/container/lint.sh
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly ROOT
readonly PROMETHEUS_DIR=$ROOT/deploy/prometheus
WORK_DIR=

die() { echo "error: $*" >&2; exit 1; }
cleanup() { if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi; }

check_tools() {
  local tool
  for tool in shellcheck yamllint promtool python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed (make deps-test installs it)"
  done
}

check_scripts() {
  shellcheck --external-sources "$ROOT"/scripts/{ensure-docker,docker-image,stack}.sh \
    "$ROOT/deploy/postgres/entrypoint.sh" "$ROOT/tests/container/lint.sh"
  echo "lint: shellcheck clean"
}

check_yaml() {
  yamllint --strict --config-file "$ROOT/deploy/yamllint.yml" "$ROOT/deploy"
  echo "lint: yamllint clean"
}

# The configuration names the rules by their path in the image; check a copy with that path
# rewritten to the repository's file.
check_prometheus() {
  WORK_DIR=$(mktemp -d)
  sed "s|/etc/prometheus/alerts.yml|$PROMETHEUS_DIR/alerts.yml|" \
    "$PROMETHEUS_DIR/prometheus.yml" >"$WORK_DIR/prometheus.yml"
  promtool check config "$WORK_DIR/prometheus.yml"
  promtool check rules "$PROMETHEUS_DIR/alerts.yml"
  promtool test rules "$PROMETHEUS_DIR/alerts_test.yml"
}

check_python() {
  # ast.parse checks the syntax without leaving __pycache__ folders in the tree.
  python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' \
    "$ROOT"/tests/container/*.py
  echo "lint: Python test drivers parse"
}

main() {
  [[ $# -eq 0 ]] || { echo "usage: $0" >&2; exit 2; }
  trap cleanup EXIT
  check_tools
  check_scripts
  check_yaml
  check_prometheus
  check_python
}

main "$@"
