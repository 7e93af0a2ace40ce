#!/usr/bin/env bash
# ensure-docker.sh - get a working Docker engine and the debian:bookworm-slim base image on a
# Debian 12 machine, also where no registry is reachable (the base is then made with debootstrap).
#
# Usage: scripts/ensure-docker.sh [--check]      (as root; --check only reports, changes nothing)
#
# Safe to run again and from several processes at once: each step looks before it acts, and a
# lock file serialises concurrent runs. Where an engine already answers and a compose command
# exists (Docker CE, Docker Desktop, a CI runner), no package is installed. Environment:
#   HELLO_BASE_IMAGE    the base image to provide          (default debian:bookworm-slim)
#   HELLO_BASE_SUITE    the Debian suite it is made from   (default bookworm)
#   HELLO_DOCKERD_LOG   where a dockerd started here logs  (default /var/log/hello-dockerd.log)
#   HELLO_DOCKER_WAIT   seconds to wait for dockerd        (default 60)
#   HELLO_SKIP_PULL=1   do not try the registry first (air-gapped machines fail fast anyway)
set -Eeuo pipefail

readonly BASE_IMAGE=${HELLO_BASE_IMAGE:-debian:bookworm-slim}
readonly BASE_SUITE=${HELLO_BASE_SUITE:-bookworm}
readonly DOCKERD_LOG=${HELLO_DOCKERD_LOG:-/var/log/hello-dockerd.log}
readonly DOCKER_WAIT=${HELLO_DOCKER_WAIT:-60}
readonly SKIP_PULL=${HELLO_SKIP_PULL:-0}
readonly LOCK_FILE=/run/lock/hello-ensure-docker.lock
readonly PACKAGES=(docker.io docker-compose cgroupfs-mount debootstrap ca-certificates)
# Debian's own client (20.10) matches Debian's daemon; it is the one that can run BuildKit.
readonly DOCKER=/usr/bin/docker
WORK_DIR=

usage() { echo "usage: $0 [--check]"; }
say() { echo "ensure-docker: $*"; }
die() { echo "error: $*" >&2; exit 1; }
cleanup() { if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi; }

# missing_packages PKG...: the ones dpkg does not report as installed.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || echo "$pkg"
  done
}

# install_packages PKG...
install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    say "packages present"
    return
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

# Machines without systemd (containers, minimal CI runners) may have no cgroup hierarchy.
mount_cgroups() {
  if grep -qE '^[^ ]+ /sys/fs/cgroup[^ ]* cgroup2? ' /proc/mounts; then
    return
  fi
  say "mounting cgroup hierarchies"
  cgroupfs-mount || die "cgroupfs-mount failed; dockerd needs cgroups"
}

daemon_answers() { "$DOCKER" info >/dev/null 2>&1; }
have_compose() {
  "$DOCKER" compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1
}

start_daemon() {
  local pid i
  if daemon_answers; then
    say "dockerd answers"
    return
  fi
  if [[ -s /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    pid=$(cat /var/run/docker.pid)
    say "dockerd $pid is starting; waiting"
  else
    say "starting dockerd (log: $DOCKERD_LOG)"
    # setsid: the daemon belongs to no caller's session, so it outlives this script and any
    # test that ran it. 9>&-: it must not inherit (and so hold for ever) the lock below.
    setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
  fi
  for ((i = 0; i < DOCKER_WAIT * 5; i++)); do
    daemon_answers && { say "dockerd $pid answers"; return; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 20 "$DOCKERD_LOG" >&2
  die "dockerd did not answer within ${DOCKER_WAIT}s"
}

# The mirror apt uses on this machine, so the base image installs from the same place.
debian_mirror() {
  local uri
  # Missing files are normal (a machine has deb822 sources or a classic list, or neither).
  uri=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | awk '
    /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }
    $1 == "deb" && $2 ~ /\/debian\/?$/ { print $2; exit }') || true
  echo "${uri:-http://deb.debian.org/debian}"
}

# A debootstrap minbase trimmed the way Debian's slim images are: no manuals, no translations,
# no apt lists, and a dpkg rule that keeps them out of every image built on top of it.
make_base_image() {
  local mirror root
  command -v debootstrap >/dev/null || install_packages debootstrap
  mirror=$(debian_mirror)
  WORK_DIR=$(mktemp -d /var/tmp/hello-base.XXXXXX)
  root=$WORK_DIR/root
  say "making $BASE_IMAGE: debootstrap --variant=minbase $BASE_SUITE from $mirror"
  debootstrap --variant=minbase "$BASE_SUITE" "$root" "$mirror" >"$WORK_DIR/log" 2>&1 \
    || { tail -n 20 "$WORK_DIR/log" >&2; die "debootstrap failed"; }

  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# Documentation and translations are not needed in containers.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  # No binary package caches (tens of MB, rebuilt from the lists on the next update) and no
  # downloaded .deb files left behind in any layer.
  cat >"$root/etc/apt/apt.conf.d/slim" <<'EOF'
APT::Install-Recommends "false";
APT::Keep-Downloaded-Packages "false";
Acquire::Languages "none";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $BASE_SUITE $BASE_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian*}/debian-security
Suites: $BASE_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,info,lintian}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
    -exec rm -rf {} +

  tar --numeric-owner -C "$root" -c . \
    | "$DOCKER" import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null \
    || die "docker import failed"
}

ensure_base_image() {
  if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "$BASE_IMAGE present"
    return
  fi
  if [[ "$SKIP_PULL" != 1 ]] && timeout 60 "$DOCKER" pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
    say "pulled $BASE_IMAGE"
    return
  fi
  make_base_image
  say "made $BASE_IMAGE ($("$DOCKER" image inspect -f '{{.Size}}' "$BASE_IMAGE" \
    | awk '{printf "%.1f MB", $1 / 1e6}'))"
}

check_only() {
  daemon_answers || die "dockerd does not answer"
  have_compose || die "neither 'docker compose' nor 'docker-compose' is installed"
  "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "no $BASE_IMAGE image"
  say "ready"
}

main() {
  case "${1:-}" in
    "") ;;
    --check) check_only; return ;;
    -h | --help) usage; return ;;
    *) usage >&2; exit 2 ;;
  esac
  [[ "$(id -u)" -eq 0 ]] || die "run as root (installs packages and starts dockerd)"
  trap cleanup EXIT
  exec 9>"$LOCK_FILE"
  flock -w 600 9 || die "another ensure-docker run held $LOCK_FILE for 10 minutes"
  if daemon_answers && have_compose; then
    say "a Docker engine answers and compose is installed; no packages needed"
  else
    install_packages "${PACKAGES[@]}"
    mount_cgroups
    start_daemon
  fi
  ensure_base_image
}

main "$@"
