"""Throughput and peak memory of ``maillage parse`` on a large synthetic export, against the floor.

    .venv/bin/python benchmarks/parse_memory.py [--mb 200] [--out benchmarks/results/parse_memory.json]

Generates an export of at least ``--mb`` megabytes (10^6 bytes) with a fixed seed into a temporary folder,
then runs, each in its own child process:

- the floor: ``python -c`` iterating the file's lines and doing nothing else;
- ``maillage parse FILE`` (the console script beside this interpreter), stdout to /dev/null.

For each it reports wall time, fiches/s, MB/s and the child's peak RSS, then the ratios parse / floor, as a
table and as JSON. The peak RSS of a child is its ``ru_maxrss`` as ``os.wait4`` returns it: the same figure as
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, but per child (RUSAGE_CHILDREN is the maximum over all the
children waited for so far), which the JSON records too as a check. A streaming parser keeps its peak RSS flat
whatever the file size; one that holds the file or its records grows with it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from maillage.graph.generate import generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "parse_memory.json"
SEED = 20251125
MB = 1_000_000

FLOOR_CODE = (
    "import sys\n"
    "with open(sys.argv[1], encoding='utf-8') as f:\n"
    "    for _ in f:\n"
    "        pass\n"
)


class _ByteCounter:
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)


def maillage_executable() -> Path:
    """The ``maillage`` console script installed beside this interpreter (the venv's bin/)."""
    exe = Path(sys.executable).parent / ("maillage.exe" if os.name == "nt" else "maillage")
    if not exe.exists():
        raise SystemExit(f"no maillage console script beside {sys.executable}: run `pip install -e .` first")
    return exe


def make_export(path: Path, target_bytes: int, seed: int) -> dict:
    """Write a synthetic export of at least ``target_bytes``; return its size, fiche count and timing."""
    sample = _ByteCounter()
    generate(500, seed, sample)
    fiches = math.ceil(target_bytes / (sample.bytes / 500) * 1.01)
    while True:
        start = time.perf_counter()
        with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            generate(fiches, seed, out)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
        if size >= target_bytes:
            break
        fiches = math.ceil(fiches * target_bytes / size * 1.01)
    return {
        "fiches": fiches,
        "bytes": size,
        "seconds": round(seconds, 3),
        "fiches_per_s": round(fiches / seconds),
        "mb_per_s": round(size / MB / seconds, 2),
    }


def run_child(argv: list[str], stderr_path: Path) -> dict:
    """Run a child with stdout to /dev/null; its wall time, exit code and peak RSS (kB)."""
    with stderr_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "argv": [str(a) for a in argv],
        "returncode": child.returncode,
        "seconds": round(seconds, 3),
        "peak_rss_kb": usage.ru_maxrss,
        "user_s": round(usage.ru_utime, 3),
        "system_s": round(usage.ru_stime, 3),
        "stderr_tail": stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:],
    }


def rates(run: dict, fiches: int, size: int) -> None:
    run["fiches_per_s"] = round(fiches / run["seconds"]) if run["seconds"] else None
    run["mb_per_s"] = round(size / MB / run["seconds"], 2) if run["seconds"] else None


def parse_summary(stderr: str) -> dict:
    """The counts of the parser's last summary line (``files: 1, fiches read: N, kept: N, …``), if any."""
    found = re.findall(r"([a-z][a-z ]*?): (\d+)", stderr.strip().splitlines()[-1]) if stderr.strip() else []
    return {key.strip().replace(" ", "_"): int(value) for key, value in found}


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=200, help="minimum export size in MB (default 200)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON results")
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the temporary export")
    args = parser.parse_args()
    maillage = maillage_executable()

    with tempfile.TemporaryDirectory(prefix="maillage-parse-memory-", dir=args.dir) as tmp:
        export = Path(tmp) / "synthetic-export.txt"
        print(f"generating ≥ {args.mb:g} MB of synthetic export (seed {args.seed}) …", file=sys.stderr)
        gen = make_export(export, int(args.mb * MB), args.seed)
        fiches, size = gen["fiches"], gen["bytes"]
        print(f"  {fiches:,} fiches, {size / MB:,.1f} MB in {gen['seconds']:.1f} s", file=sys.stderr)

        print("floor: iterating the lines in Python …", file=sys.stderr)
        floor = run_child([sys.executable, "-c", FLOOR_CODE, str(export)], Path(tmp) / "floor.err")
        rates(floor, fiches, size)
        print("maillage parse …", file=sys.stderr)
        parse = run_child([str(maillage), "parse", str(export)], Path(tmp) / "parse.err")
        rates(parse, fiches, size)
        parse["summary"] = parse_summary(parse["stderr_tail"])
        children_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    ok = parse["returncode"] == 0
    results = {
        "benchmark": "parse_memory",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "seed": args.seed,
        "target_mb": args.mb,
        "export": {"fiches": fiches, "bytes": size, "mean_fiche_bytes": round(size / fiches, 1)},
        "generation": gen,
        "floor": floor,
        "parse": parse,
        "ratios": {
            "time": round(parse["seconds"] / floor["seconds"], 2),
            "peak_rss": round(parse["peak_rss_kb"] / floor["peak_rss_kb"], 2),
        } if ok else None,
        "children_maxrss_kb": children_maxrss,
    }

    rows = [("run", "seconds", "fiches/s", "MB/s", "peak RSS (MB)")]
    rows.append(("generate (in process)", f"{gen['seconds']:.2f}", f"{gen['fiches_per_s']:,}",
                 f"{gen['mb_per_s']:.1f}", "-"))
    for name, run in (("floor: iterate lines", floor), ("maillage parse", parse)):
        rows.append((name, f"{run['seconds']:.2f}", f"{run['fiches_per_s']:,}", f"{run['mb_per_s']:.1f}",
                     f"{run['peak_rss_kb'] / 1024:.1f}"))
    print(f"\nexport: {fiches:,} fiches, {size:,} bytes ({size / MB:.1f} MB), "
          f"{size / fiches:,.0f} bytes per fiche")
    print(table(rows))
    if ok:
        r = results["ratios"]
        print(f"\nparse / floor: {r['time']}× the time, {r['peak_rss']}× the peak RSS")
        kept = parse["summary"].get("kept")
        if kept is not None and kept != fiches:
            print(f"warning: the parser kept {kept:,} fiches of {fiches:,}", file=sys.stderr)
    else:
        print(f"\nmaillage parse failed (exit code {parse['returncode']}):\n{parse['stderr_tail']}",
              file=sys.stderr)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
