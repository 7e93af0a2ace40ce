#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages needed to build, run and test hello-birthday.
#
# Usage: scripts/install-deps.sh [build|test|all]   (run as root; default: all)
#   build  compiler, CMake and the libraries the service links against
#   test   build, plus the servers and tools the test suite and benchmark start
#   all    same as test
#
# Idempotent: packages already installed are skipped, so a second run takes a second.
set -Eeuo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates tzdata
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libutf8proc-dev libhowardhinnant-date-dev libspdlog-dev libfmt-dev
  prometheus-cpp-dev libcli11-dev libpq-dev libcurl4-openssl-dev
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev postgresql-15 postgresql-client-15 nodejs
  wrk nginx-light curl python3 procps clang-format clang-tidy shellcheck yamllint
  prometheus graphviz util-linux jq openssl
)

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Print the packages of "$@" that dpkg does not report as installed.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || printf '%s\n' "$pkg"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#@} packages present"
    return
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

# Test-only npm tools (dynalite, HCL and workflow checkers), pinned by package-lock.json.
install_npm_tools() {
  local root
  root=$(cd "$(dirname "$0")/.." && pwd)
  local stamp="$root/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$root/package-lock.json" ]; then
    echo "install-deps: npm test tools present"
    return
  fi
  echo "install-deps: installing npm test tools (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
}

main() {
  local what=${1:-all}
  [ "$(id -u)" -eq 0 ] || die "run as root (it installs Debian packages)"
  case "$what" in
    build) install_packages "${BUILD_PACKAGES[@]}" ;;
    test | all)
      install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
      # Debian's nodejs needs the separate npm package; NodeSource's bundles npm and conflicts.
      command -v npm >/dev/null 2>&1 || install_packages npm
      install_npm_tools
      ;;
    *) die "usage: $0 [build|test|all]" ;;
  esac
}

main "$@"
