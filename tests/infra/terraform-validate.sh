#!/usr/bin/env bash
# terraform-validate.sh - `terraform init`, `terraform validate` on every module and root of
# infra/, and the modules' plan-only `terraform test` files, with the AWS provider taken from a
# local provider mirror instead of the registry. Roots are initialised against their committed
# .terraform.lock.hcl, read-only, so a provider that does not match the lock fails the check.
#
# Usage: tests/infra/terraform-validate.sh [--self-test]
#   --self-test  check the checker: two broken copies of modules/ecs-service (an argument the
#                provider does not know; a rolling deployment that stops tasks first) must fail
# Environment:
#   HELLO_TF_PLUGIN_DIR  provider mirror in Terraform's unpacked layout
#                        (<dir>/registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/...);
#                        default: /opt/tf-plugins, else ~/.terraform.d/plugins
# Exit status 77 (ctest: skipped) when there is no terraform binary or no mirror holding the
# locked provider version: the GitHub workflow then runs the same checks with downloads.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly ROOT
readonly SKIPPED=77
readonly PROVIDER=registry.terraform.io/hashicorp/aws
WORK_DIR=

say() { echo "terraform-validate: $*"; }
die() { echo "error: $*" >&2; exit 1; }
skip() { say "skipped: $*"; exit "$SKIPPED"; }
cleanup() { if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi; }

# The provider version every root's lock file pins; they must agree.
locked_version() {
  local versions
  versions=$(sed -nE 's/^ *version *= *"([0-9.]+)"/\1/p' "$ROOT"/infra/*/.terraform.lock.hcl \
    "$ROOT"/infra/environments/*/.terraform.lock.hcl | sort -u)
  [[ -n "$versions" ]] || die "no .terraform.lock.hcl names a provider version"
  [[ $(wc -l <<<"$versions") -eq 1 ]] || die "the lock files pin different versions: $versions"
  echo "$versions"
}

# Every root (what `terraform apply` runs in) has a lock file; modules have none.
check_lock_files() {
  local dir
  for dir in "$ROOT"/infra/bootstrap "$ROOT"/infra/environments/*; do
    [[ -f "$dir/.terraform.lock.hcl" ]] || die "${dir#"$ROOT"/} has no .terraform.lock.hcl"
    grep -q "provider \"$PROVIDER\"" "$dir/.terraform.lock.hcl" \
      || die "${dir#"$ROOT"/}/.terraform.lock.hcl does not lock $PROVIDER"
  done
  for dir in "$ROOT"/infra/modules/*; do
    [[ ! -e "$dir/.terraform.lock.hcl" ]] || die "${dir#"$ROOT"/}: modules carry no lock file"
  done
  say "every root has a lock file"
}

find_mirror() {
  local version=$1 dir
  for dir in "${HELLO_TF_PLUGIN_DIR:-}" /opt/tf-plugins "$HOME/.terraform.d/plugins"; do
    if [[ -n "$dir" && -d "$dir/$PROVIDER/$version" ]]; then
      echo "$dir"
      return
    fi
  done
}

# init DIR MIRROR [init options...]: init without a backend or any network access.
init() {
  local dir=$1 mirror=$2
  shift 2
  terraform -chdir="$dir" init -backend=false -input=false -no-color -plugin-dir="$mirror" "$@" \
    >"$dir/.init.log" 2>&1 || { cat "$dir/.init.log" >&2; die "terraform init failed in $dir"; }
}

# copy_infra: a copy, so that .terraform folders and modules' lock files never land in the tree.
copy_infra() {
  WORK_DIR=$(mktemp -d)
  cp -r "$ROOT/infra" "$WORK_DIR/infra"
}

# check_dir DIR MIRROR: init, validate and (when DIR has tests/) the plan-only tests.
check_dir() {
  local dir=$1 mirror=$2 name=${1#"$WORK_DIR"/}
  if [[ -f "$dir/.terraform.lock.hcl" ]]; then
    init "$dir" "$mirror" -lockfile=readonly
  else
    init "$dir" "$mirror"
  fi
  terraform -chdir="$dir" validate -no-color || return 1
  say "$name: valid"
  if [[ -d "$dir/tests" ]]; then
    terraform -chdir="$dir" test -no-color || return 1
    say "$name: plan-only tests passed"
  fi
}

validate_all() {
  local mirror=$1 dir failed=0
  copy_infra
  for dir in "$WORK_DIR"/infra/bootstrap "$WORK_DIR"/infra/environments/* \
    "$WORK_DIR"/infra/modules/*; do
    check_dir "$dir" "$mirror" || failed=1
  done
  ((failed == 0)) || die "terraform validate or test failed (see above)"
}

# expect_broken WHY FILE FIND REPLACE MIRROR: the module with FIND replaced must fail the check.
expect_broken() {
  local why=$1 file=$2 find=$3 replace=$4 mirror=$5 module
  copy_infra
  module=$WORK_DIR/infra/modules/ecs-service
  grep -qF "$find" "$module/$file" || die "self-test: '$find' is not in $file any more"
  FIND=$find REPLACE=$replace perl -0pi -e 's/\Q$ENV{FIND}\E/$ENV{REPLACE}/' "$module/$file"
  if check_dir "$module" "$mirror" >"$WORK_DIR/check.log" 2>&1; then
    cat "$WORK_DIR/check.log" >&2
    die "self-test: $why passed the check"
  fi
  say "self-test: $why fails the check, as it must"
  cleanup
  WORK_DIR=
}

self_test() {
  local mirror=$1
  expect_broken "an unknown argument" ecs.tf \
    "enable_execute_command            = false" "enable_exec_command = false" "$mirror"
  expect_broken "minimum healthy 50%" ecs.tf \
    "deployment_minimum_healthy_percent = 100" "deployment_minimum_healthy_percent = 50" \
    "$mirror"
}

main() {
  local mode=${1:-} version mirror
  case "$mode" in
    "" | --self-test) ;;
    *) echo "usage: $0 [--self-test]" >&2; exit 2 ;;
  esac
  trap cleanup EXIT
  export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
  # An unset or missing CLI configuration only makes terraform warn; none is needed here.
  export TF_CLI_CONFIG_FILE=/dev/null
  check_lock_files
  command -v terraform >/dev/null || skip "no terraform binary"
  version=$(locked_version)
  mirror=$(find_mirror "$version")
  [[ -n "$mirror" ]] || skip "no provider mirror holds $PROVIDER $version"
  say "provider $PROVIDER $version from $mirror"
  if [[ "$mode" == --self-test ]]; then
    self_test "$mirror"
  else
    validate_all "$mirror"
  fi
}

main "$@"
