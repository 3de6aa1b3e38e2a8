#!/bin/sh
# A tiny Airbyte-protocol source in POSIX shell. One stream, `countdown`: rows
# {"id": "c-1", "n": 1} up to n = config "count" (a whole number), incremental on the cursor `n`,
# with a STATE after each row. JSON is read with sed: enough for these flat files, not a general parser.
#
#   sh source.sh spec | check --config F | discover --config F | read --config F --catalog F [--state F]
set -eu

command=${1:-}
config= state=
[ $# -gt 0 ] && shift
while [ $# -gt 1 ]; do
  case $1 in
    --config) config=$2 ;;
    --state) state=$2 ;;
  esac
  shift 2
done

# number FIELD FILE: the first whole number following "FIELD": in FILE, or nothing.
number() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1; }
now_ms() { echo "$(date +%s)000"; }

case $command in
  spec)
    echo '{"type":"SPEC","spec":{"connectionSpecification":{"type":"object","required":["count"],"properties":{"count":{"type":"integer","minimum":0}}}}}'
    ;;
  check)
    if [ -n "$(number count "$config")" ]; then
      echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}'
    else
      echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"count must be a whole number"}}'
    fi
    ;;
  discover)
    echo '{"type":"CATALOG","catalog":{"streams":[{"name":"countdown","json_schema":{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}}},"supported_sync_modes":["full_refresh","incremental"],"source_defined_cursor":true,"default_cursor_field":["n"],"source_defined_primary_key":[["id"]]}]}}'
    ;;
  read)
    count=$(number count "$config")
    n=0
    if [ -n "$state" ]; then n=$(number n "$state"); n=${n:-0}; fi
    start=$n
    while [ "$n" -lt "$count" ]; do
      n=$((n + 1))
      echo "{\"type\":\"RECORD\",\"record\":{\"stream\":\"countdown\",\"emitted_at\":$(now_ms),\"data\":{\"id\":\"c-$n\",\"n\":$n}}}"
      echo "{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"countdown\"},\"stream_state\":{\"n\":$n}},\"sourceStats\":{\"recordCount\":1}}}"
    done
    # Nothing new: still one STATE, so every stream gets at least one.
    if [ "$n" -eq "$start" ]; then
      echo "{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"countdown\"},\"stream_state\":{\"n\":$n}},\"sourceStats\":{\"recordCount\":0}}}"
    fi
    ;;
  *)
    echo "usage: source.sh spec|check|discover|read [--config F] [--catalog F] [--state F]" >&2
    exit 2
    ;;
esac
