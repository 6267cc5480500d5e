#!/usr/bin/env bash
# A PostgreSQL server for the persistence tests, on a loopback port; prints its URL.
#
# Installs the server from Debian's packages when it is missing (apt-get, as root), creates a
# cluster owned by the postgres user in $BALANS_TEST_POSTGRES_DATA, starts it on 127.0.0.1 at
# $BALANS_TEST_POSTGRES_PORT and creates the database balans_test. Idempotent: a cluster that
# is already running is reused, so a second run takes a fraction of a second.
set -euo pipefail

PORT="${BALANS_TEST_POSTGRES_PORT:-54329}"
DATA="${BALANS_TEST_POSTGRES_DATA:-/var/tmp/balans-test-postgres}"
DATABASE=balans_test

log() { echo "postgres: $*" >&2; }
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ "$(id -u)" = 0 ]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

exec 9>"$DATA.lock"
flock 9

BIN="$(bindir)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "the PostgreSQL server is not installed, and installing it needs root"
    exit 1
  fi
  log "installing the PostgreSQL server from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(bindir)"
fi

if [ ! -s "$DATA/PG_VERSION" ]; then
  log "creating a cluster in $DATA"
  mkdir -p "$DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA"; fi
  chmod 700 "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >&2
fi

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "starting the cluster on 127.0.0.1:$PORT"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start -o \
    "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    </dev/null >&2 9>&-  # the server must not hold the lock (or the caller's pipes) open
fi

if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1; then
  as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DATABASE"
fi

echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DATABASE"
