"""Catalogue questions through the real endpoint over HTTP on loopback: cached and uncached medians.

Usage: .venv/bin/python benchmarks/endpoint_catalogue.py --data DIR [--runs 5] [--store memory|disk]
        [--out benchmarks/results/endpoint_catalogue.json]

Starts `maillage serve` on a free loopback port, then for each catalogue question measures the median
wall time of RUNS requests (Accept: SPARQL JSON) as a client sees it: "cached" repeats the exact text
(the server warms the catalogue at start-up, so these are cache hits), "uncached" appends a distinct
comment to each request so the guard, a query worker and the serialisation all run every time.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from maillage.graph.catalogue import catalogue

MAILLAGE = str(Path(sys.executable).with_name("maillage"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_get(base: str, query: str) -> tuple[float, int]:
    request = urllib.request.Request(
        f"{base}/sparql?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(json.loads(body)["results"]["bindings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store", default="memory", choices=["memory", "disk"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/endpoint_catalogue.json"))
    args = parser.parse_args()

    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [MAILLAGE, "serve", "--data", str(args.data), "--port", str(port), "--store", args.store,
         "--max-rows", "100000"],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                timed_get(base, "SELECT * WHERE {} LIMIT 1")
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.5)
        startup = time.perf_counter() - started
        rows = []
        for question in catalogue():
            cached = [timed_get(base, question.query)[0] for _ in range(args.runs)]
            uncached = [timed_get(base, f"{question.query}\n# run {i}")[0] for i in range(args.runs)]
            count = timed_get(base, question.query)[1]
            rows.append({"question": question.name, "rows": count,
                         "cached_ms": round(statistics.median(cached), 1),
                         "uncached_ms": round(statistics.median(uncached), 1)})
    finally:
        server.terminate()
        server.wait(30)

    print(f"server start-up (workers loaded, catalogue warmed): {startup:.1f} s, store: {args.store}")
    print(f"{'question':40} {'rows':>7} {'cached ms':>10} {'uncached ms':>12}")
    for row in rows:
        print(f"{row['question']:40} {row['rows']:>7} {row['cached_ms']:>10} {row['uncached_ms']:>12}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"data": str(args.data), "store": args.store, "runs": args.runs,
                                    "startup_s": round(startup, 1), "questions": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
