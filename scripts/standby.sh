#!/usr/bin/env bash
# A real streaming standby of the local Postgres (the primary, 127.0.0.1:5432 by default) for the read-replica
# tests: a second cluster on its own port, made with `pg_basebackup -R`, streaming from the primary.
#
#   scripts/standby.sh up     make it (or reuse a running one of the same primary) and print its URL
#   scripts/standby.sh url    print its URL when it streams, else nothing (exit 1)
#   scripts/standby.sh down   stop it and delete its files
#
# Idempotent: `up` reuses a standby that streams from this primary, and rebuilds one that does not (stopped too
# long, or of another primary). The primary is never restarted or reconfigured beyond one pg_hba.conf line for
# replication from 127.0.0.1 and a `pg_reload_conf()`; if it lacks `wal_level = replica` or a free WAL sender,
# `up` says so and fails. No replication slot: a standby left stopped can never fill the primary's disk.
# Runs as root (CI) or as the postgres user. Environment: VX_PRIMARY_HOST/PORT, VX_STANDBY_PORT, VX_STANDBY_DIR.
set -euo pipefail

primary_host="${VX_PRIMARY_HOST:-127.0.0.1}"
primary_port="${VX_PRIMARY_PORT:-5432}"
port="${VX_STANDBY_PORT:-5442}"
dir="${VX_STANDBY_DIR:-/var/lib/postgresql/vx-standby-$port}"
log="$dir.log"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/pg_ctl" ] || bin="$(dirname "$(command -v pg_ctl)")"
url="postgresql://postgres@127.0.0.1:$port/postgres"

# Postgres refuses to run as root: run its tools as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
primary() { psql -h "$primary_host" -p "$primary_port" -U postgres -d postgres -XAtqc "$1"; }
standby() { psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -XAtqc "$1" 2>/dev/null; }

# Streams from this primary: same system identifier, WAL receiver streaming.
streaming() {
  local ours theirs
  ours="$(primary "SELECT system_identifier FROM pg_control_system()")"
  theirs="$(standby "SELECT system_identifier FROM pg_control_system()")" || return 1
  [ "$ours" = "$theirs" ] || return 1
  [ "$(standby "SELECT pg_is_in_recovery()")" = t ] || return 1
  for _ in $(seq 1 50); do
    [ "$(standby "SELECT status FROM pg_stat_wal_receiver")" = streaming ] && return 0
    sleep 0.1
  done
  return 1
}

stop() {
  if [ -f "$dir/postmaster.pid" ]; then as_postgres "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null || true; fi
}

remove() {
  stop
  rm -rf "$dir" "$log"
}

check_primary() {
  [ "$(primary "SHOW wal_level")" != minimal ] || {
    echo "standby: the primary has wal_level = minimal; it needs replica (a restart the script will not do)" >&2
    exit 1
  }
  local free
  free="$(primary "SELECT current_setting('max_wal_senders')::int - (SELECT count(*) FROM pg_stat_replication)")"
  [ "$free" -ge 2 ] || {
    echo "standby: the primary has $free free WAL senders; pg_basebackup -X stream needs 2" >&2
    exit 1
  }
  local hba
  hba="$(primary "SHOW hba_file")"
  if ! primary "SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND address = '127.0.0.1'" |
    grep -q 1; then
    printf '\n# Added by vx scripts/standby.sh: streaming replication from this machine.\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    primary "SELECT pg_reload_conf()" >/dev/null
    sleep 0.2
  fi
}

# The standby needs at least the primary's values of these, or it refuses to start hot.
primary_limits() {
  primary "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN
    ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions',
     'max_locks_per_transaction')"
}

create() {
  check_primary
  remove
  mkdir -p "$(dirname "$dir")"
  as_postgres "$bin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U postgres -D "$dir" -R -X stream -c fast
  # Debian keeps the primary's configuration outside its data directory: give the standby its own.
  as_postgres tee "$dir/postgresql.conf" >/dev/null <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 32MB
$(primary_limits)
EOF
  as_postgres tee "$dir/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres touch "$log"
  as_postgres "$bin/pg_ctl" -D "$dir" -l "$log" -w -t 60 start >/dev/null
  streaming || {
    echo "standby: started but not streaming from $primary_host:$primary_port; see $log" >&2
    exit 1
  }
}

case "${1:-up}" in
  up)
    if [ -f "$dir/standby.signal" ] && ! standby "SELECT 1" >/dev/null; then
      as_postgres "$bin/pg_ctl" -D "$dir" -l "$log" -w -t 60 start >/dev/null 2>&1 || true
    fi
    streaming || create
    echo "$url"
    ;;
  url) streaming && echo "$url" ;;
  down) remove ;;
  *)
    echo "usage: $0 up|url|down" >&2
    exit 2
    ;;
esac
