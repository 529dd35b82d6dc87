#!/usr/bin/env bash
# Private PostgreSQL cluster for Rollbook's `make run`, `make test` and `make bench`.
#
#   scripts/pg.sh install        install Debian packages that are missing (see scripts/deps.sh)
#   scripts/pg.sh start NAME     initialise (once) and start cluster NAME; print its base URL
#   scripts/pg.sh stop NAME      stop cluster NAME (MODE=immediate for a crash-like stop)
#   scripts/pg.sh remove NAME    stop cluster NAME at once and delete it (tests' own clusters)
#   scripts/pg.sh url NAME       print the base URL (postgres://…/?host=socketdir) of cluster NAME
#
# The cluster lives in .data/pg-NAME inside the project (git-ignored) and listens only on a Unix
# socket in that folder. PostgreSQL refuses to run as root, so as root every server command runs as
# the `postgres` OS user; when that user cannot reach the project folder (a checkout under /root),
# the cluster lives in /var/tmp/rollbook-<hash>/pg-NAME instead. DURABLE=1 keeps fsync on (bench).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"
name="${2:-dev}"

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return 0; }
  return 1
}

install() {
  ROLLBOOK_SKIP_BROWSER=1 "$here/scripts/deps.sh"
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cluster_dir() {
  local base="$here/.data"
  mkdir -p "$base"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -w "$base" -a -x "$base" 2>/dev/null; then
    chown postgres "$base" 2>/dev/null || true
    if ! runuser -u postgres -- test -x "$base" 2>/dev/null; then
      base="/var/tmp/rollbook-$(printf '%s' "$here" | sha256sum | cut -c1-12)"
      mkdir -p "$base"
      chown postgres "$base"
    fi
  fi
  local dir="$base/pg-$name"
  # A Unix socket path must stay under ~100 bytes.
  if [ ${#dir} -gt 80 ]; then
    dir="/var/tmp/rollbook-$(printf '%s' "$here" | sha256sum | cut -c1-12)/pg-$name"
    mkdir -p "$(dirname "$dir")"
    [ "$(id -u)" -eq 0 ] && chown postgres "$(dirname "$dir")"
  fi
  echo "$dir"
}

url_for() { echo "postgres://rollbook@localhost/postgres?host=$1"; }

start() {
  install
  local bin dir
  bin="$(pg_bindir)"
  dir="$(cluster_dir)"
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    as_pg "$bin/initdb" -D "$dir" -U rollbook --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; exit 1; }
    local durable="off"
    [ "${DURABLE:-0}" = "1" ] && durable="on"
    cat >>"$dir/postgresql.conf" <<CONF
# Rollbook private cluster: Unix socket in this folder only, no TCP.
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 300
jit = off
shared_buffers = 256MB
fsync = $durable
synchronous_commit = $durable
full_page_writes = $durable
CONF
  fi
  # `make bench` counts each row's SQL statements per request with pg_stat_statements.
  if [ "${DURABLE:-0}" = "1" ] && ! grep -q "^shared_preload_libraries" "$dir/postgresql.conf"; then
    echo "shared_preload_libraries = 'pg_stat_statements'" >>"$dir/postgresql.conf"
    if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null \
        || { tail -20 "$dir/server.log" >&2; exit 1; }
    fi
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
  fi
  url_for "$dir"
}

stop() {
  local bin dir
  bin="$(pg_bindir)"
  dir="$(cluster_dir)"
  [ -f "$dir/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir" -m "${MODE:-fast}" -w stop >/dev/null 2>&1 || true
}

remove() {
  local dir
  dir="$(cluster_dir)"
  MODE=immediate stop
  rm -rf "$dir" "$dir.initdb.log"
}

case "$cmd" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  remove) remove ;;
  url) url_for "$(cluster_dir)" ;;
  dir) cluster_dir ;;
  *) echo "usage: $0 install|start|stop|remove|url|dir [NAME]" >&2; exit 2 ;;
esac
