#!/usr/bin/env bash
# entrypoint.sh - start PostgreSQL 15 for the local stack, creating the cluster, the role and the
# database on the first start (an empty volume). The password is read from a file, never from
# the environment or the command line.
#
# Usage: entrypoint.sh [postgres options...]
# Environment: PGDATA, POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD_FILE (all required).
set -Eeuo pipefail

die() { echo "error: $*" >&2; exit 1; }

check_settings() {
  [[ -n "${POSTGRES_USER:-}" ]] || die "POSTGRES_USER is not set"
  [[ -n "${POSTGRES_DB:-}" ]] || die "POSTGRES_DB is not set"
  [[ -r "${POSTGRES_PASSWORD_FILE:-}" ]] || die "POSTGRES_PASSWORD_FILE is not a readable file"
  [[ -s "$POSTGRES_PASSWORD_FILE" ]] || die "POSTGRES_PASSWORD_FILE is empty"
}

# The cluster is owned by the role the service logs in as; peer login over the socket only,
# password (SCRAM) over TCP.
init_cluster() {
  [[ -s "$PGDATA/PG_VERSION" ]] && return
  echo "entrypoint: creating the cluster in $PGDATA"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$POSTGRES_PASSWORD_FILE" \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
password_encryption = 'scram-sha-256'
CONF
  cat >"$PGDATA/pg_hba.conf" <<CONF
local all all trust
host all all all scram-sha-256
CONF
  pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait start >/dev/null
  createdb --username="$POSTGRES_USER" --owner="$POSTGRES_USER" "$POSTGRES_DB"
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null
}

main() {
  check_settings
  init_cluster
  exec postgres -D "$PGDATA" "$@"
}

main "$@"
