"""National-scale figures in one command: ours against the named baselines at 2,000, 20,000, 100,000 fiches.

    .venv/bin/python benchmarks/national.py [--sizes 2000,20000,100000] [--quick] [--seed 1]
        [--out-dir benchmarks/results] [--corpus-dir benchmarks/corpus] [--budget 1140] [--keep]

For each size it generates a corpus (``maillage generate --fiches N --seed S``, cached under
``--corpus-dir`` between runs) and measures, in the same run:

- **build**: ``maillage build --no-validate`` as a child process (wall time, fiches/s, triples/s, peak RSS)
  against the same pipeline done naively in one process: the same parser and mapper
  (``read_exports``, ``Mapper``), each triple added to an rdflib ``Graph()``, then the dumps our build
  publishes serialised by rdflib (N-Triples, Turtle, JSON-LD with the project's context);
- **query**: every catalogue question on the served store (``maillage serve`` over HTTP on loopback): the
  first request of a text the server has not answered yet (cold: guard, worker, serialisation), the median
  of 5 such uncached requests, and the median of 5 requests of the exact catalogue text (warm: served from
  the answer cache that ``maillage serve`` fills at start-up); also in process on the on-disk store;
  against rdflib's in-memory SPARQL (``Graph().parse(graph.nt)``);
- **endpoint**: throughput and p50/p99 latency with 1, 8 and 32 concurrent clients mixing the catalogue
  questions, against rdflib-endpoint serving graph.nt;
- **networks**: ``build_network``, ``add_measures`` and ``write_view`` for each network kind, the view's
  bytes; against pyvis (``Network.from_nx`` + ``write_html``) for the view;
- **publish**: ``maillage publish`` time, files and bytes.

Every step runs under a cap and the whole run under ``--budget`` seconds: what does not finish is reported
as "dnf" (did not finish within N s), never waited for. A baseline that did not finish at a size is not
run at larger sizes (reported as dnf, with the size where it stopped). Writes
``national-YYYY-MM-DD.json`` and ``.png`` into ``--out-dir`` and prints the tables. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from maillage.graph.releases import remove_output

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MAILLAGE = str(BIN / "maillage")
RDFLIB_ENDPOINT = str(BIN / "rdflib-endpoint")
JSON_RESULTS = "application/sparql-results+json"
PROBE_QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
#: Seconds kept back from the budget for writing the results.
RESERVE_S = 10.0
#: A step given less than this is skipped rather than started.
MIN_STEP_S = 5.0
#: How long after its cap a child that did not stop by itself is killed.
GRACE_S = 10.0
MiB = 1024 * 1024
PACKAGES = (
    "maillage",
    "rdflib",
    "pyoxigraph",
    "rdflib-endpoint",
    "networkx",
    "pyvis",
    "flask",
    "waitress",
    "uvicorn",
    "fastapi",
    "psutil",
    "matplotlib",
)


@dataclass(frozen=True)
class Settings:
    """Sizes, repetitions and the caps of every step (seconds); ``quick`` shrinks them for a smoke run."""

    sizes: tuple[int, ...] = (2000, 20000, 100000)
    seed: int = 1
    runs: int = 5
    budget_s: float = 1140.0
    generate_cap_s: float = 240.0
    #: The 100,000-fiche build took 11-12 minutes of a quiet machine before the fast paths of
    #: 2026-12-02 (1,257 s of CPU on 2 cores): the cap leaves it room; see ``plan_builds``.
    build_cap_s: float = 900.0
    server_start_cap_s: float = 300.0
    server_time_limit_s: float = 60.0
    server_max_rows: int = 1_000_000
    embedded_budget_s: float = 20.0
    phase_s: float = 5.0
    clients: tuple[int, ...] = (1, 8, 32)
    request_timeout_s: float = 10.0
    drain_s: float = 5.0
    network_step_cap_s: float = 20.0
    network_cap_s: float = 120.0
    pyvis_cap_s: float = 10.0
    publish_cap_s: float = 120.0
    #: The naive build's phases (parse, map into rdflib, then each dump): see ``child_rdflib_build``.
    parse_cap_s: float = 60.0
    map_cap_s: float = 120.0
    serialise_cap_s: float = 30.0
    rdflib_query_budget_s: float = 90.0
    rdflib_query_timeout_s: float = 15.0
    rdflib_endpoint_load_cap_s: float = 90.0
    #: Restart rdflib-endpoint when it is still busy ``drain_s`` after a phase (it serves one query at a
    #: time, so the next phase starts with the backlog: flagged ``busy_after_s``). Off: a reload costs
    #: more than the phase, and a phase whose median already timed out ends the baseline's phases anyway.
    restart_baseline: bool = False


def quick_settings(base: Settings) -> Settings:
    """A smoke run: one tiny corpus (100 fiches), short phases and caps; for CI, about a minute."""
    return replace(
        base,
        sizes=(100,),
        runs=2,
        budget_s=150.0,
        phase_s=0.5,
        request_timeout_s=1.0,
        drain_s=0.5,
        embedded_budget_s=10.0,
        network_step_cap_s=10.0,
        network_cap_s=40.0,
        pyvis_cap_s=5.0,
        publish_cap_s=40.0,
        parse_cap_s=10.0,
        map_cap_s=20.0,
        serialise_cap_s=10.0,
        rdflib_query_budget_s=5.0,
        rdflib_query_timeout_s=2.0,
        rdflib_endpoint_load_cap_s=30.0,
        server_time_limit_s=20.0,
    )


# ------------------------------------------------------------------------------------------------------
# Outcomes: every measurement is a dict with a "status"; what did not finish says so and within what.


def skipped(reason: str) -> dict[str, Any]:
    """A step not run for a reason other than its own cap (budget spent, nothing to measure)."""
    return {"status": "skipped", "reason": reason}


def dnf(cap: float, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    """Did not finish within ``cap`` seconds: a result, not a failure, and never an endless wait."""
    return {
        "status": "dnf",
        "cap_s": round(cap, 1),
        "reason": reason or f"did not finish within {cap:.0f} s",
        **extra,
    }


def inherited_dnf(earlier: dict[str, Any], size: int) -> dict[str, Any]:
    """The baseline did not finish at the smaller ``size``: a larger corpus cannot finish sooner."""
    cap = earlier.get("cap_s", 0.0)
    return dnf(cap, f"not run: did not finish within {cap:.0f} s at {size:,} fiches", inherited_from=size)


class Budget:
    """The whole run's time: each step gets min(its cap, what is left), so the run always ends.

    Part of what is left may be *reserved* (``reserve``): the projected builds of the larger sizes, so that
    the measurements of a smaller size never eat the time the largest build needs; a step that would reach
    into the reserve is capped short of it, or skipped, and says why.
    """

    def __init__(self, total_s: float) -> None:
        self.total_s = total_s
        self.started = time.monotonic()
        self.reserved_s = 0.0
        self.reserved_for = ""

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        return self.total_s - self.elapsed() - RESERVE_S

    def reserve(self, seconds: float, what: str = "") -> None:
        self.reserved_s, self.reserved_for = max(0.0, seconds), what

    def cap(self, wanted: float) -> float | None:
        """The cap a step may use now, or None when too little is left to start it."""
        left = self.left() - self.reserved_s
        return None if left < MIN_STEP_S else min(wanted, left)

    def spent(self) -> dict[str, Any]:
        if self.reserved_s and self.left() >= MIN_STEP_S:
            return skipped(
                f"not started: the {self.left():.0f} s left of the run's budget are kept for "
                f"{self.reserved_for} (projected {self.reserved_s:.0f} s)"
            )
        return skipped(f"the run's time budget ({self.total_s:.0f} s) was spent")


# ------------------------------------------------------------------------------------------------------
# Child processes: wall time, peak RSS, a hard cap; each in its own process group so it can be stopped.


@dataclass
class ChildRun:
    """How a child process ended: ``status`` ok, dnf (killed at its cap) or failed (non-zero exit)."""

    status: str
    seconds: float
    returncode: int | None
    peak_rss_bytes: int
    peak_tree_rss_bytes: int
    #: The tree's peak PSS: pages shared by forked workers counted once (RSS counts them in each).
    peak_tree_pss_bytes: int


def _tree(pid: int) -> list[psutil.Process]:
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants (a build or server may use several)."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def tree_pss(pid: int) -> int:
    """The tree's proportional set size: its resident memory with each page shared after a fork counted
    once, the memory the tree really holds."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += member.memory_full_info().pss
    return total


class TreeSampler:
    """Samples the process tree's RSS and PSS every 0.2 s: wait4's ru_maxrss is one process's peak, not
    the sum."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, tree_rss(self.pid))
            self.peak_pss = max(self.peak_pss, tree_pss(self.pid))

    def stop(self) -> tuple[int, int]:
        self._stop.set()
        self._thread.join()
        return self.peak, self.peak_pss


def stop_group(pid: int, grace: float = 5.0) -> None:
    """SIGTERM the process group we started, then SIGKILL whatever is left of it after ``grace``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_child(command: list[str], cap: float, log: Path) -> ChildRun:
    """Run ``command`` with stderr to ``log``; killed (with its group) at ``cap`` seconds and then "dnf"."""
    started = time.perf_counter()
    with log.open("ab") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    sampler = TreeSampler(process.pid)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > cap:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # grandchildren left behind, if any
    peak_tree, peak_pss = sampler.stop()
    peak = usage.ru_maxrss * 1024
    state = "dnf" if timed_out else ("ok" if process.returncode == 0 else "failed")
    code = None if timed_out else process.returncode
    return ChildRun(state, seconds, code, peak, max(peak_tree, peak), peak_pss)


def log_tail(log: Path, lines: int = 5) -> str:
    """The last lines of a child's stderr, kept in the results when it failed."""
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    return ""


def run_spec_child(
    kind: str, spec: dict[str, Any], cap: float, workdir: Path
) -> tuple[dict[str, Any], ChildRun]:
    """Run this file as a child measuring ``kind``; its result file holds what it measured, even if killed."""
    spec_path = workdir / f"{kind}-spec.json"
    result_path = workdir / f"{kind}-result.json"
    result_path.unlink(missing_ok=True)
    spec = {**spec, "result": str(result_path)}
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    run = run_child(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(spec_path)],
        cap + GRACE_S,
        workdir / f"{kind}.log",
    )
    result = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else {}
    if run.status == "failed" and not result:
        result = {"error": log_tail(workdir / f"{kind}.log")}
    return result, run


# ------------------------------------------------------------------------------------------------------
# HTTP on loopback: a keep-alive client, a server child, percentiles.


class Client:
    """One keep-alive connection to a loopback server; a failed request reconnects next time."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes, float]:
        """(status, body, seconds); status -1 for a timeout, 0 for a connection error."""
        for attempt in range(2):
            reused = self.conn is not None
            started = time.perf_counter()
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                self.conn.request("GET", path, headers={"Accept": JSON_RESULTS})
                response = self.conn.getresponse()
                body = response.read()
                if response.will_close:
                    self.close()
                return response.status, body, time.perf_counter() - started
            except TimeoutError:
                self.close()
                return -1, b"", time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                self.close()
                if not (reused and attempt == 0):  # a stale keep-alive connection gets one retry
                    return 0, b"", time.perf_counter() - started
        return 0, b"", 0.0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def query_path(endpoint: str, text: str) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': text})}"


def uncached(text: str) -> str:
    """The same question as a text no cache has seen: a unique trailing comment."""
    return f"{text}\n# national {uuid.uuid4().hex}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A SPARQL server child on 127.0.0.1, in its own process group (stopping it stops its workers)."""

    def __init__(self, command: list[str], port: int, endpoint: str, log: Path) -> None:
        self.command, self.port, self.endpoint, self.log = command, port, endpoint, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, cap: float) -> dict[str, Any]:
        """Start it and wait until it answers a query: start-up time (load included) and its memory."""
        started = time.perf_counter()
        with self.log.open("ab") as err:
            self.process = subprocess.Popen(
                self.command, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
            )
        client = Client(self.port, 5.0)
        while time.perf_counter() - started < cap:
            if self.process.poll() is not None:
                return {"status": "failed", "reason": log_tail(self.log)}
            if client.get(query_path(self.endpoint, PROBE_QUERY))[0] == 200:
                client.close()
                return {
                    "status": "ok",
                    "seconds": round(time.perf_counter() - started, 2),
                    "rss_bytes": tree_rss(self.process.pid),
                }
            time.sleep(0.25)
        self.stop()
        return dnf(cap, f"not answering within {cap:.0f} s (loading the graph)")

    def idle(self, timeout: float, text: str = PROBE_QUERY) -> bool:
        """Whether a new query is answered within ``timeout``: the backlog of a load phase is drained."""
        client = Client(self.port, timeout)
        try:
            return client.get(query_path(self.endpoint, text))[0] == 200
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_group(self.process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        self.process = None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (may be inf: a request that timed out)."""
    return values[max(0, math.ceil(q * len(values)) - 1)]


def median_ms(seconds: list[float]) -> float | None:
    return round(statistics.median(seconds) * 1000, 2) if seconds else None


# ------------------------------------------------------------------------------------------------------
# Corpus and build (ours).


def generator_digest() -> str:
    """What makes a cached corpus stale: the generator's code and vocabulary (and the package version)."""
    from importlib.resources import files

    digest = hashlib.sha256(importlib.metadata.version("maillage").encode())
    package = files("maillage.graph")
    for name in ("generate.py", "data/generator-vocabulary.json"):
        with contextlib.suppress(OSError):
            digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


def corpus_cached(size: int, seed: int, folder: Path) -> bool:
    """Whether the export of ``size`` fiches for ``seed`` is in ``folder``, from the generator as it is."""
    path = folder / f"fiches-{size}-seed-{seed}.txt"
    sidecar = path.with_suffix(".json")
    return (
        path.exists()
        and sidecar.exists()
        and json.loads(sidecar.read_text())["generator"] == generator_digest()
    )


def ensure_corpus(size: int, seed: int, folder: Path, cap: float) -> tuple[dict[str, Any], Path | None]:
    """The export of ``size`` fiches for ``seed``: generated once, reused while the generator is unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fiches-{size}-seed-{seed}.txt"
    sidecar = path.with_suffix(".json")
    digest = generator_digest()
    if corpus_cached(size, seed, folder):
        info = json.loads(sidecar.read_text())
        return {**info, "status": "ok", "cached": True, "path": str(path)}, path
    partial = path.with_suffix(".partial")
    run = run_child(
        [MAILLAGE, "generate", "--fiches", str(size), "--seed", str(seed), "--out", str(partial)],
        cap,
        folder / "generate.log",
    )
    if run.status != "ok":
        partial.unlink(missing_ok=True)
        return (
            dnf(cap)
            if run.status == "dnf"
            else {"status": "failed", "reason": log_tail(folder / "generate.log")}
        ), None
    partial.replace(path)
    info = {
        "fiches": size,
        "seed": seed,
        "bytes": path.stat().st_size,
        "generator": digest,
        "generate_s": round(run.seconds, 2),
    }
    sidecar.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return {**info, "status": "ok", "cached": False, "path": str(path)}, path


def measure_build(corpus: Path, workdir: Path, cap: float) -> tuple[dict[str, Any], Path | None]:
    """``maillage build --no-validate`` as a child: wall time, rates, peak RSS (one process and the tree)."""
    dataset = workdir / "dataset"
    remove_output(dataset)
    log = workdir / "build.log"
    run = run_child([MAILLAGE, "build", "--no-validate", "--out", str(dataset), str(corpus)], cap, log)
    memory = {
        "peak_rss_bytes": run.peak_rss_bytes,
        "peak_tree_rss_bytes": run.peak_tree_rss_bytes,
        "peak_tree_pss_bytes": run.peak_tree_pss_bytes,
    }
    if run.status == "dnf":
        return dnf(cap, **memory), None
    if run.status != "ok":
        return {"status": "failed", "reason": log_tail(log), **memory}, None
    built = json.loads((dataset / "build.json").read_text(encoding="utf-8"))
    return {
        "status": "ok",
        "command": "maillage build --no-validate",
        "seconds": round(run.seconds, 2),
        "fiches": built["kept"],
        "triples": built["triples"],
        "fiches_per_s": round(built["kept"] / run.seconds, 1),
        "triples_per_s": round(built["triples"] / run.seconds, 1),
        "graph_nt_bytes": (dataset / "graph.nt").stat().st_size,
        **memory,
    }, dataset


# ------------------------------------------------------------------------------------------------------
# Queries and endpoint (ours): one `maillage serve` per size serves both sections.


def ours_server(dataset: Path, workdir: Path, settings: Settings) -> Server:
    port = free_port()
    command = [
        MAILLAGE,
        "serve",
        "--data",
        str(dataset),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--time-limit",
        str(settings.server_time_limit_s),
        "--max-rows",
        str(settings.server_max_rows),
    ]
    return Server(command, port, "/sparql", workdir / "serve.log")


def served_question(client: Client, text: str, runs: int) -> dict[str, Any]:
    """First (cold) request, median of ``runs`` uncached requests, median of ``runs`` cached requests."""

    def timed(query: str) -> tuple[float | None, bytes, int]:
        status, body, seconds = client.get(query_path("/sparql", query))
        return (seconds if status == 200 else None), body, status

    first, _, first_status = timed(uncached(text))
    fresh = [timed(uncached(text)) for _ in range(runs)]
    cached = [timed(text) for _ in range(runs)]
    failures = [
        status for seconds, _, status in [(first, b"", first_status), *fresh, *cached] if seconds is None
    ]
    rows = next(
        (len(json.loads(body)["results"]["bindings"]) for seconds, body, _ in cached if seconds), None
    )
    result: dict[str, Any] = {
        "status": "ok" if not failures else "dnf",
        "first_ms": None if first is None else round(first * 1000, 2),
        "uncached_median_ms": median_ms([s for s, _, _ in fresh if s is not None]),
        "cached_median_ms": median_ms([s for s, _, _ in cached if s is not None]),
        "runs": runs,
        "rows": rows,
    }
    if failures:
        result.update(
            cap_s=client.timeout,
            reason=f"{len(failures)} request(s) failed or timed out "
            f"(statuses {sorted(set(failures))}; -1 = no answer within {client.timeout:.0f} s)",
        )
    return result


def served_queries(
    server: Server, questions: list[tuple[str, str]], settings: Settings, budget: Budget
) -> dict[str, Any]:
    """Every catalogue question over HTTP; a question that no longer fits the budget is skipped."""
    client = Client(server.port, settings.server_time_limit_s + 10)
    results = {}
    for name, text in questions:
        if budget.cap(settings.server_time_limit_s) is None:
            results[name] = budget.spent()
            continue
        results[name] = served_question(client, text, settings.runs)
    client.close()
    return results


def load_phase(
    port: int, endpoint: str, texts: list[str], clients: int, duration: float, timeout: float, fresh: bool
) -> dict[str, Any]:
    """``clients`` threads sending the mix for ``duration`` s (then waiting for their last answer)."""
    samples: list[tuple[int, float]] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + duration

    def loop(index: int) -> None:
        client, k = Client(port, timeout), index
        while time.perf_counter() < deadline:
            text = texts[k % len(texts)]
            k += 1
            status, _, seconds = client.get(query_path(endpoint, uncached(text) if fresh else text))
            with lock:
                samples.append((status, seconds))
        client.close()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + timeout + 5)
    return summarise_phase(samples, time.perf_counter() - started, clients, duration, timeout)


def summarise_phase(
    samples: list[tuple[int, float]], wall: float, clients: int, duration: float, timeout: float
) -> dict[str, Any]:
    """Throughput of answered requests; percentiles over answers, a timeout counting as infinitely slow."""
    ok = sorted(seconds for status, seconds in samples if status == 200)
    timeouts = sum(1 for status, _ in samples if status == -1)
    errors = len(samples) - len(ok) - timeouts
    latencies = ok + [math.inf] * timeouts
    result: dict[str, Any] = {
        "clients": clients,
        "duration_s": duration,
        "wall_s": round(wall, 2),
        "requests": len(samples),
        "ok": len(ok),
        "errors": errors,
        "timeouts": timeouts,
        "throughput_rps": round(len(ok) / wall, 2) if wall else None,
    }
    for key, q in (("p50_ms", 0.5), ("p99_ms", 0.99)):
        value = percentile(latencies, q) if latencies else math.inf
        result[key] = None if math.isinf(value) else round(value * 1000, 2)
    result["max_ms"] = round(ok[-1] * 1000, 2) if ok else None
    if not ok or result["p99_ms"] is None:
        result.update(
            status="dnf",
            cap_s=timeout,
            reason=f"{timeouts} of {len(samples)} requests got no answer within {timeout:.0f} s",
        )
    else:
        result["status"] = "ok"
    return result


def load_phases(
    server: Server,
    texts: list[str],
    settings: Settings,
    budget: Budget,
    fresh: bool,
    restart: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The 1-, 8-, 32-client phases; between two, wait for the server to drain (or restart it).

    With ``restart`` (the baseline), once a phase's median request got no answer within the request
    timeout, more clients cannot do better on a server that answers one query at a time: the further
    phases are reported as dnf, not run.
    """
    phases: dict[str, Any] = {}
    for clients in settings.clients:
        stalled = next(
            (
                c
                for c, phase in phases.items()
                if phase.get("status") == "dnf" and phase.get("p50_ms") is None
            ),
            None,
        )
        if restart is not None and stalled is not None:
            phases[str(clients)] = dnf(
                settings.request_timeout_s,
                f"not run: the median request got no answer "
                f"within {settings.request_timeout_s:.0f} s with {stalled} clients",
            )
            continue
        if budget.cap(settings.phase_s + settings.request_timeout_s) is None:
            phases[str(clients)] = budget.spent()
            continue
        if server.process is None:
            phases[str(clients)] = skipped("the server could not be restarted after the previous phase")
            continue
        phases[str(clients)] = load_phase(
            server.port, server.endpoint, texts, clients, settings.phase_s, settings.request_timeout_s, fresh
        )
        probe = uncached(PROBE_QUERY) if fresh else PROBE_QUERY
        if not server.idle(settings.drain_s, probe):
            phases[str(clients)]["busy_after_s"] = settings.drain_s
            if restart is not None and settings.restart_baseline:
                phases[str(clients)]["restarted_after"] = True
                restart()
    return phases


def measure_ours_served(
    dataset: Path, workdir: Path, questions: list[tuple[str, str]], settings: Settings, budget: Budget
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One ``maillage serve``: the catalogue questions (query section), then the load phases (endpoint)."""
    cap = budget.cap(settings.server_start_cap_s)
    if cap is None:
        return budget.spent(), budget.spent()
    server = ours_server(dataset, workdir, settings)
    try:
        start = server.start(cap)
        if start["status"] != "ok":
            return start, start
        queries = {
            "status": "ok",
            "server": start,
            "questions": served_queries(server, questions, settings, budget),
        }
        texts = [text for _, text in questions]
        endpoint = {
            "status": "ok",
            "server": start,
            "settings": {
                "workers": 2,
                "threads": 32,
                "time_limit_s": settings.server_time_limit_s,
                "max_rows": settings.server_max_rows,
            },
            "cached": load_phases(server, texts, settings, budget, fresh=False),
            "uncached": load_phases(server, texts, settings, budget, fresh=True),
        }
        endpoint["rss_after_bytes"] = tree_rss(server.process.pid) if server.process else None
        return queries, endpoint
    finally:
        server.stop()


def measure_engine_queries(
    engine: str,
    dataset: Path,
    workdir: Path,
    questions: list[tuple[str, str]],
    settings: Settings,
    budget_s: float,
    timeout_s: float,
    budget: Budget,
) -> dict[str, Any]:
    """The catalogue in a child process on ``engine`` (rdflib in memory, or our on-disk store)."""
    cap = budget.cap(budget_s)
    if cap is None:
        return budget.spent()
    spec = {
        "engine": engine,
        "dataset": str(dataset),
        "questions": questions,
        "runs": settings.runs,
        "budget_s": cap,
        "query_timeout_s": timeout_s,
    }
    result, run = run_spec_child("queries-" + engine, spec, cap, workdir)
    result.setdefault(
        "load", dnf(cap) if run.status == "dnf" else {"status": "failed", "reason": result.get("error", "")}
    )
    questions_done = result.setdefault("questions", {})
    for name, _ in questions:
        questions_done.setdefault(name, skipped(f"not run: the child's budget of {cap:.0f} s ran out first"))
    result.update(
        status="ok" if run.status == "ok" else run.status,
        seconds=round(run.seconds, 2),
        peak_rss_bytes=run.peak_rss_bytes,
        budget_s=round(cap, 1),
    )
    return result


# ------------------------------------------------------------------------------------------------------
# Baselines: rdflib build, rdflib-endpoint.


#: The naive build's phases, in order: the graph is built by the first two, each dump by one of the others.
BASELINE_PHASES = ("parse", "map", "nt", "ttl", "jsonld")
GRAPH_PHASES = ("parse", "map")


def measure_rdflib_build(
    corpus: Path, workdir: Path, settings: Settings, budget: Budget, inherited: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The naive build in a capped child: our parser and mapper in one process, each triple added to an
    rdflib ``Graph()``, then rdflib's N-Triples, Turtle and JSON-LD (see ``child_rdflib_build``)."""
    graph_inherited = next((inherited[phase] for phase in GRAPH_PHASES if phase in inherited), None)
    if graph_inherited is not None:  # the graph was not built at a smaller size: nothing to run
        return {"status": "dnf", "phases": dict.fromkeys(BASELINE_PHASES, graph_inherited)}
    caps = {
        "parse": settings.parse_cap_s,
        "map": settings.map_cap_s,
        **{phase: settings.serialise_cap_s for phase in BASELINE_PHASES[2:] if phase not in inherited},
    }
    cap = budget.cap(sum(caps.values()))
    if cap is None:
        return budget.spent()
    spec = {
        "corpus": str(corpus),
        "out": str(workdir),
        "caps": caps,
        "skip": sorted(inherited),
        "context": str(HERE.parent / "ontology" / "context.jsonld"),
    }
    result, run = run_spec_child("rdflib-build", spec, cap, workdir)
    phases = result.setdefault("phases", {})
    for phase in BASELINE_PHASES:
        if phase in inherited:
            phases[phase] = inherited[phase]
        phases.setdefault(phase, dnf(cap, f"not finished: the baseline's cap of {cap:.0f} s ran out"))
    result.update(
        status=run.status,
        seconds=round(run.seconds, 2),
        peak_rss_bytes=run.peak_rss_bytes,
        not_finished=[phase for phase in BASELINE_PHASES if phases[phase].get("status") == "dnf"],
    )
    return result


def measure_rdflib_endpoint(
    dataset: Path, workdir: Path, questions: list[tuple[str, str]], settings: Settings, budget: Budget
) -> dict[str, Any]:
    """``rdflib-endpoint serve graph.nt`` on loopback: its load, then the same 1/8/32-client phases."""
    cap = budget.cap(settings.rdflib_endpoint_load_cap_s)
    if cap is None:
        return budget.spent()
    port = free_port()
    command = [
        RDFLIB_ENDPOINT,
        "serve",
        str(dataset / "graph.nt"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    server = Server(command, port, "/", workdir / "rdflib-endpoint.log")
    restarts: list[dict[str, Any]] = []

    def restart() -> bool:
        server.stop()
        again = budget.cap(settings.rdflib_endpoint_load_cap_s)
        outcome = server.start(again) if again else budget.spent()
        restarts.append(outcome)
        if outcome["status"] != "ok":
            server.stop()
        return outcome["status"] == "ok"

    try:
        start = server.start(cap)
        if start["status"] != "ok":
            return {**start, "server": start}
        texts = [text for _, text in questions]
        phases = load_phases(server, texts, settings, budget, fresh=False, restart=restart)
        return {"status": "ok", "server": start, "phases": phases, "restarts": restarts}
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------------------
# Networks and publish.


def measure_networks(
    dataset: Path, workdir: Path, settings: Settings, budget: Budget, pyvis_skip: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Every network kind in a child: build, measures, write_view (ours) and pyvis (baseline), each capped."""
    cap = budget.cap(settings.network_cap_s)
    if cap is None:
        return budget.spent()
    spec = {
        "dataset": str(dataset),
        "out": str(workdir),
        "step_cap_s": settings.network_step_cap_s,
        "pyvis_cap_s": settings.pyvis_cap_s,
        "pyvis_skip": sorted(pyvis_skip),
    }
    result, run = run_spec_child("networks", spec, cap, workdir)
    kinds = result.setdefault("kinds", {})
    for kind in result.get("expected", []):
        kinds.setdefault(kind, dnf(cap, f"not finished: the networks step's cap of {cap:.0f} s ran out"))
    for kind, earlier in pyvis_skip.items():
        if kind in kinds and kinds[kind].get("status") == "ok":
            kinds[kind]["pyvis"] = earlier
    result.update(status=run.status, seconds=round(run.seconds, 2))
    return result


def folder_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under ``folder``."""
    files = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


def measure_publish(dataset: Path, workdir: Path, settings: Settings, budget: Budget) -> dict[str, Any]:
    """``maillage publish`` as a child; on its cap, the files it had written by then are counted."""
    cap = budget.cap(settings.publish_cap_s)
    if cap is None:
        return budget.spent()
    sites = workdir / "sites"
    shutil.rmtree(sites, ignore_errors=True)
    sites.mkdir()
    log = workdir / "publish.log"
    run = run_child([MAILLAGE, "publish", "--data", str(dataset), "--out", str(sites / "site")], cap, log)
    files, size = folder_size(sites)
    shutil.rmtree(sites, ignore_errors=True)
    memory = {"peak_rss_bytes": run.peak_rss_bytes}
    if run.status == "dnf":
        return dnf(
            cap, files_written=files, bytes_written=size, files_per_s=round(files / run.seconds, 1), **memory
        )
    if run.status != "ok":
        return {"status": "failed", "reason": log_tail(log), **memory}
    pages = re.search(r"(\d[\d,]*) pages", log.read_text(encoding="utf-8", errors="replace"))
    return {
        "status": "ok",
        "seconds": round(run.seconds, 2),
        "files": files,
        "bytes": size,
        "pages": int(pages[1].replace(",", "")) if pages else None,
        "files_per_s": round(files / run.seconds, 1),
        **memory,
    }


# ------------------------------------------------------------------------------------------------------
# Child side (``--child KIND SPEC``): results written after every step, so a kill loses only the last one.


class Alarm(BaseException):
    """SIGALRM in a child: a step's cap ran out (BaseException: no library's ``except Exception`` eats it)."""


def _on_alarm(signum: int, frame: object) -> None:
    raise Alarm


@contextlib.contextmanager
def alarm_after(seconds: float) -> Iterator[None]:
    """Interrupt Python code after ``seconds`` (a call inside Rust stops when it returns)."""
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def save(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def capped_step(cap: float, call: Callable[[], dict[str, Any]], progress: dict[str, Any]) -> dict[str, Any]:
    """``call()`` timed under ``cap``: its figures and "ok", or "dnf" with the progress made by then."""
    started = time.perf_counter()
    try:
        with alarm_after(cap):
            figures = call()
    except Alarm:
        return dnf(cap, **progress)
    return {"status": "ok", "seconds": round(time.perf_counter() - started, 3), **figures}


class RdflibTerms:
    """pyoxigraph terms as rdflib terms, the way a user converting the mapper's triples would write it
    (IRIs interned: the same IRI is one ``URIRef``, which only helps rdflib)."""

    STRING = "http://www.w3.org/2001/XMLSchema#string"

    def __init__(self) -> None:
        from rdflib import BNode, Literal, URIRef

        self.bnode, self.literal, self.uriref = BNode, Literal, URIRef
        self.iris: dict[str, Any] = {}

    def __call__(self, value: Any) -> Any:
        import pyoxigraph as ox

        if isinstance(value, ox.NamedNode):
            iri = self.iris.get(value.value)
            if iri is None:
                iri = self.iris[value.value] = self.uriref(value.value)
            return iri
        if isinstance(value, ox.BlankNode):
            return self.bnode(value.value)
        if value.language:
            return self.literal(value.value, lang=value.language)
        datatype = value.datatype.value
        return self.literal(value.value, datatype=None if datatype == self.STRING else self(value.datatype))

    def triple(self, triple: Any) -> tuple[Any, Any, Any]:
        return self(triple.subject), self(triple.predicate), self(triple.object)


def child_rdflib_build(spec: dict[str, Any], out: Path) -> None:
    """The same pipeline done naively, in one process: ``read_exports`` into a list (the spellings noted,
    as labels are chosen from all fiches), ``Mapper.triples`` of every fiche added one by one to an rdflib
    ``Graph()``, then ``Graph.serialize`` as N-Triples, Turtle and JSON-LD (compacted with the project's
    context), each phase under its own cap. Exact duplicates merge in the graph (a set); fiches that share
    an identity are not told apart (ours suffixes their IRIs), so the counts may differ slightly."""
    import rdflib

    from maillage.graph.export import read_exports
    from maillage.graph.iris import DEFAULT_BASE_IRI
    from maillage.graph.rdf import Mapper, action_path
    from maillage.graph.record import Fiche
    from maillage.graph.vocabulary import Vocabulary

    graph = rdflib.Graph()
    mapper = Mapper(Vocabulary(DEFAULT_BASE_IRI))
    fiches: list[Any] = []
    progress = {"fiches_read": 0, "fiches_mapped": 0, "triples_added": 0}
    result: dict[str, Any] = {"phases": {}}

    def parse() -> dict[str, Any]:
        for item in read_exports([spec["corpus"]]):
            if isinstance(item, Fiche):
                fiches.append(item)
                mapper.spellings.note(item, mapper.vocabulary)
                progress["fiches_read"] += 1
        return {"fiches": len(fiches)}

    def map_into_rdflib() -> dict[str, Any]:
        started = time.perf_counter()
        convert = RdflibTerms()
        for triple in mapper.vocabulary.triples():
            graph.add(convert.triple(triple))
            progress["triples_added"] += 1
        for fiche in fiches:
            for triple in mapper.triples(fiche, action_path(fiche)):
                graph.add(convert.triple(triple))
                progress["triples_added"] += 1
            progress["fiches_mapped"] += 1
        return {
            "triples": len(graph),
            "triples_per_s": round(len(graph) / (time.perf_counter() - started), 1),
        }

    def serialise(fmt: str, suffix: str, **options: Any) -> Callable[[], dict[str, Any]]:
        def call() -> dict[str, Any]:
            target = Path(spec["out"]) / f"rdflib-baseline.{suffix}"
            try:
                graph.serialize(destination=str(target), format=fmt, **options)
                return {"bytes": target.stat().st_size}
            finally:
                target.unlink(missing_ok=True)

        return call

    context = json.loads(Path(spec["context"]).read_text(encoding="utf-8"))["@context"]
    steps = {
        "parse": parse,
        "map": map_into_rdflib,
        "nt": serialise("nt", "nt"),
        "ttl": serialise("turtle", "ttl"),
        "jsonld": serialise("json-ld", "jsonld", context=context),
    }
    for name, call in steps.items():
        if name in spec["skip"]:
            continue
        needs = GRAPH_PHASES[: GRAPH_PHASES.index(name)] if name in GRAPH_PHASES else GRAPH_PHASES
        unbuilt = [phase for phase in needs if result["phases"].get(phase, {}).get("status") != "ok"]
        if unbuilt:
            result["phases"][name] = skipped(f"the graph was not built: {unbuilt[0]} did not finish")
            continue
        result["phases"][name] = capped_step(
            spec["caps"][name], call, dict(progress) if name in GRAPH_PHASES else {}
        )
        if name in GRAPH_PHASES:
            result["phases"][name].update(progress)
        if name == "map":
            result["rss_after_map_bytes"] = psutil.Process().memory_info().rss
        save(out, result)
    save(out, result)


def open_engine(engine: str, dataset: Path) -> Callable[[str], int]:
    """Load or open the graph; returns a function running one query with every row materialised."""
    if engine == "rdflib":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(str(dataset / "graph.nt"), format="nt")
        return lambda query: len(list(graph.query(query)))
    from maillage.graph.store import open_store

    store = open_store(dataset, "disk")
    return lambda query: len([tuple(row) for row in store.query(query)])


def child_queries(spec: dict[str, Any], out: Path) -> None:
    """Load, then one cold pass of the catalogue, then up to ``runs`` warm passes, within the budget."""
    deadline = time.monotonic() + spec["budget_s"]
    result: dict[str, Any] = {"engine": spec["engine"], "questions": {}}
    holder: dict[str, Callable[[str], int]] = {}

    def load() -> dict[str, Any]:
        holder["run"] = open_engine(spec["engine"], Path(spec["dataset"]))
        return {"rss_bytes": psutil.Process().memory_info().rss}

    result["load"] = capped_step(spec["budget_s"], load, {})
    save(out, result)
    if result["load"]["status"] != "ok":
        return
    run = holder["run"]
    timings: dict[str, list[float]] = {name: [] for name, _ in spec["questions"]}
    for rep in range(spec["runs"] + 1):
        for name, text in spec["questions"]:
            entry = result["questions"].get(name, {"status": "ok", "runs": 0})
            left = deadline - time.monotonic()
            last = timings[name][-1] if timings[name] else 0.0
            if entry["status"] != "ok" or left < max(0.5, last):
                continue  # timed out before, or this run would not fit the budget
            result["questions"][name] = entry
            cap = min(spec["query_timeout_s"], left)
            timed_run(run, text, entry, timings[name], cap, rep == 0, cap < spec["query_timeout_s"])
        save(out, result)
    for entry in result["questions"].values():
        if entry["status"] == "ok" and not entry["runs"]:
            entry["note"] = "only the first (cold) run fitted the budget: median_ms is that run"
            entry["median_ms"] = entry["first_ms"]
    save(out, result)


def timed_run(
    run: Callable[[str], int],
    text: str,
    entry: dict[str, Any],
    timings: list[float],
    cap: float,
    first: bool,
    budget_cut: bool,
) -> None:
    """One run of a question into ``entry``: the first run is the cold one, the others make the median.

    A run stopped at the question's own timeout makes the question "dnf"; one stopped because the child's
    budget was nearly spent only ends its repetitions.
    """
    started = time.perf_counter()
    try:
        with alarm_after(cap):
            entry["rows"] = run(text)
    except Alarm:
        if first:
            entry.clear()
            entry.update(
                skipped(f"the child's budget ran out during the first run ({cap:.1f} s were left)")
                if budget_cut
                else dnf(cap)
            )
        else:
            entry["stopped"] = f"a further run did not finish within the {cap:.1f} s left"
        return
    seconds = time.perf_counter() - started
    if first:
        entry["first_ms"] = round(seconds * 1000, 2)
    else:
        timings.append(seconds)
        entry["runs"] = len(timings)
        entry["median_ms"] = median_ms(timings)


def child_networks(spec: dict[str, Any], out: Path) -> None:
    """Each network kind: ours (build, measures, view) and pyvis's view of the same graph, each capped."""
    from maillage.graph.measures import add_measures
    from maillage.graph.networks import NETWORKS, NetworkTooLarge, build_network
    from maillage.graph.store import open_store
    from maillage.publish.views import write_view

    store = open_store(Path(spec["dataset"]), "disk")
    result: dict[str, Any] = {"expected": list(NETWORKS), "kinds": {}}
    cap = spec["step_cap_s"]
    for kind in NETWORKS:
        entry: dict[str, Any] = {}
        result["kinds"][kind] = entry
        holder: dict[str, Any] = {}

        def build(kind: str = kind, holder: dict[str, Any] = holder) -> dict[str, Any]:
            graph = holder["graph"] = build_network(store, kind)
            return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}

        try:
            entry["build"] = capped_step(cap, build, {})
        except NetworkTooLarge as error:
            entry.update(status="refused", reason=str(error))
            save(out, result)
            continue
        if entry["build"]["status"] != "ok":
            entry.update(status="dnf", cap_s=cap, reason="the network was not built within the cap")
            save(out, result)
            continue
        graph = holder["graph"]
        entry["measures"] = capped_step(cap, lambda graph=graph: add_measures(graph, seed=42) or {}, {})
        view = Path(spec["out"]) / f"view-{kind}.html"
        entry["view"] = capped_step(
            cap, lambda graph=graph, view=view: {"bytes": write_view(graph, view).stat().st_size}, {}
        )
        view.unlink(missing_ok=True)
        entry["status"] = "ok" if entry["view"]["status"] == "ok" else "dnf"
        if entry["status"] == "dnf":
            entry.update(cap_s=cap, reason="the view was not written within the cap")
        if kind not in spec["pyvis_skip"]:
            entry["pyvis"] = pyvis_view(graph, Path(spec["out"]) / f"pyvis-{kind}.html", spec["pyvis_cap_s"])
        save(out, result)
    save(out, result)


def pyvis_view(graph: Any, path: Path, cap: float) -> dict[str, Any]:
    """The baseline view: pyvis's ``Network.from_nx`` and ``write_html`` (vis.js from its CDN)."""
    from pyvis.network import Network

    def call() -> dict[str, Any]:
        net = Network(cdn_resources="remote")
        net.from_nx(graph)
        net.write_html(str(path))
        return {"bytes": path.stat().st_size}

    try:
        return capped_step(cap, call, {})
    except Exception as error:  # pyvis refusing an attribute is a baseline result, not our failure
        return {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:300]}
    finally:
        path.unlink(missing_ok=True)


CHILDREN: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "rdflib-build": child_rdflib_build,
    "queries-rdflib": child_queries,
    "queries-oxigraph-disk": child_queries,
    "networks": child_networks,
}


def child_main(kind: str, spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    signal.signal(signal.SIGALRM, _on_alarm)
    CHILDREN[kind](spec, Path(spec["result"]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # tearing down millions of rdflib objects takes seconds and measures nothing


# ------------------------------------------------------------------------------------------------------
# Comparisons: ours against the baseline, as ratios and "x× faster" (a lower bound when it did not finish).


def compare(
    ours: float | None, baseline: float | None, baseline_status: str, baseline_at_least: float | None = None
) -> dict[str, Any]:
    """Ratio fields for one comparison of times: ours / baseline, and baseline / ours as "× faster"."""
    result: dict[str, Any] = {
        "ours": ours,
        "baseline": baseline,
        "baseline_status": baseline_status,
        "ours_over_baseline": None,
        "speedup": None,
        "speedup_at_least": None,
    }
    if ours and baseline and baseline_status == "ok":
        result.update(ours_over_baseline=round(ours / baseline, 4), speedup=round(baseline / ours, 2))
    elif ours and baseline_at_least:
        result["speedup_at_least"] = round(baseline_at_least / ours, 2)
    return result


def build_baseline_seconds(baseline: dict[str, Any]) -> tuple[float | None, str, float | None]:
    """The naive build's total (every phase): exact when all finished, else a lower bound (the phases that
    finished, plus the cap of each that did not; phases never started add nothing)."""
    phases = baseline.get("phases", {})
    if not phases:
        return None, baseline.get("status", "skipped"), None
    known = [phases[name] for name in BASELINE_PHASES if name in phases]
    if len(known) == len(BASELINE_PHASES) and all(phase.get("status") == "ok" for phase in known):
        return round(sum(phase["seconds"] for phase in known), 2), "ok", None
    bound = sum(
        phase.get("seconds") or phase.get("cap_s") or 0.0
        for phase in known
        if phase.get("status") in ("ok", "dnf")
    )
    return None, "dnf", round(bound, 1) or None


def compare_build(section: dict[str, Any]) -> dict[str, Any]:
    ours = section["ours"]
    total, status, bound = build_baseline_seconds(section["baseline"])
    time_ratio = compare(ours.get("seconds") if ours.get("status") == "ok" else None, total, status, bound)
    rss = section["baseline"].get("peak_rss_bytes")
    ours_rss = ours.get("peak_tree_rss_bytes")
    time_ratio["memory_ours_over_baseline"] = round(ours_rss / rss, 3) if rss and ours_rss else None
    return time_ratio


def compare_queries(section: dict[str, Any]) -> dict[str, Any]:
    """Per question: rdflib's warm median against our served uncached and cached medians, and in process
    (our on-disk store, like rdflib, without HTTP)."""
    served = section["served"].get("questions", {}) if isinstance(section["served"], dict) else {}
    embedded = section.get("embedded", {}).get("questions", {})
    baseline = section["baseline"].get("questions", {})
    ratios = {}
    for name, ours in served.items():
        theirs = baseline.get(name, {})
        status = theirs.get("status", "skipped")
        bound = theirs.get("cap_s") if status == "dnf" else None
        ratios[name] = {
            "rows_match": None if theirs.get("rows") is None else theirs.get("rows") == ours.get("rows"),
            "uncached": compare(
                ours.get("uncached_median_ms"),
                theirs.get("median_ms"),
                status,
                None if bound is None else bound * 1000,
            ),
            "cached": compare(
                ours.get("cached_median_ms"),
                theirs.get("median_ms"),
                status,
                None if bound is None else bound * 1000,
            ),
            "embedded": compare(
                embedded.get(name, {}).get("median_ms"),
                theirs.get("median_ms"),
                status,
                None if bound is None else bound * 1000,
            ),
        }
    return ratios


def compare_endpoint(section: dict[str, Any]) -> dict[str, Any]:
    """Per client count: throughput ratio (ours / rdflib-endpoint) and p50 ratio, for both of our mixes."""
    theirs = section["baseline"].get("phases", {})
    ratios: dict[str, Any] = {}
    for mix in ("cached", "uncached"):
        ours = section["ours"].get(mix, {}) if isinstance(section["ours"], dict) else {}
        for clients, phase in ours.items():
            other = theirs.get(clients, {})
            rps, other_rps = phase.get("throughput_rps"), other.get("throughput_rps")
            entry = compare(
                phase.get("p50_ms"),
                other.get("p50_ms"),
                other.get("status", "skipped"),
                None if other.get("p50_ms") is not None else (other.get("cap_s") or 0) * 1000 or None,
            )
            entry["throughput_ratio"] = round(rps / other_rps, 2) if rps and other_rps else None
            # The baseline answered nothing in ``wall_s``: its throughput was below 1 / wall_s.
            unanswered = rps and other.get("ok") == 0 and other.get("wall_s")
            entry["throughput_ratio_at_least"] = round(rps * other["wall_s"], 2) if unanswered else None
            ratios[f"{mix}/{clients}"] = entry
    return ratios


# ------------------------------------------------------------------------------------------------------
# The run.


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cores": os.cpu_count(),
        "ram_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def catalogue_questions() -> list[tuple[str, str]]:
    from maillage.graph.catalogue import catalogue

    return [(question.name, question.query) for question in catalogue()]


def say(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def run_all(settings: Settings, corpus_dir: Path, workdir: Path) -> dict[str, Any]:
    """Size by size, smallest first: ours, the baselines, then publishing (unless projected too long)."""
    budget = Budget(settings.budget_s)
    questions = catalogue_questions()
    results: dict[str, Any] = {
        "benchmark": "national",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": asdict(settings),
        "sizes": {},
    }
    for index, size in enumerate(settings.sizes):
        folder = workdir / str(size)
        folder.mkdir(parents=True, exist_ok=True)
        entry = results["sizes"][str(size)] = {"fiches": size, "load_average": {}}

        def plan(later: tuple[int, ...] = settings.sizes[index + 1 :], entry: dict = entry) -> None:
            entry["reserved_for_later_builds_s"] = plan_builds(budget, results, settings, later, corpus_dir)

        plan()
        dataset = measure_ours(size, entry, folder, corpus_dir, questions, settings, budget, plan)
        measure_baselines(size, entry, dataset, folder, questions, settings, budget, results)
        entry["publish"] = measure_publish_step(size, dataset, folder, settings, budget, results)
        entry["build"]["ratio"] = compare_build(entry["build"])
        entry["query"]["ratio"] = compare_queries(entry["query"])
        entry["endpoint"]["ratio"] = compare_endpoint(entry["endpoint"])
        remove_output(folder / "dataset")  # gigabytes at 100,000 fiches
    budget.reserve(0.0)
    results["wall_s"] = round(budget.elapsed(), 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["goals"] = goals(results)
    return results


def measure_ours(
    size: int,
    entry: dict[str, Any],
    folder: Path,
    corpus_dir: Path,
    questions: list[tuple[str, str]],
    settings: Settings,
    budget: Budget,
    after_build: Callable[[], None] = lambda: None,
) -> Path | None:
    """Corpus, build, served queries and endpoint, embedded queries; the dataset if built.
    ``after_build`` runs once the build is measured (it plans the budget with the build's time)."""
    entry["load_average"]["before_build"] = [round(x, 2) for x in os.getloadavg()]
    say(f"{size:,} fiches: corpus")
    cap = budget.cap(settings.generate_cap_s)
    entry["corpus"], corpus = (
        ensure_corpus(size, settings.seed, corpus_dir, cap) if cap else (budget.spent(), None)
    )
    cap = budget.cap(settings.build_cap_s)
    say(f"{size:,} fiches: maillage build (cap {cap or 0:.0f} s)")
    dataset = None
    if corpus is None:
        entry["build"] = {"ours": skipped("no corpus")}
    elif cap is None:
        entry["build"] = {"ours": budget.spent()}
    else:
        ours, dataset = measure_build(corpus, folder, cap)
        entry["build"] = {"ours": ours}
    built = entry["build"]["ours"]
    after_build()
    say(f"{size:,} fiches: build {built['status']} {built.get('seconds', '')}")
    if dataset is None:
        none = skipped("no dataset: the build did not finish")
        entry["query"], entry["endpoint"], entry["networks"] = (
            {"served": none, "embedded": none},
            {"ours": none},
            none,
        )
        return None
    entry["load_average"]["before_queries"] = [round(x, 2) for x in os.getloadavg()]
    say(f"{size:,} fiches: served queries and endpoint (ours)")
    served, endpoint = measure_ours_served(dataset, folder, questions, settings, budget)
    entry["query"], entry["endpoint"] = {"served": served}, {"ours": endpoint}
    say(f"{size:,} fiches: embedded queries")
    entry["query"]["embedded"] = measure_engine_queries(
        "oxigraph-disk",
        dataset,
        folder,
        questions,
        settings,
        settings.embedded_budget_s,
        settings.server_time_limit_s,
        budget,
    )
    return dataset


#: A build's fixed cost (start-up; the description and tables of even a small graph), seconds.
BUILD_FIXED_S = 5.0
#: Margin on a projected build: a larger build costs a little more than linearly (sorting, the store).
BUILD_MARGIN = 1.25
#: Generating a corpus not cached yet, seconds per fiche (27 s for 100,000 fiches on 2026-12-02).
GENERATE_S_PER_FICHE = 0.0004


def projected_build_s(results: dict[str, Any], settings: Settings, size: int) -> float | None:
    """Our build's projected wall time for ``size`` fiches (capped at its cap), from the largest build
    measured so far in this run (a fixed cost, the rest linear in the fiches, a margin); None before any."""
    done = [
        (int(other), entry["build"]["ours"]["seconds"])
        for other, entry in results["sizes"].items()
        if entry.get("build", {}).get("ours", {}).get("status") == "ok"
    ]
    if not done:
        return None
    fiches, seconds = max(done)
    per_fiche = max(seconds - BUILD_FIXED_S, seconds / 2) / fiches
    return min(settings.build_cap_s, (BUILD_FIXED_S + per_fiche * size) * BUILD_MARGIN)


def plan_builds(
    budget: Budget, results: dict[str, Any], settings: Settings, later: tuple[int, ...], corpus_dir: Path
) -> float:
    """Reserve the time the builds of the ``later`` sizes are projected to need (and the generation of
    their corpora, when not cached): the measurements of this size then use only the rest, so that the
    largest build gets its time, when it can finish at all (else nothing is kept back). Returns the
    seconds reserved."""
    reserved = 0.0
    for size in later:
        reserved += projected_build_s(results, settings, size) or 0.0
        if not corpus_cached(size, settings.seed, corpus_dir):
            reserved += min(settings.generate_cap_s, GENERATE_S_PER_FICHE * size * BUILD_MARGIN)
    if reserved > budget.left() - MIN_STEP_S:
        # The larger builds would not finish even with every second left: keeping the time back would
        # cost this size its measurements and buy nothing; they run on what is left (a lower bound).
        budget.reserve(0.0)
        return 0.0
    what = "the build" + ("s" if len(later) > 1 else "") + " of " + " and ".join(f"{n:,}" for n in later)
    budget.reserve(reserved, f"{what} fiches")
    return round(reserved, 1)


def measure_baselines(
    size: int,
    entry: dict[str, Any],
    dataset: Path | None,
    folder: Path,
    questions: list[tuple[str, str]],
    settings: Settings,
    budget: Budget,
    results: dict[str, Any],
) -> None:
    """Networks (ours, and pyvis for the views), the rdflib build, rdflib queries, rdflib-endpoint."""
    none = skipped("no dataset: the build did not finish")
    if dataset is None:
        entry["build"]["baseline"] = entry["query"]["baseline"] = entry["endpoint"]["baseline"] = none
        return
    entry["load_average"]["before_baselines"] = [round(x, 2) for x in os.getloadavg()]
    say(f"{size:,} fiches: networks (ours and pyvis)")
    entry["networks"] = measure_networks(dataset, folder, settings, budget, pyvis_dnf(results, size))
    say(f"{size:,} fiches: rdflib build baseline")
    entry["build"]["baseline"] = measure_rdflib_build(
        Path(entry["corpus"]["path"]), folder, settings, budget, build_dnf(results, size)
    )
    say(f"{size:,} fiches: rdflib queries baseline")
    earlier = first_dnf(results, size, lambda e: e["query"]["baseline"].get("load", {}))
    entry["query"]["baseline"] = (
        inherited_dnf(*earlier)
        if earlier
        else measure_engine_queries(
            "rdflib",
            dataset,
            folder,
            questions,
            settings,
            settings.rdflib_query_budget_s,
            settings.rdflib_query_timeout_s,
            budget,
        )
    )
    say(f"{size:,} fiches: rdflib-endpoint baseline")
    earlier = first_dnf(results, size, lambda e: e["endpoint"]["baseline"])
    entry["endpoint"]["baseline"] = (
        inherited_dnf(*earlier)
        if earlier
        else measure_rdflib_endpoint(dataset, folder, questions, settings, budget)
    )
    entry["load_average"]["after"] = [round(x, 2) for x in os.getloadavg()]


def measure_publish_step(
    size: int, dataset: Path | None, folder: Path, settings: Settings, budget: Budget, results: dict[str, Any]
) -> dict[str, Any]:
    """Publish, unless there is no dataset, or a smaller size did not finish or projects past the cap."""
    if dataset is None:
        return skipped("no dataset: the build did not finish")
    say(f"{size:,} fiches: publish")
    earlier = first_dnf(results, size, lambda e: e["publish"])
    if earlier:
        return inherited_dnf(*earlier)
    return publish_projection(results, size, settings) or measure_publish(dataset, folder, settings, budget)


def publish_projection(results: dict[str, Any], size: int, settings: Settings) -> dict[str, Any] | None:
    """Skip publishing when a smaller size's rate projects past the cap (the site grows with the fiches)."""
    for other in sorted((int(key) for key in results["sizes"]), reverse=True):
        publish = results["sizes"][str(other)].get("publish", {})
        if other < size and publish.get("status") == "ok":
            projected = publish["seconds"] * size / other
            if projected > settings.publish_cap_s:
                return skipped(
                    f"projected ≈ {projected:,.0f} s from {other:,} fiches ({publish['seconds']:.0f} s, "
                    f"linear), over the cap of {settings.publish_cap_s:.0f} s"
                )
            return None
    return None


def first_dnf(
    results: dict[str, Any], size: int, pick: Callable[[dict[str, Any]], dict[str, Any]]
) -> tuple[dict[str, Any], int] | None:
    """The outcome at the smallest earlier size where a baseline did not finish by its own cap."""
    for other in sorted(int(key) for key in results["sizes"]):
        if other >= size:
            break
        with contextlib.suppress(KeyError, TypeError):
            outcome = pick(results["sizes"][str(other)])
            if outcome.get("status") == "dnf" and "inherited_from" not in outcome:
                return outcome, other
            if outcome.get("status") == "dnf":
                return outcome, outcome["inherited_from"]
    return None


def build_dnf(results: dict[str, Any], size: int) -> dict[str, dict[str, Any]]:
    """Phases of the rdflib build that did not finish at a smaller size: not run again."""
    inherited = {}
    for phase in BASELINE_PHASES:
        earlier = first_dnf(results, size, lambda e, phase=phase: e["build"]["baseline"]["phases"][phase])
        if earlier:
            inherited[phase] = inherited_dnf(*earlier)
    return inherited


def pyvis_dnf(results: dict[str, Any], size: int) -> dict[str, dict[str, Any]]:
    """Network kinds whose pyvis view did not finish at a smaller size."""
    inherited = {}
    for other in sorted(int(key) for key in results["sizes"]):
        if other >= size:
            break
        kinds = results["sizes"][str(other)].get("networks", {}).get("kinds", {})
        for kind, entry in kinds.items():
            pyvis = entry.get("pyvis", {})
            if pyvis.get("status") == "dnf" and kind not in inherited:
                inherited[kind] = pyvis if "inherited_from" in pyvis else inherited_dnf(pyvis, other)
    return inherited


def build_goal(build: dict[str, Any]) -> bool | None:
    """Missed when the build did not finish within a cap of 2 min or more; None when not measured."""
    if build.get("status") == "dnf":
        return False if build.get("cap_s", 0) >= 120 else None
    if build.get("status") != "ok":
        return None
    return build["seconds"] < 120 and build["peak_tree_rss_bytes"] < 2 * 1024**3


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's goals, each met, missed or not measured (None), with the figure behind it."""
    sizes = results["sizes"]
    out = []
    big = sizes.get("100000", {})
    build = big.get("build", {}).get("ours", {})
    out.append(
        {
            "goal": "build < 2 min and < 2 GB peak RSS at 100,000 fiches",
            "value": {
                "seconds": build.get("seconds"),
                "peak_tree_rss_bytes": build.get("peak_tree_rss_bytes"),
                "peak_tree_pss_bytes": build.get("peak_tree_pss_bytes"),
            },
            "met": build_goal(build),
        }
    )
    served = big.get("query", {}).get("served", {}).get("questions", {})
    medians = {name: q.get("uncached_median_ms") for name, q in served.items()}
    out.append(
        {
            "goal": "every catalogue question < 200 ms median (served, uncached) at 100,000 fiches",
            "value": medians,
            "met": None if not medians else all(v is not None and v < 200 for v in medians.values()),
        }
    )
    mid = sizes.get("20000", {}).get("endpoint", {}).get("ours", {})
    for mix, what in (("cached", "the catalogue's exact texts"), ("uncached", "new query texts")):
        phase = mid.get(mix, {}).get("32", {}) if isinstance(mid, dict) else {}
        measured = phase.get("status") in ("ok", "dnf") and "requests" in phase
        out.append(
            {
                "goal": f"p99 < 500 ms with 32 clients at 20,000 fiches ({what})",
                "value": {"p99_ms": phase.get("p99_ms"), "timeouts": phase.get("timeouts")},
                "met": None if not measured else (phase.get("p99_ms") is not None and phase["p99_ms"] < 500),
            }
        )
    speedups = []
    for key, entry in sizes.items():
        ratio = entry.get("build", {}).get("ratio", {})
        speedups.append((f"build {key}", ratio.get("speedup") or ratio.get("speedup_at_least")))
        for name, q in entry.get("query", {}).get("ratio", {}).items():
            value = q["uncached"].get("speedup") or q["uncached"].get("speedup_at_least")
            speedups.append((f"query {key} {name}", value))
    known = [(name, value) for name, value in speedups if value]
    out.append(
        {
            "goal": "ours ≥ 5× faster than the baseline (build, each question uncached)",
            "value": {"below_5x": [name for name, value in known if value < 5], "compared": len(known)},
            "met": None if not known else all(value >= 5 for _, value in known),
        }
    )
    return out


# ------------------------------------------------------------------------------------------------------
# Reporting: readable tables, the chart, the JSON.


def cell(
    entry: dict[str, Any] | None, key: str = "seconds", unit: str = "s", scale: float = 1.0, digits: int = 2
) -> str:
    """A figure, or what stood in its way: "DNF >90 s", "skipped", "refused", "failed"."""
    if not entry:
        return "–"
    status = entry.get("status")
    if status == "dnf" and entry.get(key) is None:
        return f"DNF >{entry.get('cap_s', 0):g} s"
    if status in ("skipped", "failed", "refused") and entry.get(key) is None:
        return status
    value = entry.get(key)
    if value is None:
        return "–"
    return f"{value * scale:,.{digits}f}{' ' + unit if unit else ''}"


def speed(ratio: dict[str, Any] | None) -> str:
    """ "12.3×" faster, "≥ 8.1×" when the baseline did not finish, "–" when nothing compares."""
    if not ratio:
        return "–"
    if ratio.get("speedup"):
        return f"{ratio['speedup']:,.1f}×"
    if ratio.get("speedup_at_least"):
        return f"≥ {ratio['speedup_at_least']:,.1f}×"
    return "–"


def table(title: str, headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [f"\n== {title} ==", "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += [
        "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


def mb(entry: dict[str, Any] | None, key: str) -> str:
    value = (entry or {}).get(key)
    return f"{value / MiB:,.0f} MiB" if value else "–"


def build_table(results: dict[str, Any]) -> str:
    rows = []
    for size, entry in results["sizes"].items():
        build = entry.get("build", {})
        ours, base = build.get("ours", {}), build.get("baseline", {})
        phases = base.get("phases", {})
        ratio = build.get("ratio", {})
        rows.append(
            [
                f"{int(size):,}",
                f"{ours['triples']:,}" if ours.get("triples") else "–",
                cell(ours),
                cell(ours, "fiches_per_s", "", digits=0),
                cell(ours, "triples_per_s", "", digits=0),
                mb(ours, "peak_tree_rss_bytes"),
                mb(ours, "peak_tree_pss_bytes"),
                *(cell(phases.get(phase)) for phase in BASELINE_PHASES),
                mb(base, "peak_rss_bytes"),
                f"{ratio['ours_over_baseline']:.3f}" if ratio.get("ours_over_baseline") else "–",
                speed(ratio),
            ]
        )
    return table(
        "build: maillage build --no-validate vs the naive pipeline (read_exports, Mapper, rdflib Graph().add "
        "per triple, serialize nt, ttl, json-ld)",
        [
            "fiches",
            "triples",
            "ours",
            "fiches/s",
            "triples/s",
            "ours peak RSS",
            "ours peak PSS",
            "naive parse",
            "naive map+add",
            "rdflib nt",
            "rdflib ttl",
            "rdflib json-ld",
            "naive peak RSS",
            "ours/base",
            "faster",
        ],
        rows,
    )


def query_tables(results: dict[str, Any]) -> list[str]:
    out = []
    for size, entry in results["sizes"].items():
        query = entry.get("query", {})
        served = query.get("served", {})
        if served.get("status") != "ok":
            out.append(
                f"\n== queries at {int(size):,} fiches: {served.get('reason', served.get('status'))} =="
            )
            continue
        embedded = query.get("embedded", {}).get("questions", {})
        base = query.get("baseline", {})
        rows = []
        for name, ours in served["questions"].items():
            theirs = base.get("questions", {}).get(name, {})
            ratio = query.get("ratio", {}).get(name, {})
            rows.append(
                [
                    name,
                    str(ours.get("rows", "–")),
                    cell(ours, "first_ms", ""),
                    cell(ours, "uncached_median_ms", ""),
                    cell(ours, "cached_median_ms", ""),
                    cell(embedded.get(name), "median_ms", ""),
                    cell(theirs, "first_ms", ""),
                    cell(theirs, "median_ms", ""),
                    speed(ratio.get("uncached")),
                    speed(ratio.get("cached")),
                    speed(ratio.get("embedded")),
                ]
            )
        load = base.get("load", {})
        title = (
            f"queries at {int(size):,} fiches, ms (served over HTTP: first = cold, uncached = median of "
            f"{results['settings']['runs']} new texts, cached = median of {results['settings']['runs']} "
            f"exact texts; embedded = on-disk store in process; rdflib load {cell(load)})"
        )
        out.append(
            table(
                title,
                [
                    "question",
                    "rows",
                    "first",
                    "uncached",
                    "cached",
                    "embedded",
                    "rdflib first",
                    "rdflib median",
                    "faster (uncached)",
                    "faster (cached)",
                    "faster (embedded)",
                ],
                rows,
            )
        )
    return out


def throughput_cell(ratio: dict[str, Any]) -> str:
    if ratio.get("throughput_ratio"):
        return f"{ratio['throughput_ratio']:,.1f}×"
    if ratio.get("throughput_ratio_at_least"):
        return f"≥ {ratio['throughput_ratio_at_least']:,.1f}×"
    return "–"


def endpoint_table(results: dict[str, Any]) -> str:
    rows = []
    for size, entry in results["sizes"].items():
        endpoint = entry.get("endpoint", {})
        series = [
            ("maillage cached", endpoint.get("ours", {}).get("cached", {}), "cached"),
            ("maillage uncached", endpoint.get("ours", {}).get("uncached", {}), "uncached"),
            ("rdflib-endpoint", endpoint.get("baseline", {}).get("phases", {}), None),
        ]
        for label, phases, mix in series:
            for clients, phase in phases.items():
                ratio = endpoint.get("ratio", {}).get(f"{mix}/{clients}", {}) if mix else {}
                rows.append(
                    [
                        f"{int(size):,}",
                        label,
                        clients,
                        cell(phase, "throughput_rps", "", digits=1),
                        cell(phase, "p50_ms", ""),
                        cell(phase, "p99_ms", ""),
                        f"{phase.get('errors', 0)}/{phase.get('timeouts', 0)}"
                        if "requests" in phase
                        else "–",
                        throughput_cell(ratio),
                    ]
                )
        base = endpoint.get("baseline", {})
        if not base.get("phases"):
            rows.append(
                [f"{int(size):,}", "rdflib-endpoint", "–", cell(base.get("server", base)), "", "", "", ""]
            )
    return table(
        "endpoint: catalogue mix over HTTP on loopback (p50/p99 ms; throughput ×: ours / rdflib-endpoint)",
        ["fiches", "server", "clients", "req/s", "p50", "p99", "err/timeout", "throughput ×"],
        rows,
    )


def network_table(results: dict[str, Any]) -> str:
    rows = []
    for size, entry in results["sizes"].items():
        networks = entry.get("networks", {})
        if "kinds" not in networks:
            rows.append([f"{int(size):,}", cell(networks), "", "", "", "", "", "", "", ""])
            continue
        for kind, data in networks["kinds"].items():
            build = data.get("build", {})
            rows.append(
                [
                    f"{int(size):,}",
                    kind,
                    f"{build.get('nodes', '–')}",
                    f"{build.get('edges', '–')}",
                    cell(build) if data.get("status") != "refused" else "refused",
                    cell(data.get("measures")),
                    cell(data.get("view")),
                    cell(data.get("view"), "bytes", "KB", 1 / 1000, 0),
                    cell(data.get("pyvis")),
                    cell(data.get("pyvis"), "bytes", "KB", 1 / 1000, 0),
                ]
            )
    return table(
        "networks: build_network, add_measures, write_view (ours) vs pyvis from_nx + write_html",
        ["fiches", "kind", "nodes", "edges", "build", "measures", "view", "view size", "pyvis", "pyvis size"],
        rows,
    )


def publish_table(results: dict[str, Any]) -> str:
    rows = []
    for size, entry in results["sizes"].items():
        publish = entry.get("publish", {})
        files = publish.get("files", publish.get("files_written"))
        size_bytes = publish.get("bytes", publish.get("bytes_written"))
        rows.append(
            [
                f"{int(size):,}",
                cell(publish),
                f"{files:,}" if files else "–",
                f"{size_bytes / 1e6:,.0f} MB" if size_bytes else "–",
                cell(publish, "files_per_s", "", digits=0),
            ]
        )
    return table(
        "publish: maillage publish (DNF: files written before the cap)",
        ["fiches", "time", "files", "bytes", "files/s"],
        rows,
    )


def goals_table(results: dict[str, Any]) -> str:
    rows = [
        [
            goal["goal"],
            {True: "met", False: "MISSED", None: "not measured"}[goal["met"]],
            json.dumps(goal["value"], ensure_ascii=False)[:90],
        ]
        for goal in results["goals"]
    ]
    return table("the issue's goals", ["goal", "verdict", "figures"], rows)


def report(results: dict[str, Any]) -> str:
    return "\n".join(
        [
            build_table(results),
            *query_tables(results),
            endpoint_table(results),
            network_table(results),
            publish_table(results),
            goals_table(results),
        ]
    )


def bar_value(entry: dict[str, Any] | None, key: str) -> tuple[float | None, bool]:
    """(height, is a lower bound): a DNF bar is drawn at its cap, hatched."""
    if not entry:
        return None, False
    if entry.get(key) is not None and entry.get("status") in ("ok", None):
        return float(entry[key]), False
    if entry.get("status") == "dnf":
        return float(entry.get("cap_s") or 0) * (1000 if key.endswith("_ms") else 1), True
    return None, False


def draw_bars(
    ax: Any,
    labels: list[str],
    series: list[tuple[str, list[tuple[float | None, bool]]]],
    horizontal: bool = False,
) -> None:
    """Grouped bars on a log scale; hatched bars are lower bounds (did not finish within the cap)."""
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series):
        for position, (value, bound) in enumerate(values):
            if not value:
                continue
            offset = position + (index - (len(series) - 1) / 2) * width
            kwargs = {
                "color": f"C{index}",
                "hatch": "//" if bound else None,
                "alpha": 0.55 if bound else 1.0,
                "label": name if position == 0 or not ax.get_legend_handles_labels()[1].count(name) else None,
            }
            (ax.barh if horizontal else ax.bar)(offset, value, width, **kwargs)
    ticks = range(len(labels))
    if horizontal:
        ax.set_yticks(list(ticks), labels, fontsize=6)
        ax.set_xscale("log")
    else:
        ax.set_xticks(list(ticks), labels)
        ax.set_yscale("log")
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize=7)


def chart(results: dict[str, Any], path: Path) -> bool:
    """The PNG: build time and memory by size, the questions at the largest size, throughput by clients."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = results["sizes"]
    labels = [f"{int(size):,}" for size in sizes]
    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    builds = [entry.get("build", {}) for entry in sizes.values()]
    baseline_totals = []
    for build in builds:
        total, status, bound = build_baseline_seconds(build.get("baseline", {}))
        baseline_totals.append((total, False) if status == "ok" else (bound, bool(bound)))
    draw_bars(
        axes[0][0],
        labels,
        [
            ("maillage build", [bar_value(b.get("ours"), "seconds") for b in builds]),
            ("naive: parse, map, rdflib add, nt, ttl, json-ld", baseline_totals),
        ],
    )
    axes[0][0].set_title("Build time (s, log; hatched: did not finish, at its cap)")
    draw_bars(
        axes[0][1],
        labels,
        [
            (
                "maillage build (process tree)",
                [(b.get("ours", {}).get("peak_tree_rss_bytes", 0) / MiB, False) for b in builds],
            ),
            (
                "naive build (rdflib)",
                [((b.get("baseline", {}).get("peak_rss_bytes") or 0) / MiB, False) for b in builds],
            ),
        ],
    )
    axes[0][1].set_title("Build peak RSS (MiB, log)")
    served_sizes = [
        size
        for size, entry in sizes.items()
        if entry.get("query", {}).get("served", {}).get("status") == "ok"
    ]
    if served_sizes:
        size = served_sizes[-1]
        query = sizes[size]["query"]
        names = list(query["served"]["questions"])
        base = query.get("baseline", {}).get("questions", {})
        draw_bars(
            axes[1][0],
            names,
            [
                (
                    "maillage served, uncached",
                    [bar_value(query["served"]["questions"][n], "uncached_median_ms") for n in names],
                ),
                (
                    "maillage served, cached",
                    [bar_value(query["served"]["questions"][n], "cached_median_ms") for n in names],
                ),
                ("rdflib in memory", [bar_value(base.get(n), "median_ms") for n in names]),
            ],
            horizontal=True,
        )
        axes[1][0].set_title(f"Catalogue medians at {int(size):,} fiches (ms, log)")
    ax = axes[1][1]
    for index, (size, entry) in enumerate(sizes.items()):
        endpoint = entry.get("endpoint", {})
        ours = endpoint.get("ours", {})
        for style, label, phases in (
            ("-o", "maillage uncached", ours.get("uncached", {})),
            (":s", "maillage cached", ours.get("cached", {})),
            ("--^", "rdflib-endpoint", endpoint.get("baseline", {}).get("phases", {})),
        ):
            points = [(int(c), p["throughput_rps"]) for c, p in phases.items() if p.get("throughput_rps")]
            if points:
                ax.plot(*zip(*points, strict=True), style, color=f"C{index}", label=f"{label}, {int(size):,}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("concurrent clients")
    ax.set_title("Endpoint throughput (answered requests/s, log)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)
    fig.suptitle(
        f"Maillage national benchmark, {results['started'][:10]}, "
        f"{results['machine']['cores']} cores; ours vs named baselines"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="fiche counts, comma-separated [2000,20000,100000]")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 fiches, short phases (CI)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed [1]")
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds for the whole run [1140; quick 150]"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=HERE / "results", help="JSON and PNG [benchmarks/results]"
    )
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=HERE / "corpus",
        help="generated exports, cached between runs [benchmarks/corpus]",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="built datasets (deleted at the end unless --keep) [CORPUS_DIR/work]",
    )
    parser.add_argument("--keep", action="store_true", help="keep the built datasets")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = quick_settings(Settings()) if args.quick else Settings()
    settings = replace(settings, seed=args.seed)
    if args.sizes:
        settings = replace(settings, sizes=tuple(int(size) for size in args.sizes.split(",")))
    if args.budget:
        settings = replace(settings, budget_s=args.budget)
    return settings


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child[0], Path(args.child[1]))
    settings = settings_from(args)
    workdir = (args.workdir or args.corpus_dir / "work").absolute()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        results = run_all(settings, args.corpus_dir.absolute(), workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"national-{results['started'][:10]}{'-quick' if args.quick else ''}"
    json_path = args.out_dir / f"{stem}.json"
    png_path = args.out_dir / f"{stem}.png"
    results["chart"] = png_path.name if chart(results, png_path) else None
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(report(results))
    print(
        f"\nwall time {results['wall_s']:.0f} s; results: {json_path}"
        + (f", chart: {png_path}" if results["chart"] else " (no chart: matplotlib missing)")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
