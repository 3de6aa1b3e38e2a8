#!/usr/bin/env python3
"""A tiny Airbyte-protocol source in Python 3, standard library only.

It serves one stream, `squares`: rows {"id": "sq-1", "n": 1, "square": 1} up to n = config "count",
incremental on the cursor `n`. A STATE follows every page of `page_size` rows.

    python3 source.py spec
    python3 source.py check    --config config.json
    python3 source.py discover --config config.json
    python3 source.py read     --config config.json --catalog catalog.json [--state state.json]
"""
import argparse
import json
import sys
import time

STREAM = {
    "name": "squares",
    "json_schema": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "n": {"type": "integer"}, "square": {"type": "integer"}},
        "required": ["id", "n", "square"],
    },
    "supported_sync_modes": ["full_refresh", "incremental"],
    "source_defined_cursor": True,
    "default_cursor_field": ["n"],
    "source_defined_primary_key": [["id"]],
}

SPEC = {
    "connectionSpecification": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["count"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "How many squares to serve."},
            "page_size": {"type": "integer", "minimum": 1, "default": 10, "description": "Rows per STATE."},
        },
    }
}


def emit(message):
    """Messages go to stdout, one JSON object per line; anything else goes to stderr."""
    sys.stdout.write(json.dumps(message) + "\n")


def load(path):
    with open(path) as f:
        return json.load(f)


def config_problem(config):
    count = config.get("count")
    if not isinstance(count, int) or count < 0:
        return "count must be a whole number >= 0"
    if not isinstance(config.get("page_size", 10), int) or config.get("page_size", 10) < 1:
        return "page_size must be a whole number >= 1"
    return None


def start_after(state_path):
    """The last `n` already emitted, from a state file: a list of STATE messages (Airbyte's format)."""
    if not state_path:
        return 0
    for state in load(state_path):
        stream = state.get("stream") or {}
        if stream.get("stream_descriptor", {}).get("name") == "squares":
            return stream.get("stream_state", {}).get("n", 0)
    return 0


def read(config, catalog, state_path):
    if not any(s["stream"]["name"] == "squares" for s in catalog["streams"]):
        return
    incremental = next(s for s in catalog["streams"] if s["stream"]["name"] == "squares")["sync_mode"] == "incremental"
    n = start_after(state_path) if incremental else 0
    page_size = config.get("page_size", 10)
    status = lambda s: emit({"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": int(time.time() * 1000),
                             "stream_status": {"stream_descriptor": {"name": "squares"}, "status": s}}})
    status("STARTED")
    while True:
        page = list(range(n + 1, min(n + page_size, config["count"]) + 1))
        for i in page:
            emit({"type": "RECORD", "record": {"stream": "squares", "emitted_at": int(time.time() * 1000),
                                               "data": {"id": f"sq-{i}", "n": i, "square": i * i}}})
        n = page[-1] if page else n
        # One STATE per page, and one at the end even when there was nothing new.
        emit({"type": "STATE", "state": {"type": "STREAM", "sourceStats": {"recordCount": len(page)},
                                         "stream": {"stream_descriptor": {"name": "squares"}, "stream_state": {"n": n}}}})
        if len(page) < page_size:
            break
    status("COMPLETE")


def main():
    parser = argparse.ArgumentParser(description="Squares: a tiny Airbyte source")
    parser.add_argument("command", choices=["spec", "check", "discover", "read"])
    parser.add_argument("--config")
    parser.add_argument("--catalog")
    parser.add_argument("--state")
    args = parser.parse_args()

    if args.command == "spec":
        return emit({"type": "SPEC", "spec": SPEC})
    config = load(args.config)
    problem = config_problem(config)
    if args.command == "check":
        status = {"status": "FAILED", "message": problem} if problem else {"status": "SUCCEEDED"}
        return emit({"type": "CONNECTION_STATUS", "connectionStatus": status})
    if problem:
        emit({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": int(time.time() * 1000),
                                         "error": {"message": problem, "failure_type": "config_error"}}})
        sys.exit(1)
    if args.command == "discover":
        return emit({"type": "CATALOG", "catalog": {"streams": [STREAM]}})
    read(config, load(args.catalog), args.state)


if __name__ == "__main__":
    main()
