#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 server for the tests, on a private port and data
# directory, owned by the `postgres` system user (the server refuses to run as root).
#   scripts/pg-server.sh start DIR PORT   -> prints the connection URL
#   scripts/pg-server.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data dir}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    port=${3:?port}
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_pg "$pgbin/initdb" -D "$dir/data" -U yishu --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=128MB" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://yishu@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
esac
