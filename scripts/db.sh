#!/usr/bin/env bash
# The throwaway PostgreSQL cluster inside the project: unix socket only, trust auth, tuned for tests.
#   scripts/db.sh start|stop|url|status
# When DATABASE_URL is set, everything talks to that server and this script does nothing.
# REACTIVATE_CLUSTER_DIR puts the cluster elsewhere (the shard benchmark's three servers, with the same tuning).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cluster="${REACTIVATE_CLUSTER_DIR:-$root/.pg}"
database=reactivate

bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "db: no PostgreSQL server binaries found; run 'make deps'" >&2; exit 1; }
  echo "$dir"
}

# initdb and postgres refuse to run as root: run them as the 'postgres' OS user then.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

owner_user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

url() { echo "postgresql:///$database?host=$cluster&user=$(owner_user)"; }

start() {
  if [ -n "${DATABASE_URL:-}" ]; then return 0; fi
  local bin; bin=$(bindir)
  mkdir -p "$cluster"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$cluster"
    if ! runuser -u postgres -- test -x "$cluster"; then
      echo "db: the postgres OS user cannot reach $cluster (a parent folder is not searchable)." >&2
      echo "    fix: chmod o+x the parent folders, or set DATABASE_URL to an existing server" >&2
      exit 1
    fi
  fi
  chmod 700 "$cluster"
  if [ ! -f "$cluster/data/PG_VERSION" ]; then
    echo "db: creating a throwaway cluster in $cluster" >&2
    as_owner "$bin/initdb" -D "$cluster/data" -U "$(owner_user)" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 \
      || { cat "$cluster/initdb.log" >&2; exit 1; }
    cat >>"$cluster/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$cluster'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
fsync = off
synchronous_commit = off
full_page_writes = off
max_parallel_workers_per_gather = 2
timezone = 'UTC'
log_min_messages = warning
CONF
  fi
  if ! as_owner "$bin/pg_ctl" -D "$cluster/data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$cluster/server.log" >&2; exit 1; }
  fi
  if ! psql "$(url | sed "s|/$database?|/postgres?|")" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    psql "$(url | sed "s|/$database?|/postgres?|")" -qc "CREATE DATABASE $database" >/dev/null
  fi
}

stop() {
  [ -f "$cluster/data/PG_VERSION" ] || return 0
  local bin; bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; else url; fi ;;
  status) as_owner "$(bindir)/pg_ctl" -D "$cluster/data" status ;;
  *) echo "usage: scripts/db.sh start|stop|url|status" >&2; exit 2 ;;
esac
