#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's server binaries) for tests, and prints its URL.
#   usage: scripts/start-postgres.sh [PORT]   (default 55432)
# Stop it with: scripts/stop-postgres.sh [PORT]
# Data lives in a temp dir whose path is kept in /tmp/sync-pg-PORT.dir. fsync is off: test data only.
set -euo pipefail
port=${1:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "start-postgres: no PostgreSQL server under /usr/lib/postgresql (apt-get install -y postgresql)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/sync-pg-XXXXXX)
chown postgres: "$dir"
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log"
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses=127.0.0.1 -c max_connections=200" \
  start >/dev/null
echo "$dir" >"/tmp/sync-pg-$port.dir"
echo "postgres://postgres@127.0.0.1:$port/postgres"
