"""Wall time, peak memory and hot spots of ``maillage build`` on a synthetic corpus of a given size.

    .venv/bin/python benchmarks/profile_build.py --fiches 20000
    .venv/bin/python benchmarks/profile_build.py --fiches 100000 --profiler none --repeat 3
    .venv/bin/python benchmarks/profile_build.py --fiches 2000 --profiler pyinstrument --top 40

The corpus is ``maillage generate --fiches N --seed S`` (written once into ``--corpus-dir`` and reused).
Each run is ``maillage build CORPUS --out DIR`` in a child process, under a profiler if asked:

- ``cprofile`` (default, the standard library): the functions with the most time of their own, and the
  most cumulative time, in the build's main process;
- ``pyinstrument`` (``pip install pyinstrument``): its call tree, in the main process;
- ``none``: no profiler, for clean timings.

What is printed: wall time; peak memory, both the largest single process (``ru_maxrss`` of the children,
what ``/usr/bin/time -v`` calls "Maximum resident set size") and the largest sum over the build's process
tree (the build runs worker processes beside the main one), sampled every 0.1 s from /proc; the build's
phases (logged by ``maillage.graph.build``: wall and CPU seconds of each step, the worker processes'
dumps too); the CLI's last lines (counts, SHACL); and the hot spots. ``--repeat`` runs the build several
times and prints the best and the median wall time (the machines are shared: timings are noisy).
``--json FILE`` keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Run in the child: the build command under a profiler, the build's phase records written to a file.
CHILD = r"""
import json, logging, sys
phases = []
class Keep(logging.Handler):
    def emit(self, record):
        if hasattr(record, "phase"):
            phases.append({"phase": record.phase, "seconds": record.seconds, "cpu": record.cpu})
logging.getLogger("maillage.graph.build").addHandler(Keep())
logging.getLogger("maillage.graph.build").setLevel(logging.INFO)
from maillage.publish.cli import main
profiler, report, top, phases_file, *argv = sys.argv[1:]
def run():
    try:
        main(argv, standalone_mode=False)
    except SystemExit as stop:
        if stop.code:
            raise
if profiler == "cprofile":
    import cProfile, pstats
    profile = cProfile.Profile()
    profile.runcall(run)
    with open(report, "w") as out:
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("tottime").print_stats(int(top))
        stats.sort_stats("cumulative").print_stats(int(top))
elif profiler == "pyinstrument":
    import pyinstrument
    profile = pyinstrument.Profiler()
    profile.start()
    try:
        run()
    finally:
        profile.stop()
        with open(report, "w") as out:
            out.write(profile.output_text(unicode=True, color=False, show_all=False))
else:
    run()
with open(phases_file, "w") as out:
    json.dump(phases, out)
"""


def corpus(fiches: int, seed: int, folder: Path) -> Path:
    """The synthetic export of ``fiches`` fiches, generated once."""
    path = folder / f"corpus-{fiches}-seed{seed}.txt"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        maillage = Path(sys.executable).with_name("maillage")
        partial = path.with_suffix(".part")
        subprocess.run(
            [str(maillage), "generate", "--fiches", str(fiches), "--seed", str(seed), "--out", str(partial)],
            check=True,
        )
        partial.rename(path)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields[21]) * resource.getpagesize()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def run_once(args: argparse.Namespace, export: Path, out: Path, report: Path) -> dict:
    """One build in a child process; its wall time, peak memory, phases and output."""
    shutil.rmtree(out, ignore_errors=True)
    phases_file = report.with_suffix(".phases.json")
    command = [
        sys.executable,
        "-c",
        CHILD,
        args.profiler,
        str(report),
        str(args.top),
        str(phases_file),
        "build",
        str(export),
        "--out",
        str(out),
        *(() if args.validate else ("--no-validate",)),
    ]
    peak_tree = 0
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env={**os.environ, "TQDM_DISABLE": "1"}
    )
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(child.stderr), daemon=True)
    reader.start()
    while child.poll() is None:
        peak_tree = max(peak_tree, _tree_rss(child.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    reader.join()
    status, usage = child.returncode, resource.getrusage(resource.RUSAGE_CHILDREN)
    phases = json.loads(phases_file.read_text()) if phases_file.exists() else []
    return {
        "wall": wall,
        "status": status,
        "max_rss_mb": usage.ru_maxrss / 1024,
        "peak_tree_mb": peak_tree / 2**20,
        "phases": phases,
        "summary": [line.rstrip() for line in stderr if line.startswith(("files:", "SHACL", "wrote"))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fiches", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", type=Path, default=Path(tempfile.gettempdir()) / "maillage-bench")
    parser.add_argument("--out", type=Path, default=None, help="dataset folder (default: beside the corpus)")
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument", "none"], default="cprofile")
    parser.add_argument("--top", type=int, default=25, help="hot spots to print")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-validate", dest="validate", action="store_false")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()

    export = corpus(args.fiches, args.seed, args.corpus_dir)
    out = args.out or args.corpus_dir / f"build-{args.fiches}"
    report = args.corpus_dir / f"profile-{args.fiches}-{args.profiler}.txt"
    runs = []
    for number in range(args.repeat):
        run = run_once(args, export, out, report)
        runs.append(run)
        print(
            f"run {number + 1}/{args.repeat}: {run['wall']:.1f} s, "
            f"largest process {run['max_rss_mb']:.0f} MB, "
            f"process tree {run['peak_tree_mb']:.0f} MB, exit {run['status']}",
            file=sys.stderr,
        )
    walls = [run["wall"] for run in runs]
    last = runs[-1]
    print(f"\nmaillage build, {args.fiches:,} fiches (seed {args.seed}), profiler {args.profiler}")
    print(f"wall: best {min(walls):.1f} s, median {statistics.median(walls):.1f} s over {len(walls)} run(s)")
    print(
        f"peak memory: largest process {max(r['max_rss_mb'] for r in runs):.0f} MB, "
        f"process tree {max(r['peak_tree_mb'] for r in runs):.0f} MB"
    )
    print("\nphases (last run; wall and CPU seconds of the main process, worker processes indented):")
    for phase in last["phases"]:
        print(f"  {phase['phase']:<44} {phase['seconds']:8.1f} s   CPU {phase['cpu']:8.1f} s")
    print("\n" + "\n".join(last["summary"]))
    if args.profiler != "none" and report.exists():
        print(f"\nhot spots ({report}):")
        print(report.read_text())
    if args.json:
        args.json.write_text(json.dumps({"fiches": args.fiches, "seed": args.seed, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
