#!/usr/bin/env python3
"""Groups a perf profile of Roster by layer (the table "Where the time goes" in RESULTS.md).

    perf record -F 999 -g -o roster.data -p <roster pid> -- sleep 6   # while wrk runs
    perf report -i roster.data --no-children --sort dso,sym -g none --stdio | python3 bench/layers.py

Reads perf's flat report (self time per symbol) and prints each layer's share of the samples.
A symbol goes to the first layer whose pattern it matches; what matches none is "other".
"""
import re
import sys

LAYERS = [
    ("allocator (malloc/free), memcpy", r"malloc|_int_free|cfree|free_collect|unlink_chunk|mi_|memmove|memcpy|memset|memcmp|realloc"),
    ("SQLite engine (b-tree, pager, VDBE)", r"sqlite3|pcache1|btree[A-Z]|getPageNormal|getCellInfo|wal[A-Z]|vdbe[A-Z]|allocateCursor|pager[A-Z]"),
    ("async-graphql execution (fields, values, look-ahead)", r"async_graphql|indexmap|roster::graphql::types::plain"),
    ("sqlx: rows, values, decoding, channels", r"sqlx|flume|from_utf8|uuid|chrono"),
    ("kernel: wake-ups, scheduling, sockets", r"\[k\]"),
    ("crypto: TLS to PostgreSQL (rustls, ring)", r"rustls|ring_core|ring::"),
    ("HTTP (hyper, axum, tower), tokio", r"hyper|axum|tower|tokio|mio"),
    ("JSON (serde_json)", r"serde"),
    ("Roster's own code", r"roster::"),
]


def main() -> None:
    shares = {name: 0.0 for name, _ in LAYERS}
    other = 0.0
    for line in sys.stdin:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(\[[k.]\])\s+(.*)", line)
        if not m:
            continue
        pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4)
        text = f"{kind} {dso} {sym}"
        for name, pattern in LAYERS:
            if re.search(pattern, text):
                shares[name] += pct
                break
        else:
            other += pct
    for name, _ in LAYERS:
        print(f"{shares[name]:5.1f} %  {name}")
    print(f"{other:5.1f} %  other (libc, tracing, hashing, unresolved)")


if __name__ == "__main__":
    main()
