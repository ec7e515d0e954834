"""Wall time, peak memory and hot spots of ``maillage build`` on a synthetic corpus of a given size.

    .venv/bin/python benchmarks/profile_build.py --fiches 20000
    .venv/bin/python benchmarks/profile_build.py --fiches 100000 --profiler none --repeat 3
    .venv/bin/python benchmarks/profile_build.py --fiches 2000 --profiler pyinstrument --top 40
    .venv/bin/python benchmarks/profile_build.py --fiches 20000 --profiler py-spy --no-validate

The corpus is ``maillage generate --fiches N --seed S``, the same file ``benchmarks/national.py`` caches
(``--corpus-dir``, default ``benchmarks/corpus/fiches-N-seed-S.txt``; written there once if missing).
Each run is ``maillage build CORPUS --out DIR`` in a child process, under a profiler if asked:

- ``cprofile`` (default, the standard library): the functions with the most time of their own, and the
  most cumulative time, in the build's main process;
- ``pyinstrument`` (``pip install pyinstrument``): its call tree, in the main process;
- ``py-spy`` (``pip install py-spy``, not a dependency of the project): samples the whole process tree
  (the mapping workers and the dump workers too, and native code) and prints the functions with the
  most samples of their own and the most samples under them, in % of all samples;
- ``none``: no profiler, for clean timings.

Each phase is printed with its wall time, the CPU time of the build's main process (its threads
included: the gzip and store sinks), and the CPU time of the whole process tree since the previous
phase ended (worker processes are counted once they are reaped, at the end of the phase that used
them): on a shared machine the CPU seconds say more than the wall time. The load average before and
after each run is printed too.

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

from maillage.graph.releases import remove_output

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

#: Run in the child: the build command under a profiler, the build's phase records written to a file.
CHILD = r"""
import json, logging, resource, sys, time
def tree_cpu():
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )
phases = []
class Keep(logging.Handler):
    def emit(self, record):
        if hasattr(record, "phase"):
            phases.append(
                {
                    "phase": record.phase,
                    "seconds": record.seconds,
                    "cpu": record.cpu,
                    "tree_cpu": tree_cpu(),
                    "ended": time.time(),
                    "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
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
phases.append({"phase": "(end)", "seconds": 0.0, "cpu": 0.0, "tree_cpu": tree_cpu(), "ended": time.time()})
with open(phases_file, "w") as out:
    json.dump(phases, out)
"""


def py_spy_summary(raw: Path, top: int) -> str:
    """py-spy's raw (collapsed) stacks as two lists: samples of a function's own, and under it (in %)."""
    own: dict[str, int] = {}
    under: dict[str, int] = {}
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [
            frame.rsplit(":", 1)[0] + ")" if frame.endswith(")") and ":" in frame else frame
            for frame in stack.split(";")
            if not frame.startswith(("process ", "thread "))
        ]
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + samples
        for frame in set(frames):
            under[frame] = under.get(frame, 0) + samples
    lines = [f"{total:,} samples over the process tree"]
    for title, counts in (("own samples", own), ("samples under (inclusive)", under)):
        lines.append(f"-- {title}")
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
        lines.extend(f"{100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in ranked)
    return "\n".join(lines) + "\n"


def corpus(fiches: int, seed: int, folder: Path) -> Path:
    """The synthetic export of ``fiches`` fiches, generated once (national.py's name for it: shared)."""
    path = folder / f"fiches-{fiches}-seed-{seed}.txt"
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


def _pss(pid: int) -> int:
    """Proportional set size (bytes): the process's resident memory with each page shared by forked
    processes counted once over them all, so that a tree's sum is the memory it really holds."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(root: int) -> tuple[int, int]:
    """Resident memory (bytes) of ``root`` and all its descendants, read from /proc: the sum of their RSS
    (pages shared after a fork counted in each process) and the sum of their PSS (counted once)."""
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
    total, proportional, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        proportional += _pss(pid)
        todo.extend(children.get(pid, ()))
    return total, proportional


def run_once(args: argparse.Namespace, export: Path, out: Path, report: Path) -> dict:
    """One build in a child process; its wall time, peak memory, phases and output."""
    remove_output(out)
    phases_file = report.with_suffix(".phases.json")
    phases_file.unlink(missing_ok=True)
    spy: list[str] = []
    if args.profiler == "py-spy":
        raw = report.with_suffix(".raw")
        binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
        if binary is None:
            raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
        spy = [binary, "record", "--subprocesses", "--nonblocking", "--format", "raw"]
        spy += ["--rate", str(args.rate), "--output", str(raw), "--"]
    command = [
        *spy,
        sys.executable,
        "-c",
        CHILD,
        "none" if spy else args.profiler,
        str(report),
        str(args.top),
        str(phases_file),
        "build",
        str(export),
        "--out",
        str(out),
        *(() if args.validate else ("--no-validate",)),
    ]
    samples: list[tuple[float, int, int]] = []  # (time, RSS and PSS of the process tree)
    load_before = os.getloadavg()
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env={**os.environ, "TQDM_DISABLE": "1"}
    )
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(child.stderr), daemon=True)
    reader.start()
    while child.poll() is None:
        samples.append((time.time(), *_tree_memory(child.pid)))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    reader.join()
    status, usage = child.returncode, resource.getrusage(resource.RUSAGE_CHILDREN)
    phases = json.loads(phases_file.read_text()) if phases_file.exists() else []
    tree_peaks(phases, samples)
    if spy and report.with_suffix(".raw").exists():
        report.write_text(py_spy_summary(report.with_suffix(".raw"), args.top), encoding="utf-8")
    return {
        "wall": wall,
        "status": status,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "tree_cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
        "peak_tree_mb": max((rss for _, rss, _ in samples), default=0) / 2**20,
        "peak_tree_pss_mb": max((pss for _, _, pss in samples), default=0) / 2**20,
        "phases": phases,
        "summary": [line.rstrip() for line in stderr if line.startswith(("files:", "SHACL", "wrote"))],
    }


def tree_peaks(phases: list[dict], samples: list[tuple[float, int, int]]) -> None:
    """Give each top-level phase the largest RSS and PSS of the process tree sampled while it ran
    (``tree_peak_mb``, ``tree_peak_pss_mb``): the memory a phase holds shows where the build's peak grows
    with the corpus."""
    started = samples[0][0] if samples else 0.0
    for phase in phases:
        if phase["phase"].startswith(" ") or "ended" not in phase:
            continue
        during = [(rss, pss) for moment, rss, pss in samples if started <= moment <= phase["ended"]]
        phase["tree_peak_mb"] = max((rss for rss, _ in during), default=0) / 2**20
        phase["tree_peak_pss_mb"] = max((pss for _, pss in during), default=0) / 2**20
        started = phase["ended"]


def phase_tree_cpu(phases: list[dict]) -> list[float | None]:
    """Each top-level phase's CPU over the process tree: the tree's CPU since the previous one ended.

    The first phase is counted from its own start (its wall time's worth of main-process CPU is what
    came before it that we know of: nothing but start-up); indented records (worker processes) and the
    end marker get None.
    """
    out: list[float | None] = []
    previous: float | None = None
    for phase in phases:
        if phase["phase"].startswith(" ") or phase["phase"] == "(end)" or "tree_cpu" not in phase:
            out.append(None)
            continue
        out.append(phase["tree_cpu"] - previous if previous is not None else phase["cpu"])
        previous = phase["tree_cpu"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fiches", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", type=Path, default=HERE / "corpus")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"dataset folder (default: {tempfile.gettempdir()}/maillage-profile/build-N)",
    )
    parser.add_argument(
        "--profiler", choices=["cprofile", "pyinstrument", "py-spy", "none"], default="cprofile"
    )
    parser.add_argument("--rate", type=int, default=50, help="py-spy's samples per second")
    parser.add_argument("--top", type=int, default=25, help="hot spots to print")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-validate", dest="validate", action="store_false")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()

    export = corpus(args.fiches, args.seed, args.corpus_dir)
    work = Path(tempfile.gettempdir()) / "maillage-profile"
    work.mkdir(parents=True, exist_ok=True)
    out = args.out or work / f"build-{args.fiches}"
    report = work / f"profile-{args.fiches}-{args.profiler}.txt"
    runs = []
    for number in range(args.repeat):
        run = run_once(args, export, out, report)
        runs.append(run)
        print(
            f"run {number + 1}/{args.repeat}: {run['wall']:.1f} s (CPU {run['tree_cpu_s']:.1f} s), "
            f"largest process {run['max_rss_mb']:.0f} MB, "
            f"process tree {run['peak_tree_mb']:.0f} MB, exit {run['status']}, load average "
            f"{run['load_average_before'][0]:.2f} before, {run['load_average_after'][0]:.2f} after",
            file=sys.stderr,
        )
    walls = [run["wall"] for run in runs]
    last = runs[-1]
    print(f"\nmaillage build, {args.fiches:,} fiches (seed {args.seed}), profiler {args.profiler}")
    print(f"wall: best {min(walls):.1f} s, median {statistics.median(walls):.1f} s over {len(walls)} run(s)")
    print(
        f"peak memory: largest process {max(r['max_rss_mb'] for r in runs):.0f} MB, "
        f"process tree {max(r['peak_tree_mb'] for r in runs):.0f} MB (RSS summed; PSS, pages shared "
        f"by forked processes counted once: {max(r['peak_tree_pss_mb'] for r in runs):.0f} MB)"
    )
    print(
        f"CPU (whole process tree, last run): {last['tree_cpu_s']:.1f} s; load average (1 min) "
        f"{last['load_average_before'][0]:.2f} before, {last['load_average_after'][0]:.2f} after"
    )
    print(
        "\nphases (last run; wall, CPU of the main process, CPU of the process tree; worker processes "
        "indented; memory: the main process's peak so far, the process tree's peak during the phase):"
    )
    for phase, tree in zip(last["phases"], phase_tree_cpu(last["phases"]), strict=True):
        if phase["phase"] == "(end)":
            continue
        cell = f"   tree {tree:8.1f} s" if tree is not None else ""
        if "main_peak_mb" in phase and "tree_peak_mb" in phase:
            cell += (
                f"   main {phase['main_peak_mb']:6.0f} MB   tree {phase['tree_peak_mb']:6.0f} MB"
                f" (PSS {phase['tree_peak_pss_mb']:.0f})"
            )
        print(f"  {phase['phase']:<44} {phase['seconds']:8.1f} s   CPU {phase['cpu']:8.1f} s{cell}")
    ends = [phase for phase in last["phases"] if phase["phase"] == "(end)"]
    tops = [phase for phase in last["phases"] if "tree_cpu" in phase and not phase["phase"].startswith(" ")]
    if ends and len(tops) > 1:
        after = ends[0]["tree_cpu"] - tops[-2]["tree_cpu"]
        print(f"  {'(after the last phase)':<44} {'':>8}     {'':>12}   tree {after:8.1f} s")
    print("\n" + "\n".join(last["summary"]))
    if args.profiler != "none" and report.exists():
        print(f"\nhot spots ({report}):")
        print(report.read_text())
    if args.json:
        args.json.write_text(json.dumps({"fiches": args.fiches, "seed": args.seed, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
