"""Serving the catalogue's SPARQL questions: rdflib vs pyoxigraph on disk vs pyoxigraph in memory.

    .venv/bin/python benchmarks/store_comparison.py [--sizes 2000,20000,100000] [--runs 5]
        [--out benchmarks/results/store_comparison.json] [--workdir /tmp/maillage-bench]

For each size (a number of fiches), generates a synthetic export with a fixed seed and builds it with
``maillage build --no-validate`` (both as child processes, timed, with their peak RSS). A build already in
the workdir is reused when its ``build.json`` is the one recorded for that size and seed, so reruns only
redo the measurements. Then, each engine in its own child process so that its peak RSS is its own:

- rdflib: ``Graph().parse(graph.nt, format="nt")``, then every catalogue query, ``list(g.query(q))``;
- pyoxigraph on disk: ``Store.read_only(DIR/store)`` (the store the build wrote), then every query;
- pyoxigraph in memory: ``Store()`` and ``bulk_load(path=graph.nt)``, then every query.

Queries are run in passes (each query once, then each query again, ``--runs`` passes) and the median of a
query's runs is reported, with all the rows materialised. Each child has a time budget, load included
(``--rdflib-budget``, ``--oxigraph-budget``): a further run of a query is skipped when it would not fit, and
the child stops when the budget runs out, so what remains is reported as "not finished within N s" (if
rdflib's load alone overruns, its queries are not run). One run of a query that takes longer than
``--query-timeout`` is interrupted (SIGALRM) and reported as "> N ms (timeout)", so that one pathological
query does not starve the others. The row counts of each query are compared across engines and across runs.
The defaults keep a run from an empty workdir under ~25 minutes on a 2-core machine.

Peak RSS is the child's ``ru_maxrss`` as ``os.wait4`` returns it; each child also records its peak RSS
(``ru_maxrss``) and current RSS just after loading or opening, before any query. Prints a table per size
and writes the JSON results and a Markdown report (``--md``, by default beside the JSON). Exits non-zero
if an engine failed (e.g. ``Store.read_only`` refused the store: the notes give the error), not for a
row-count mismatch, which is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "store_comparison.json"
DEFAULT_WORKDIR = Path("/tmp/maillage-bench")
SEED = 20251125
MB = 1024 * 1024
# Defaults chosen so that a run from an empty workdir (builds included) stays under ~25 minutes on a
# 2-core machine: see benchmarks/README.md for the measurements behind them.
RDFLIB_RUNS = 3
RDFLIB_BUDGET = 180.0
OXIGRAPH_BUDGET = 150.0
QUERY_TIMEOUT = 30.0
ENGINES = ("rdflib", "oxigraph-disk", "oxigraph-memory")
#: Child statuses that are results (complete, or cut by the time budget), not failures.
MEASURED = ("done", "budget reached", "killed at budget", "load not finished")
#: How long after its budget the parent kills a child that has not stopped itself.
KILL_GRACE_S = 10.0
LOAD_LABELS = {
    "rdflib": 'Graph().parse(graph.nt, format="nt")',
    "oxigraph-disk": "Store.read_only(store)",
    "oxigraph-memory": "Store() + bulk_load(graph.nt)",
}

#: Used only when the catalogue (maillage.graph.catalogue) cannot be imported; the results say so.
FALLBACK_QUERIES = [
    (
        "fallback-fiches-per-keyword",
        "Actions per keyword",
        """PREFIX mlg: <https://w3id.org/maillage/ontologie#>
SELECT ?motCle (COUNT(DISTINCT ?action) AS ?actions) WHERE { ?action mlg:motCle ?motCle }
GROUP BY ?motCle ORDER BY DESC(?actions) ?motCle""",
    ),
    (
        "fallback-departement-status",
        "Actions per département and status",
        """PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX schema: <https://schema.org/>
SELECT ?departement ?statut (COUNT(?action) AS ?actions) WHERE {
  ?action a mlg:Action ; mlg:departement ?departement ; schema:actionStatus ?statut .
} GROUP BY ?departement ?statut ORDER BY ?departement ?statut""",
    ),
    (
        "fallback-text-search",
        "Actions whose abstract mentions 'jardin', with their structure",
        """PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?action ?title ?structure ?name WHERE {
  ?action dct:abstract ?abstract ; dct:title ?title ; mlg:structureOrganisatrice ?structure .
  OPTIONAL { ?structure rdfs:label ?name }
  FILTER(CONTAINS(LCASE(STR(?abstract)), "jardin"))
} ORDER BY ?action""",
    ),
]


# --------------------------------------------------------------------------------------------------------
# Child side: one engine, one dataset; progress written to a JSON file after every step.


def _rss_now_kb() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _open_engine(engine: str, dataset: Path):
    """Load or open the dataset; returns a function running one query and returning its rows."""
    if engine == "rdflib":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(str(dataset / "graph.nt"), format="nt")

        def run(query: str) -> list:
            result = graph.query(query)
            if result.type == "ASK":
                return [result.askAnswer]
            return list(result)

        return run

    import pyoxigraph as ox

    if engine == "oxigraph-disk":
        store = ox.Store.read_only(str(dataset / "store"))
    elif engine == "oxigraph-memory":
        store = ox.Store()
        store.bulk_load(path=str(dataset / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    else:
        raise ValueError(f"unknown engine {engine!r}")

    def run(query: str) -> list:
        result = store.query(query)
        if isinstance(result, ox.QueryBoolean):
            return [bool(result)]
        if isinstance(result, ox.QuerySolutions):
            return [tuple(solution) for solution in result]
        return list(result)  # QueryTriples (CONSTRUCT, DESCRIBE)

    return run


class _Alarm(BaseException):  # not an Exception, so that no ``except Exception`` in a library eats it
    """Raised by SIGALRM in the child: a query's time limit or the child's budget has run out."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Alarm


def _timed(seconds: float, call):
    """``call()``, interrupted by SIGALRM after ``seconds``: Python code (all of rdflib, and pyoxigraph
    between two rows) stops at once; a long call inside Rust stops when it returns."""
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _finish(out: Path, result: dict, status: str) -> None:
    result["stopped_early"] = sorted(set(result["stopped_early"]))
    result["status"] = status
    _write_json(out, result)
    # Exit at once: tearing down a graph of millions of Python objects takes seconds, and is not serving.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def child_main(spec_path: Path) -> int:
    """Measure one engine as the spec says; the parent reads the result file, even if it kills us.

    The child keeps to its budget itself (SIGALRM), so that it can write what it measured; the parent
    kills it a little after the budget only if a call it cannot interrupt (inside Rust) overruns.
    """
    started = time.perf_counter()
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    out = Path(spec["result"])
    deadline = started + spec["budget_s"]
    timeout = spec["query_timeout_s"]
    queries = spec["queries"]
    result: dict = {
        "engine": spec["engine"],
        "status": "loading",
        "load_s": None,
        "rss_after_load_kb": None,
        "peak_rss_after_load_kb": None,
        "queries": {q["name"]: {"times_ms": [], "rows": [], "error": None, "timed_out": False}
                    for q in queries},
        "passes_started": 0,
        "stopped_early": [],
    }
    _write_json(out, result)
    import resource

    signal.signal(signal.SIGALRM, _on_alarm)
    start = time.perf_counter()
    try:
        run = _timed(deadline - start, lambda: _open_engine(spec["engine"], Path(spec["dataset"])))
    except _Alarm:
        _finish(out, result, "load not finished")
    except Exception as error:  # reported to the parent: e.g. Store.read_only refusing the folder
        result["status"] = "load failed"
        result["error"] = f"{type(error).__name__}: {error}"
        _write_json(out, result)
        return 1
    result["load_s"] = round(time.perf_counter() - start, 3)
    result["rss_after_load_kb"] = _rss_now_kb()
    result["peak_rss_after_load_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["status"] = "querying"
    _write_json(out, result)

    for pass_number in range(spec["runs"]):
        result["passes_started"] = pass_number + 1
        for q in queries:
            record = result["queries"][q["name"]]
            if record["error"] is not None or record["timed_out"]:
                continue
            now = time.perf_counter()
            # A further run only if it can finish within the budget, judged by the slowest so far.
            if record["times_ms"] and now + max(record["times_ms"]) / 1000 > deadline:
                result["stopped_early"].append(q["name"])
                continue
            if now >= deadline:
                _finish(out, result, "budget reached")
            limit = min(timeout, deadline - now)
            try:
                rows = _timed(limit, lambda q=q: run(q["query"]))
            except _Alarm:
                if limit < timeout:  # the budget, not the query's time limit, ran out
                    _finish(out, result, "budget reached")
                record["timed_out"] = True
                _write_json(out, result)
                continue
            except Exception as error:
                record["error"] = f"{type(error).__name__}: {error}"[:1000]
                _write_json(out, result)
                continue
            record["times_ms"].append(round((time.perf_counter() - now) * 1000, 2))
            record["rows"].append(len(rows))
            del rows
            _write_json(out, result)
    _finish(out, result, "done")
    return 0


# --------------------------------------------------------------------------------------------------------
# Parent side.


def maillage_executable() -> Path:
    """The ``maillage`` console script installed beside this interpreter (the venv's bin/)."""
    exe = Path(sys.executable).parent / ("maillage.exe" if os.name == "nt" else "maillage")
    if not exe.exists():
        raise SystemExit(f"no maillage console script beside {sys.executable}: run `pip install -e .` first")
    return exe


def run_child(argv: list[str], stderr_path: Path, budget_s: float | None = None) -> dict:
    """Run a child, stdout to /dev/null; wall time, exit code, peak RSS (kB); killed after ``budget_s``."""
    killed = False
    with stderr_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG if budget_s is not None else 0)
            if pid:
                break
            if time.perf_counter() - start > budget_s:
                child.send_signal(signal.SIGKILL)
                killed = True
                _, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "argv": [str(a) for a in argv],
        "returncode": child.returncode,
        "killed_at_budget": killed,
        "seconds": round(seconds, 3),
        "peak_rss_kb": usage.ru_maxrss,
        "user_s": round(usage.ru_utime, 3),
        "system_s": round(usage.ru_stime, 3),
        "stderr_tail": stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:],
    }


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def prepare_dataset(workdir: Path, fiches: int, seed: int, maillage: Path) -> dict:
    """Generate and build ``fiches`` fiches in ``workdir/fiches-N-seed-S`` (or reuse that build)."""
    folder = workdir / f"fiches-{fiches}-seed-{seed}"
    export = folder / f"export-{fiches}-seed-{seed}.txt"
    dataset = folder / "dataset"
    record_path = folder / "benchmark-build.json"
    if record_path.exists() and (dataset / "build.json").exists():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        build_json = json.loads((dataset / "build.json").read_text(encoding="utf-8"))
        if (
            record.get("fiches") == fiches
            and record.get("seed") == seed
            and record.get("build_json") == build_json
            and build_json.get("files") == [export.name]
            and (dataset / "graph.nt").exists()
            and (dataset / "store").is_dir()
        ):
            print(f"  reusing the build in {dataset} (made {record['date']})", file=sys.stderr)
            record["reused"] = True
            record["dataset"] = str(dataset)
            return record

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"  generating {fiches:,} fiches (seed {seed}) …", file=sys.stderr)
    gen = run_child(
        [str(maillage), "generate", "--fiches", str(fiches), "--seed", str(seed), "--out", str(export)],
        folder / "generate.err",
    )
    if gen["returncode"] != 0:
        raise SystemExit(f"maillage generate failed:\n{gen['stderr_tail']}")
    print(f"  maillage build --no-validate ({export.stat().st_size / 1e6:,.0f} MB export) …", file=sys.stderr)
    build = run_child(
        [str(maillage), "build", str(export), "--out", str(dataset), "--no-validate"], folder / "build.err"
    )
    if build["returncode"] != 0:
        raise SystemExit(f"maillage build failed:\n{build['stderr_tail']}")
    build["stderr_tail"] = build["stderr_tail"][-600:]
    build_json = json.loads((dataset / "build.json").read_text(encoding="utf-8"))
    record = {
        "fiches": fiches,
        "seed": seed,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": str(dataset),
        "export_bytes": export.stat().st_size,
        "ntriples_bytes": (dataset / "graph.nt").stat().st_size,
        "store_bytes": folder_bytes(dataset / "store"),
        "build_json": build_json,
        "generate": gen,
        "build": build,
    }
    record_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    record["reused"] = False
    return record


def measure_engine(
    engine: str,
    dataset: Path,
    queries: list[dict],
    runs: int,
    budget_s: float,
    query_timeout_s: float,
    scratch: Path,
) -> dict:
    spec_path = scratch / f"{engine}.spec.json"
    result_path = scratch / f"{engine}.result.json"
    result_path.unlink(missing_ok=True)
    spec = {"engine": engine, "dataset": str(dataset), "queries": queries, "runs": runs,
            "budget_s": budget_s, "query_timeout_s": query_timeout_s, "result": str(result_path)}
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    child = run_child([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
                      scratch / f"{engine}.err", budget_s=budget_s + KILL_GRACE_S)
    try:
        result = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = {"engine": engine, "status": "no result", "queries": {}}
    if child["killed_at_budget"] and result.get("status") in ("loading", "querying"):
        result["status"] = "killed at budget" if result["status"] == "querying" else "load not finished"
    elif child["returncode"] != 0 and result.get("status") != "load failed":
        result["status"] = f"child failed (exit code {child['returncode']})"
    result["budget_s"] = budget_s
    result["query_timeout_s"] = query_timeout_s
    result["runs_requested"] = runs
    result["child"] = child
    for record in result.get("queries", {}).values():
        times = record["times_ms"]
        record["median_ms"] = round(statistics.median(times), 2) if times else None
        record["runs"] = len(times)
        record["row_count"] = record["rows"][0] if record["rows"] else None
        record["rows_consistent"] = len(set(record["rows"])) <= 1
    return result


def load_queries() -> tuple[str, list[dict]]:
    try:
        from maillage.graph.catalogue import catalogue
    except ImportError as error:
        print(f"warning: no catalogue ({error}); measuring the {len(FALLBACK_QUERIES)} fallback queries",
              file=sys.stderr)
        return "fallback", [{"name": n, "title": t, "query": q} for n, t, q in FALLBACK_QUERIES]
    return "catalogue", [{"name": q.name, "title": q.title, "query": q.query} for q in catalogue()]


def compare_rows(engines: dict[str, dict], queries: list[dict]) -> list[str]:
    """Row-count disagreements between engines, or between runs of one engine."""
    problems = []
    for q in queries:
        counts = {}
        for engine, result in engines.items():
            record = result.get("queries", {}).get(q["name"])
            if not record or not record["rows"]:
                continue
            if not record["rows_consistent"]:
                counts_seen = sorted(set(record["rows"]))
                problems.append(f"{q['name']}: {engine} returned {counts_seen} rows in different runs")
            counts[engine] = record["rows"][0]
        if len(set(counts.values())) > 1:
            problems.append(f"{q['name']}: row counts differ: "
                            + ", ".join(f"{e} {n:,}" for e, n in counts.items()))
    return problems


# ---- reporting


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(a: float | None, b: float | None, a_at_least: bool = False, b_at_least: bool = False) -> str:
    """a / b: a lower bound (> …) if only ``a`` is a lower bound, an upper bound (< …) if only ``b`` is."""
    if a is None or b is None or b == 0 or (a_at_least and b_at_least):
        return "-"
    ratio = a / b
    text = f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.1f}×" if ratio >= 1 else f"{ratio:.2g}×"
    return f"> {text}" if a_at_least else f"< {text}" if b_at_least else text


def _engine_cell(result: dict, name: str) -> tuple[str, float | None, bool]:
    """A query's cell for one engine, its median (ms) for the ratios, and whether that is a lower bound."""
    record = result.get("queries", {}).get(name)
    if record is None or result.get("status") in ("load failed", "load not finished", "no result"):
        return "not run", None, False
    if record["error"]:
        return "error", None, False
    if not record["times_ms"]:
        if record.get("timed_out"):
            limit = result["query_timeout_s"] * 1000
            return f"> {limit:,.0f} (timeout)", limit, True
        return "not finished", None, False
    cell = _ms(record["median_ms"])
    if record["runs"] < result["runs_requested"]:
        cell += f" (n={record['runs']})"
    return cell, record["median_ms"], False


def size_rows(size: dict) -> list[tuple[str, ...]]:
    engines = size["engines"]
    rows = [("query", "rows", "rdflib ms", "oxigraph disk ms", "oxigraph memory ms",
             "rdflib/disk", "rdflib/memory", "disk/memory")]
    for q in size["queries"]:
        cells, medians, bounds = [], [], []
        for engine in ENGINES:
            cell, median, at_least = _engine_cell(engines[engine], q["name"])
            cells.append(cell)
            medians.append(median)
            bounds.append(at_least)
        counts = [engines[e].get("queries", {}).get(q["name"], {}).get("row_count") for e in ENGINES]
        known = {c for c in counts if c is not None}
        if len(known) > 1:  # the engines disagree: show each one's count, in column order
            row_cell = "≠ " + " / ".join("-" if c is None else f"{c:,}" for c in counts)
        else:
            row_cell = f"{known.pop():,}" if known else "-"
        (rdf, disk, mem), (rdf_b, disk_b, mem_b) = medians, bounds
        rows.append((q["name"], row_cell, *cells, _ratio(rdf, disk, rdf_b, disk_b),
                     _ratio(rdf, mem, rdf_b, mem_b), _ratio(disk, mem, disk_b, mem_b)))
    load = [engines[e].get("load_s") for e in ENGINES]
    rows.append(("load / open (s)", "", *(f"{v:,.2f}" if v is not None else _load_missing(engines[e])
                                          for v, e in zip(load, ENGINES, strict=True)),
                 _ratio(load[0], load[1]), _ratio(load[0], load[2]), _ratio(load[1], load[2])))
    after = [engines[e].get("rss_after_load_kb") for e in ENGINES]
    rows.append(("RSS after load (MB)", "", *(f"{v / 1024:,.0f}" if v else "-" for v in after),
                 _ratio(after[0], after[1]), _ratio(after[0], after[2]), _ratio(after[1], after[2])))
    loading = [engines[e].get("peak_rss_after_load_kb") for e in ENGINES]
    rows.append(("peak RSS by end of load (MB)", "", *(f"{v / 1024:,.0f}" if v else "-" for v in loading),
                 _ratio(loading[0], loading[1]), _ratio(loading[0], loading[2]),
                 _ratio(loading[1], loading[2])))
    peak = [engines[e]["child"]["peak_rss_kb"] for e in ENGINES]
    rows.append(("peak RSS (MB)", "", *(f"{v / 1024:,.0f}" for v in peak),
                 _ratio(peak[0], peak[1]), _ratio(peak[0], peak[2]), _ratio(peak[1], peak[2])))
    return rows


def _load_missing(result: dict) -> str:
    if result.get("status") == "load not finished":
        return f"> {result['budget_s']:g} (budget)"
    return result.get("status", "-")


def size_notes(size: dict) -> list[str]:
    notes = []
    for engine in ENGINES:
        result = size["engines"][engine]
        budget = result["budget_s"]
        status = result.get("status")
        records = result.get("queries", {})
        if status == "load not finished":
            notes.append(f"{engine}: the load alone did not finish within the {budget:g} s budget; "
                         "its queries were skipped")
        elif status == "load failed":
            notes.append(f"{engine}: loading/opening failed: {result.get('error')}")
        elif status == "budget reached":
            notes.append(f"{engine}: stopped at its {budget:g} s budget")
        elif status == "killed at budget":
            notes.append(f"{engine}: killed {KILL_GRACE_S:g} s after its {budget:g} s budget")
        elif status != "done":
            notes.append(f"{engine}: {status}")
        timed_out = [n for n, r in records.items() if r.get("timed_out")]
        if timed_out:
            notes.append(f"{engine}: over the {result['query_timeout_s']:g} s limit per query (interrupted, "
                         f"not run again): {', '.join(timed_out)}")
        unfinished = [n for n, r in records.items()
                      if not r["times_ms"] and not r["error"] and not r.get("timed_out")]
        if unfinished and status not in ("load not finished", "load failed"):
            notes.append(f"{engine}: not finished within {budget:g} s: {', '.join(unfinished)}")
        short = [f"{n} ({r['runs']})" for n, r in records.items()
                 if 0 < r["runs"] < result["runs_requested"] and not r.get("timed_out")]
        if short:
            notes.append(f"{engine}: fewer than {result['runs_requested']} runs within the {budget:g} s "
                         "budget: " + ", ".join(short))
        for n, r in result.get("queries", {}).items():
            if r["error"]:
                notes.append(f"{engine}: {n} failed: {r['error'][:300]}")
    notes.extend(f"row mismatch: {p}" for p in size["row_mismatches"])
    return notes


def size_header(size: dict) -> str:
    data = size["dataset"]
    build, gen = data["build"], data["generate"]
    reused = f", reused from {data['date']}" if data["reused"] else ""
    return (f"{data['fiches']:,} fiches: {data['build_json']['triples']:,} triples, "
            f"graph.nt {data['ntriples_bytes'] / 1e6:,.0f} MB, store {data['store_bytes'] / 1e6:,.0f} MB; "
            f"generate {gen['seconds']:.1f} s; build --no-validate {build['seconds']:.1f} s, "
            f"peak RSS {build['peak_rss_kb'] / 1024:,.0f} MB{reused}")


def text_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "| --- |" + " ---: |" * (len(rows[0]) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def machine() -> dict:
    memory_kb = None
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/meminfo", encoding="ascii") as f:
        memory_kb = int(f.readline().split()[1])
    versions = {}
    for package in ("rdflib", "pyoxigraph"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:
            versions[package] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "memory_gib": round(memory_kb / 1024 / 1024, 1) if memory_kb else None, **versions}


def _builds_note(results: dict) -> str:
    reused = [f"{size['fiches']:,}" for size in results["sizes"] if size["dataset"]["reused"]]
    if not reused:
        return ", generation and builds included"
    return f", reusing the earlier builds of {', '.join(reused)} fiches"


def markdown_report(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Store comparison: rdflib vs pyoxigraph on disk vs pyoxigraph in memory",
        "",
        f"Written by `benchmarks/store_comparison.py` on {results['date']}; {m['cpus']} cores, "
        f"{round(m['memory_gib'])} GiB (MemTotal {m['memory_gib']:g} GiB); Python {m['python']}, "
        f"rdflib {m['rdflib']}, pyoxigraph {m['pyoxigraph']}; "
        f"seed {results['seed']}; queries: {results['queries_source']} ({len(results['queries'])}); "
        f"{results['runs']} runs per query (rdflib: {results['rdflib_runs']}), median in ms, "
        "rows materialised; "
        f"budgets per child: rdflib {results['rdflib_budget_s']:g} s, "
        f"oxigraph {results['oxigraph_budget_s']:g} s; at most {results['query_timeout_s']:g} s per run of "
        f"a query. Total run time {results['total_s'] / 60:.1f} min{_builds_note(results)}.",
        "",
        "Each engine runs in its own child process. MB are MiB for memory, 10^6 bytes for files. Peak RSS "
        "is the child's `ru_maxrss` over its whole life (interpreter and imports included); \"RSS after "
        "load\" is its resident memory just after loading or opening, before any query, and \"peak RSS by "
        "end of load\" its `ru_maxrss` at that moment. The on-disk store is the one `maillage build` "
        "wrote, opened with `Store.read_only` (warm in the page cache when the build has just written it). "
        "Load / open is "
        + "; ".join(f"{engine}: `{label}`" for engine, label in LOAD_LABELS.items())
        + ". A median marked (n=…) has fewer runs than asked, the budget having run out; a row count "
        "marked ≠ shows each engine's count where they disagree.",
    ]
    for size in results["sizes"]:
        lines += ["", f"## {size['fiches']:,} fiches", "", size_header(size), "",
                  markdown_table(size_rows(size))]
        notes = size_notes(size)
        if notes:
            lines += ["", *(f"- {n}" for n in notes)]
    lines += ["", "## Queries", ""]
    lines += [f"- `{q['name']}`: {q['title']}" for q in results["queries"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="2000,20000,100000", help="fiche counts, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="runs per query, median reported (default 5)")
    parser.add_argument("--rdflib-runs", type=int, default=RDFLIB_RUNS,
                        help=f"runs per query for rdflib (default {RDFLIB_RUNS})")
    parser.add_argument("--rdflib-budget", type=float, default=RDFLIB_BUDGET,
                        help=f"seconds the rdflib child may take per size, load included "
                             f"(default {RDFLIB_BUDGET:g})")
    parser.add_argument("--oxigraph-budget", type=float, default=OXIGRAPH_BUDGET,
                        help=f"seconds each pyoxigraph child may take per size, load included "
                             f"(default {OXIGRAPH_BUDGET:g})")
    parser.add_argument("--query-timeout", type=float, default=QUERY_TIMEOUT,
                        help=f"seconds one run of one query may take before it is interrupted and not run "
                             f"again (default {QUERY_TIMEOUT:g})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON results")
    parser.add_argument("--md", type=Path, default=None,
                        help="where to write the Markdown report (default: beside --out, .md)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help=f"where the exports and builds go, kept for reruns (default {DEFAULT_WORKDIR})")
    args = parser.parse_args()
    if args.child:
        return child_main(args.child)

    started = time.perf_counter()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    md_path = args.md or args.out.with_suffix(".md")
    maillage = maillage_executable()
    queries_source, queries = load_queries()
    args.workdir.mkdir(parents=True, exist_ok=True)

    results: dict = {
        "benchmark": "store_comparison",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seed": args.seed,
        "runs": args.runs,
        "rdflib_runs": args.rdflib_runs,
        "rdflib_budget_s": args.rdflib_budget,
        "oxigraph_budget_s": args.oxigraph_budget,
        "query_timeout_s": args.query_timeout,
        "queries_source": queries_source,
        "queries": queries,
        "sizes": [],
    }
    status = 0
    for fiches in sizes:
        print(f"\n{fiches:,} fiches", file=sys.stderr)
        data = prepare_dataset(args.workdir, fiches, args.seed, maillage)
        dataset = Path(data["dataset"])
        scratch = dataset.parent / "runs"
        scratch.mkdir(exist_ok=True)
        engines = {}
        for engine in ENGINES:
            if engine == "rdflib":
                runs, budget = args.rdflib_runs, args.rdflib_budget
            else:
                runs, budget = args.runs, args.oxigraph_budget
            print(f"  {engine}: {runs} runs per query, budget {budget:g} s …", file=sys.stderr)
            engines[engine] = measure_engine(engine, dataset, queries, runs, budget, args.query_timeout,
                                             scratch)
            r = engines[engine]
            print(f"    {r['status']}, load {r.get('load_s')} s, child {r['child']['seconds']:.1f} s, "
                  f"peak RSS {r['child']['peak_rss_kb'] / 1024:,.0f} MB", file=sys.stderr)
        size = {"fiches": fiches, "dataset": data, "queries": queries, "engines": engines}
        size["row_mismatches"] = compare_rows(engines, queries)
        if any(r["status"] not in MEASURED for r in engines.values()):
            status = 1  # an engine failed (not merely ran out of time): the notes say how
        results["sizes"].append(size)
        print(f"\n{size_header(size)}")
        print(text_table(size_rows(size)))
        for note in size_notes(size):
            print(f"  {note}")
        sys.stdout.flush()

    results["total_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown_report(results), encoding="utf-8")
    print(f"\ntotal {results['total_s'] / 60:.1f} min{_builds_note(results)}; "
          f"results written to {args.out} and {md_path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
