#!/usr/bin/env bash
# ensure-node-tools.sh - make sure every devDependency of package.json is installed in the
# repository's node_modules (the offline checkers and dynalite), running `npm ci` only when one
# is missing. A lock keeps parallel test fixtures from installing over each other.
#
# Usage: tests/infra/ensure-node-tools.sh
set -Eeuo pipefail

readonly USAGE="usage: tests/infra/ensure-node-tools.sh"
repo=$(cd "$(dirname "$0")/../.." && pwd)

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Prints the devDependencies of package.json that node_modules lacks.
missing_packages() {
  node -e '
    const fs = require("fs");
    const path = require("path");
    const pkg = JSON.parse(fs.readFileSync(path.join(process.argv[1], "package.json"), "utf8"));
    for (const name of Object.keys(pkg.devDependencies || {})) {
      const file = path.join(process.argv[1], "node_modules", name, "package.json");
      if (!fs.existsSync(file)) console.log(name);
    }' "$repo"
}

install_packages() {
  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then
    echo "ensure-node-tools: all npm tools present"
    return
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found (scripts/install-deps.sh test installs it)"
  echo "ensure-node-tools: installing $(echo "$missing" | tr '\n' ' ')"
  (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  missing=$(missing_packages)
  [ -z "$missing" ] || die "still missing after npm ci: $missing"
}

main() {
  [ $# -eq 0 ] || die "$USAGE"
  command -v node >/dev/null 2>&1 || die "node not found (scripts/install-deps.sh test installs it)"
  mkdir -p "$repo/build"
  exec 9>"$repo/build/.npm-install.lock"
  flock -w 600 9 || die "timed out waiting for another npm install"
  install_packages
}

main "$@"
