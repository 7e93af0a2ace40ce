#!/usr/bin/env bash
# check-style.sh - fail when a tracked file breaks the project's formatting rules.
#
# Usage: tests/lint/check-style.sh clang-format|shell-lint|line-length
#   clang-format  every C++ file is formatted as .clang-format says
#   shell-lint    every shell script passes shellcheck
#   line-length   no C++, CMake, shell or Terraform (.tf, .hcl) line exceeds 100 columns
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Tracked and new (not ignored) files matching the patterns, relative to the root.
project_files() {
  git -C "$ROOT" ls-files --cached --others --exclude-standard -- "$@" \
    | while read -r file; do [ -f "$ROOT/$file" ] && printf '%s\n' "$file"; done
}

check_clang_format() {
  local files
  mapfile -t files < <(project_files '*.cpp' '*.hpp')
  [ ${#files[@]} -gt 0 ] || die "no C++ files found"
  (cd "$ROOT" && clang-format --dry-run --Werror "${files[@]}")
  echo "clang-format: ${#files[@]} files formatted"
}

check_shellcheck() {
  local files
  mapfile -t files < <(project_files '*.sh' '.ci/run')
  [ ${#files[@]} -gt 0 ] || die "no shell scripts found"
  (cd "$ROOT" && shellcheck -x "${files[@]}")
  echo "shellcheck: ${#files[@]} scripts clean"
}

check_line_length() {
  local files long
  mapfile -t files < <(project_files '*.cpp' '*.hpp' '*.cmake' 'CMakeLists.txt' '*.sh' '*.tf' \
    '*.hcl')
  [ ${#files[@]} -gt 0 ] || die "no files found"
  long=$(cd "$ROOT" && awk 'length > 100 { print FILENAME ":" FNR ": " length " columns" }' \
    "${files[@]}")
  if [ -n "$long" ]; then
    printf '%s\n' "$long" >&2
    die "lines longer than 100 columns"
  fi
  echo "line-length: ${#files[@]} files within 100 columns"
}

main() {
  case "${1:-}" in
    clang-format) check_clang_format ;;
    shell-lint) check_shellcheck ;;
    line-length) check_line_length ;;
    *) die "usage: $0 clang-format|shell-lint|line-length" ;;
  esac
}

main "$@"
