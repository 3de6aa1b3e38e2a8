#!/usr/bin/env bash
# Stops the cluster started by scripts/start-postgres.sh on PORT (default 55432) and removes its data.
set -uo pipefail
port=${1:-55432}
marker="/tmp/sync-pg-$port.dir"
[ -f "$marker" ] || exit 0
dir=$(cat "$marker")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
rm -rf "$dir" "$marker"
