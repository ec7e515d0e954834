"""A bounded load test of ``maillage serve`` on loopback: many clients, a mix of requests, a slow query.

    .venv/bin/python benchmarks/load.py [--fiches 20000] [--seconds 60] [--clients 32] [--quick]
        [--data DIR] [--out-dir benchmarks/results] [--corpus-dir benchmarks/corpus]
        [--time-limit 10] [--slow-every 10] [--warmup 10] [--kinds action,fiche,...] [--fresh 0]

What it does:

1. The dataset: ``--data DIR`` (a built folder), or else a corpus of ``--fiches`` generated fiches
   (``maillage generate --seed 1``, cached in ``--corpus-dir`` as ``benchmarks/national.py`` caches it)
   built with ``maillage build --no-validate`` into ``CORPUS_DIR/load-N-seed-S/dataset``; that build is
   reused while the corpus and the build code (the ``maillage.graph`` and ``maillage.ontology`` files)
   are those it was built from.
2. ``maillage serve`` on a free loopback port as a child in its own process group, with a real time
   limit (``--time-limit``, the server's default of 10 s); it is killed with its query workers at the end
   whatever happens (also if this script is killed: the child asks the kernel for SIGKILL when its parent
   dies). IRIs to visit are picked from the graph through the endpoint, up to 500 of each kind
   (``--kinds``: actions, fiches, structures, partner organisations, concepts, concept schemes,
   territories), and a page request picks a kind, then an IRI of it.
3. ``--clients`` threads, each with one keep-alive connection (``national.Client``), send for
   ``--warmup`` seconds, then for ``--seconds`` seconds (measured), a random mix: half catalogue
   questions (the exact texts of ``maillage.graph.catalogue``, Accept JSON, by GET, POST form and POST
   ``application/sparql-query`` in turn), a quarter resource pages in HTML and a quarter in RDF (Turtle or
   JSON-LD), each asked at the thing's IRI with ``Accept`` and followed through its 303 to the document.
   Every ``--slow-every`` seconds the next client to pick a request sends the slow query instead, a
   cartesian product over all triples (``COUNT(*)``; see ``SLOW_QUERIES``): the server must cut it at
   its time limit with a 503 and a message. ``--fresh SHARE`` adds a class of catalogue questions made
   new by a comment, which no cache answers (a query worker runs each): off by default.
4. Reports per class (catalogue, [fresh,] page-html, page-rdf, slow): requests, expected answers ("ok":
   200, and for the slow query its 503), throughput, p50/p99/max latency (a request that timed out
   counts as infinitely slow), status counts; errors split into expected (the slow query's 503) and
   unexpected (any other 5xx, 4xx, connection errors, timeouts); the resident memory of the server's
   process tree (the web process and its query workers) after the warm-up and after the load, each
   measured once the server is idle again (answers fresh queries, its processes use no CPU), and its
   peak during the load; the load average before and after. Goals, as pass/fail lines: zero unexpected
   errors, p99 of the catalogue queries under 500 ms, memory growth at most 10 %, the slow query cut by
   the time limit, the server answering after the load. Writes ``load-YYYY-MM-DD.json`` (or
   ``load-YYYY-MM-DD-quick.json``) into ``--out-dir`` and prints the tables.

``--quick`` (the CI test's run): 300 fiches, 2 s warm-up, 8 s of load, a 2 s time limit, the slow query
every 3 s. Every request has a timeout (three time limits plus 15 s: a query may wait for a worker, for
its loading, then run). Exit status: 0 when every goal held, 1 when one was missed, 2 when the run could
not be made (corpus, build or server failed). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import psutil
from national import (
    JSON_RESULTS,
    MAILLAGE,
    PROBE_QUERY,
    Client,
    MiB,
    Server,
    TreeSampler,
    catalogue_questions,
    ensure_corpus,
    free_port,
    generator_digest,
    machine,
    measure_build,
    percentile,
    query_path,
    save,
    say,
    summarise_phase,
    table,
    tree_rss,
    uncached,
)

HERE = Path(__file__).resolve().parent
MLG = "https://w3id.org/maillage/ontologie#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: The resources whose pages are visited, by the class that types them.
KINDS = {
    "action": MLG + "Action",
    "fiche": MLG + "Fiche",
    "structure": MLG + "Structure",
    "organisation": MLG + "Partenaire",
    "concept": SKOS + "Concept",
    "scheme": SKOS + "ConceptScheme",
    "territoire": MLG + "Territoire",
}
#: The slow query: a cartesian product of all triples with themselves, counted. Oxigraph holds one side
#: of each product in memory (about 600 bytes a triple: 630 MB at 1 M triples, under the server's 1 GB
#: allowance per query), so large graphs get two factors and small ones three, which no time limit lets
#: finish (the seed's 3,390 triples squared take 3 s).
SLOW_QUERIES = (
    (100_000, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"),
    (0, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
)
CATALOGUE_WAYS = ("GET", "POST form", "POST sparql-query")
RDF_FORMATS = ("text/turtle", "application/ld+json")
HTML = "text/html"
CLASSES = ("catalogue", "fresh", "page-html", "page-rdf", "slow")
AFTER_LOAD = ("catalogue_status", "fresh_query_status", "page_status")
#: The server's defaults (``maillage serve``), recorded with the figures.
SERVER_WORKERS, SERVER_THREADS = 2, 32
#: Run in the server's place on Linux: asks for SIGKILL when this script dies, then becomes the server.
PARENT_WATCH = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


@dataclass(frozen=True)
class Settings:
    fiches: int = 20_000
    seed: int = 1
    seconds: float = 60.0
    warmup_s: float = 10.0
    clients: int = 32
    time_limit_s: float = 10.0
    #: The server's HTTP threads (0: its default).
    threads: int = 0
    slow_every_s: float = 10.0
    catalogue_share: float = 0.5
    #: Share of catalogue questions made new by a comment (no cache: a query worker runs them); 0 by default.
    fresh_share: float = 0.0
    #: The kinds of resources whose pages are visited (all of KINDS by default).
    kinds: tuple[str, ...] = tuple(KINDS)
    iris_per_kind: int = 500
    generate_cap_s: float = 600.0
    build_cap_s: float = 1800.0
    start_cap_s: float = 300.0
    settle_cap_s: float = 120.0
    quick: bool = False

    @property
    def request_timeout_s(self) -> float:
        """A query may wait a time limit for a worker, another for its loading, a third to run."""
        return 3 * self.time_limit_s + 15.0


QUICK = {"fiches": 300, "seconds": 8.0, "warmup_s": 2.0, "time_limit_s": 2.0, "slow_every_s": 3.0}


# ------------------------------------------------------------------------------------------------------
# Requests: national.Client's keep-alive connection, with any method, headers and body.


class _Exchange(http.client.HTTPConnection):
    """A connection that sends what its client set up, whatever ``national.Client.get`` asks for.

    ``Client.get`` holds the keep-alive logic (one retry of a stale connection, timeouts and connection
    errors as statuses -1 and 0); this connection swaps in the method, headers and body of the request
    being made, and keeps the response so that its headers can be read.
    """

    def __init__(self, client: LoadClient) -> None:
        super().__init__("127.0.0.1", client.port, timeout=client.timeout)
        self.client = client

    def request(self, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any) -> None:
        method, headers, body = self.client.pending
        super().request(method, url, body=body, headers=headers)

    def getresponse(self) -> http.client.HTTPResponse:
        response = super().getresponse()
        self.client.response = response
        return response


class LoadClient(Client):
    """One client of the load: ``send`` any request on its keep-alive connection."""

    def __init__(self, port: int, timeout: float) -> None:
        super().__init__(port, timeout)
        self.pending: tuple[str, dict[str, str], bytes | None] = ("GET", {}, None)
        self.response: http.client.HTTPResponse | None = None

    def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes, float, http.client.HTTPResponse | None]:
        """(status, body, seconds, response); status -1 for a timeout, 0 for a connection error."""
        self.pending, self.response = (method, headers, body), None
        if self.conn is None:
            self.conn = _Exchange(self)
        status, data, seconds = self.get(path)
        return status, data, seconds, self.response if status > 0 else None

    def close(self) -> None:
        """Closed after an error or a ``Connection: close``: the next request opens a new connection."""
        super().close()
        self.conn = _Exchange(self)

    def shut(self) -> None:
        super().close()


@dataclass
class Sample:
    kind: str
    status: int
    seconds: float
    way: str
    message: str = ""
    wrong_type: bool = False
    #: For a page: the kind of resource (action, concept…).
    resource: str = ""


def catalogue_request(client: LoadClient, text: str, way: str) -> Sample:
    """A catalogue question by GET, POST form or POST ``application/sparql-query``, in JSON."""
    if way == "GET":
        status, body, seconds, _ = client.send("GET", query_path("/sparql", text), {"Accept": JSON_RESULTS})
    elif way == "POST form":
        form = urllib.parse.urlencode({"query": text}).encode()
        headers = {"Accept": JSON_RESULTS, "Content-Type": "application/x-www-form-urlencoded"}
        status, body, seconds, _ = client.send("POST", "/sparql", headers, form)
    else:
        headers = {"Accept": JSON_RESULTS, "Content-Type": "application/sparql-query"}
        status, body, seconds, _ = client.send("POST", "/sparql", headers, text.encode())
    return Sample("catalogue", status, seconds, way, message(status, body))


def page_request(client: LoadClient, kind: str, resource: str, path: str, media: str) -> Sample:
    """A thing's IRI with ``Accept: media``: its 303, then the document it points to (one latency)."""
    status, body, seconds, response = client.send("GET", path, {"Accept": media})
    location = response.getheader("Location") if response is not None else None
    if status == 303 and location:
        status, body, more, response = client.send(
            "GET", urllib.parse.urljoin(path, location), {"Accept": media}
        )
        seconds += more
    served = (response.getheader("Content-Type") or "").split(";")[0] if response is not None else ""
    wrong = status == 200 and served != media
    return Sample(kind, status, seconds, media, message(status, body), wrong, resource)


def slow_query(triples: int) -> str:
    return next(text for least, text in SLOW_QUERIES if triples >= least)


def fresh_request(client: LoadClient, text: str) -> Sample:
    """A catalogue question no cache has seen: the guard, a query worker and the serialisation run."""
    path = query_path("/sparql", uncached(text))
    status, body, seconds, _ = client.send("GET", path, {"Accept": JSON_RESULTS})
    return Sample("fresh", status, seconds, "GET", message(status, body))


def slow_request(client: LoadClient, text: str) -> Sample:
    status, body, seconds, _ = client.send("GET", query_path("/sparql", text), {"Accept": JSON_RESULTS})
    return Sample("slow", status, seconds, "GET", message(status, body))


def message(status: int, body: bytes) -> str:
    """What an error answer said (its first line), for the report."""
    if status in (200, 303) or status <= 0:
        return ""
    return body.decode("utf-8", "replace").strip().splitlines()[0][:200] if body.strip() else "(empty body)"


# ------------------------------------------------------------------------------------------------------
# The mix and the phases.


@dataclass
class Plan:
    """What the clients ask: the catalogue texts, the pages by kind, the slow query and its rhythm."""

    texts: list[str]
    pages: dict[str, list[str]]
    slow_text: str
    settings: Settings

    def __post_init__(self) -> None:
        self.kinds = [kind for kind, paths in self.pages.items() if paths]
        self._lock = threading.Lock()
        self._next_slow = 0.0

    def start(self) -> None:
        with self._lock:
            self._next_slow = time.perf_counter()

    def slow_due(self) -> bool:
        """True for the one client that takes the slow query's next turn."""
        with self._lock:
            now = time.perf_counter()
            if self.settings.slow_every_s <= 0 or now < self._next_slow:
                return False
            self._next_slow = now + self.settings.slow_every_s
            return True

    def next(self, client: LoadClient, pick: random.Random, turn: int) -> Sample:
        if self.slow_due():
            return slow_request(client, self.slow_text)
        draw = pick.random()
        if draw < self.settings.fresh_share:
            return fresh_request(client, pick.choice(self.texts))
        if not self.kinds or draw < self.settings.fresh_share + self.settings.catalogue_share:
            return catalogue_request(client, pick.choice(self.texts), CATALOGUE_WAYS[turn % 3])
        kind = pick.choice(self.kinds)
        path = pick.choice(self.pages[kind])
        if pick.random() < 0.5:
            return page_request(client, "page-html", kind, path, HTML)
        return page_request(client, "page-rdf", kind, path, RDF_FORMATS[turn % 2])


def run_phase(
    port: int, plan: Plan, settings: Settings, seconds: float, seed: int
) -> tuple[list[Sample], float]:
    """``settings.clients`` threads sending the mix for ``seconds``, then waiting for their last answer."""
    samples: list[Sample] = []
    lock = threading.Lock()
    plan.start()
    started = time.perf_counter()
    deadline = started + seconds

    def loop(index: int) -> None:
        client, pick, turn = (
            LoadClient(port, settings.request_timeout_s),
            random.Random(seed * 1000 + index),
            0,
        )
        try:
            while time.perf_counter() < deadline:
                sample = plan.next(client, pick, index + turn)
                turn += 1
                with lock:
                    samples.append(sample)
        finally:
            client.shut()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(settings.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()) + 2 * settings.request_timeout_s + 5)
    with lock:
        return list(samples), time.perf_counter() - started


def expected(sample: Sample) -> bool:
    """The answer the class should get: 200 in the asked format, or the slow query's 503."""
    if sample.kind == "slow":
        return sample.status == 503
    return sample.status == 200 and not sample.wrong_type


def summarise(samples: list[Sample], wall: float, settings: Settings) -> dict[str, Any]:
    """Per class: national's phase summary ("ok" = the expected answer), statuses, ways, messages."""
    classes: dict[str, Any] = {}
    for kind in CLASSES:
        mine = [s for s in samples if s.kind == kind]
        if not mine and kind == "fresh":
            continue  # not in the mix
        # summarise_phase counts status 200 as an answer: the expected answer stands in for it.
        marked = [(200 if expected(s) else s.status, s.seconds) for s in mine]
        entry = summarise_phase(marked, wall, settings.clients, settings.seconds, settings.request_timeout_s)
        entry.update(
            statuses={str(k): v for k, v in sorted(Counter(s.status for s in mine).items())},
            ways=dict(sorted(Counter(s.way for s in mine).items())),
            wrong_media_type=sum(s.wrong_type for s in mine),
            messages=dict(Counter(s.message for s in mine if s.message).most_common(5)),
        )
        answered = sorted(s.seconds for s in mine if s.status > 0)
        if kind == "slow" and answered:  # its expected answers take the time limit: say how long
            entry["answered_p50_ms"] = round(percentile(answered, 0.5) * 1000, 2)
        classes[kind] = entry
    return classes


def by_resource(samples: list[Sample]) -> dict[str, Any]:
    """The pages (both classes) by kind of resource: latencies, and each kind's share of the time waited."""
    pages = [s for s in samples if s.resource]
    waited = sum(s.seconds for s in pages) or 1.0
    kinds: dict[str, Any] = {}
    for kind in sorted({s.resource for s in pages}):
        mine = [s for s in pages if s.resource == kind]
        latencies = sorted(s.seconds if s.status != -1 else float("inf") for s in mine if s.status != 0)
        kinds[kind] = {
            "requests": len(mine),
            "p50_ms": None if not latencies else round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": None if not latencies else round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": None if not latencies else round(latencies[-1] * 1000, 1),
            "share_of_time": round(sum(s.seconds for s in mine) / waited, 3),
        }
    return kinds


def errors(samples: list[Sample]) -> dict[str, Any]:
    """Expected errors (the slow query's 503) and unexpected ones, with a few examples of the latter."""
    unexpected = {"5xx": 0, "4xx": 0, "connection_errors": 0, "timeouts": 0, "wrong_media_type": 0}
    expected_503 = Counter()
    examples: list[dict[str, Any]] = []
    for s in samples:
        if s.kind == "slow" and s.status == 503:
            expected_503["time limit" if "time limit" in s.message else s.message or "(no message)"] += 1
            continue
        key = (
            "timeouts"
            if s.status == -1
            else "connection_errors"
            if s.status == 0
            else "5xx"
            if s.status >= 500
            else "4xx"
            if s.status >= 400
            else "wrong_media_type"
            if s.wrong_type
            else None
        )
        if key is None:
            continue
        unexpected[key] += 1
        if len(examples) < 10:
            examples.append({"class": s.kind, "status": s.status, "way": s.way, "message": s.message})
    return {
        "expected": {"slow_503": sum(expected_503.values()), "messages": dict(expected_503)},
        "unexpected": {**unexpected, "total": sum(unexpected.values()), "examples": examples},
    }


# ------------------------------------------------------------------------------------------------------
# The server: dataset, start, IRIs, idle, memory.


def build_digest() -> str:
    """What makes a built dataset stale: the build code and the ontology it reads."""
    digest = hashlib.sha256()
    for package in ("maillage.graph", "maillage.ontology"):
        root = Path(str(files(package)))
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_dataset(settings: Settings, corpus_dir: Path) -> tuple[dict[str, Any], Path | None]:
    """The built corpus of ``settings.fiches``: reused while its corpus and the build code are unchanged."""
    corpus, path = ensure_corpus(settings.fiches, settings.seed, corpus_dir, settings.generate_cap_s)
    if path is None:
        return {"corpus": corpus}, None
    workdir = corpus_dir / f"load-{settings.fiches}-seed-{settings.seed}"
    workdir.mkdir(parents=True, exist_ok=True)
    stamp_path = workdir / "stamp.json"
    stamp = {
        "corpus_generator": generator_digest(),
        "corpus_bytes": path.stat().st_size,
        "build": build_digest(),
    }
    dataset = workdir / "dataset"
    if stamp_path.exists() and (dataset / "build.json").exists():
        kept = json.loads(stamp_path.read_text(encoding="utf-8"))
        if kept["stamp"] == stamp:
            return {"corpus": corpus, "build": {**kept["build"], "reused": True}}, dataset
    stamp_path.unlink(missing_ok=True)
    say(f"building {settings.fiches:,} fiches (maillage build --no-validate)")
    build, built = measure_build(path, workdir, settings.build_cap_s)
    if built is not None:
        save(stamp_path, {"stamp": stamp, "build": build})
    return {"corpus": corpus, "build": {**build, "reused": False}}, built


def serve_command(dataset: Path, port: int, settings: Settings) -> list[str]:
    command = [
        MAILLAGE, "serve", "--data", str(dataset), "--host", "127.0.0.1", "--port", str(port),
        "--time-limit", f"{settings.time_limit_s:g}",
    ]  # fmt: skip
    if settings.threads:
        command += ["--threads", str(settings.threads)]
    if sys.platform.startswith("linux"):
        return [sys.executable, "-c", PARENT_WATCH, str(os.getpid()), *command]
    return command


def pick_pages(port: int, base_iri: str, settings: Settings) -> dict[str, list[str]]:
    """Up to ``iris_per_kind`` local paths per kind of resource, drawn from the graph (seeded)."""
    client, pick, pages = LoadClient(port, settings.request_timeout_s), random.Random(settings.seed), {}
    try:
        for kind in settings.kinds:
            type_iri = KINDS[kind]
            query = (
                f"SELECT ?s WHERE {{ ?s a <{type_iri}> "
                f'FILTER(STRSTARTS(STR(?s), "{base_iri}") && !CONTAINS(STR(?s), "#")) }} LIMIT 10000'
            )
            status, body, _, _ = client.send("GET", query_path("/sparql", query), {"Accept": JSON_RESULTS})
            if status != 200:
                raise RuntimeError(f"picking the {kind} IRIs: HTTP {status} {message(status, body)}")
            iris = [row["s"]["value"] for row in json.loads(body)["results"]["bindings"]]
            chosen = pick.sample(iris, min(len(iris), settings.iris_per_kind))
            pages[kind] = ["/" + iri[len(base_iri) :] for iri in sorted(chosen)]
    finally:
        client.shut()
    return pages


def tree_cpu(pid: int) -> tuple[float, frozenset[int]]:
    """CPU seconds used so far by the server's process tree, and which processes it holds."""
    try:
        members = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return 0.0, frozenset()
    total, pids = 0.0, set()
    for member in members:
        with contextlib.suppress(psutil.Error):
            times = member.cpu_times()
            total += times.user + times.system
            pids.add(member.pid)
    return total, frozenset(pids)


def settle(server: Server, settings: Settings) -> dict[str, Any]:
    """Wait until the server is idle: two fresh queries answered at once (workers up), then a second in
    which its processes used under 2 % of a core (no worker still loading the graph)."""
    started = time.perf_counter()
    deadline = started + settings.settle_cap_s
    answered = False
    while time.perf_counter() < deadline:
        if not answered:
            with ThreadPoolExecutor(SERVER_WORKERS) as probes:
                fresh = [uncached(PROBE_QUERY) for _ in range(SERVER_WORKERS)]
                answered = all(probes.map(lambda text: server.idle(settings.request_timeout_s, text), fresh))
            time.sleep(0 if answered else 0.5)
            continue
        before, pids = tree_cpu(server.process.pid)
        time.sleep(1.0)
        after, pids_after = tree_cpu(server.process.pid)
        if pids == pids_after and after - before < 0.02:
            return {"status": "ok", "seconds": round(time.perf_counter() - started, 2)}
    return {"status": "dnf", "cap_s": settings.settle_cap_s, "answered": answered}


def cpu_seconds(pid: int) -> float:
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    return 0.0


def memory(pid: int) -> dict[str, Any]:
    """The server tree's RSS (median of 5 samples over a second), and each process's (anonymous part)."""
    totals = []
    for _ in range(5):
        totals.append(tree_rss(pid))
        time.sleep(0.2)
    processes = []
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for member in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                info = member.memory_info()
                role = (
                    "web"
                    if member.pid == pid
                    else "worker"
                    if "spawn_main" in " ".join(member.cmdline())
                    else "other"
                )
                processes.append(
                    {
                        "pid": member.pid,
                        "role": role,
                        "rss_bytes": info.rss,
                        "anon_bytes": info.rss - info.shared,
                    }
                )
    return {"tree_rss_bytes": int(statistics.median(totals)), "processes": processes}


def final_checks(
    port: int, settings: Settings, texts: list[str], pages: dict[str, list[str]]
) -> dict[str, Any]:
    """After the load: a catalogue question, a fresh query (a worker runs it) and a page still answer."""
    client = LoadClient(port, settings.request_timeout_s)
    try:
        catalogue = catalogue_request(client, texts[0], "GET")
        fresh = client.send("GET", query_path("/sparql", uncached(PROBE_QUERY)), {"Accept": JSON_RESULTS})
        kind = next((kind for kind, paths in pages.items() if paths), None)
        page = page_request(client, "page-html", kind, pages[kind][0], HTML) if kind else None
    finally:
        client.shut()
    return {
        "catalogue_status": catalogue.status,
        "fresh_query_status": fresh[0],
        "page_status": page.status if page else None,
    }


# ------------------------------------------------------------------------------------------------------
# The run.


class Stopped(Exception):
    """SIGTERM or SIGHUP: unwind, so that the server is stopped."""


def _on_signal(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def run(settings: Settings, data: Path | None, corpus_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "load",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {**asdict(settings), "request_timeout_s": settings.request_timeout_s},
        "status": "failed",
    }
    if data is None:
        results["dataset"], dataset = ensure_dataset(settings, corpus_dir)
    else:
        results["dataset"], dataset = {"given": str(data)}, data
    if dataset is None:
        results["reason"] = "no dataset: the corpus or the build failed"
        return results
    built = json.loads((dataset / "build.json").read_text(encoding="utf-8"))
    results["dataset"].update(path=str(dataset), fiches=built["kept"], triples=built["triples"])
    port = free_port()
    corpus_dir.mkdir(parents=True, exist_ok=True)
    server = Server(serve_command(dataset, port, settings), port, "/sparql", corpus_dir / "load-serve.log")
    try:
        say(f"starting maillage serve on {built['triples']:,} triples (port {port})")
        start = server.start(settings.start_cap_s)
        results["server"] = {
            "start": start,
            "time_limit_s": settings.time_limit_s,
            "workers": SERVER_WORKERS,
            "threads": settings.threads or SERVER_THREADS,
        }
        if start["status"] != "ok":
            results["reason"] = f"the server did not start: {start.get('reason')}"
            return results
        measure_load(server, built["base_iri"], built["triples"], settings, results)
        results["status"] = "ok"
    finally:
        server.stop()
        results["wall_s"] = round(time.perf_counter() - started, 1)
        results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def measure_load(
    server: Server, base_iri: str, triples: int, settings: Settings, results: dict[str, Any]
) -> None:
    """Pick the pages, warm up, measure memory, run the load, measure memory again, check it answers."""
    texts = [text for _, text in catalogue_questions()]
    pages = pick_pages(server.port, base_iri, settings)
    results["pages"] = {kind: len(paths) for kind, paths in pages.items()}
    slow_text = slow_query(triples)
    results["slow_query"] = slow_text
    plan = Plan(texts, pages, slow_text, settings)
    say(f"warm-up: {settings.clients} clients for {settings.warmup_s:g} s")
    warm, warm_wall = run_phase(server.port, plan, settings, settings.warmup_s, settings.seed + 1)
    results["warmup"] = {
        "requests": len(warm),
        "wall_s": round(warm_wall, 2),
        "unexpected": errors(warm)["unexpected"]["total"],
    }
    pid = server.process.pid
    results["memory"] = {"settle_before": settle(server, settings), "before": memory(pid)}
    load_before = [round(x, 2) for x in os.getloadavg()]
    say(f"load: {settings.clients} clients for {settings.seconds:g} s (load average {load_before[0]})")
    sampler, web_cpu = TreeSampler(pid), cpu_seconds(pid)
    samples, wall = run_phase(server.port, plan, settings, settings.seconds, settings.seed)
    peak, web_cpu = sampler.stop(), cpu_seconds(pid) - web_cpu
    results["load_average"] = {
        "before_load": load_before,
        "after_load": [round(x, 2) for x in os.getloadavg()],
    }
    results["memory"]["settle_after"] = settle(server, settings)
    results["memory"]["after"] = memory(pid)
    results["memory"]["peak_during_load_bytes"] = peak
    before, after = (
        results["memory"]["before"]["tree_rss_bytes"],
        results["memory"]["after"]["tree_rss_bytes"],
    )
    results["memory"]["growth_ratio"] = round(after / before - 1, 4) if before else None
    results["wall_s_load"] = round(wall, 2)
    results["classes"] = summarise(samples, wall, settings)
    results["pages_by_kind"] = by_resource(samples)
    answered = [s for s in samples if s.status > 0]
    results["total"] = {
        "requests": len(samples),
        "answered": len(answered),
        "throughput_rps": round(len(answered) / wall, 2) if wall else None,
        # The web process's CPU (pages, HTTP, guard; not the workers'): per answer, and the share of a
        # core it got; well under one core while its threads were all busy means the machine was short.
        "web_cpu_s": round(web_cpu, 2),
        "web_cpu_ms_per_answer": round(web_cpu / len(answered) * 1000, 1) if answered else None,
        "web_cores_used": round(web_cpu / wall, 2) if wall else None,
    }
    results["errors"] = errors(samples)
    results["after_load"] = final_checks(server.port, settings, texts, pages)
    if server.process.poll() is not None:
        results["after_load"]["server_exited"] = server.process.returncode


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's goals, and the slow query's cut, each with its value and whether it held."""
    if results.get("status") != "ok":
        return [{"goal": "the load ran", "value": results.get("reason"), "passed": False}]
    unexpected = results["errors"]["unexpected"]
    p99 = results["classes"]["catalogue"]["p99_ms"]
    growth = results["memory"]["growth_ratio"]
    slow = results["errors"]["expected"]
    checks = [
        ("zero unexpected errors (5xx other than the slow query's 503, 4xx, connection errors, timeouts)",
         f"{unexpected['total']} ({unexpected['5xx']} 5xx, {unexpected['4xx']} 4xx, "
         f"{unexpected['connection_errors']} connection errors, {unexpected['timeouts']} timeouts)",
         unexpected["total"] == 0),
        ("p99 of catalogue queries < 500 ms", f"{p99} ms", p99 is not None and p99 < 500),
        ("memory growth ≤ 10 %", None if growth is None else f"{growth * 100:+.1f} %",
         growth is not None and growth <= 0.10),
        ("the slow query is cut at the time limit (503 with a message)",
         f"{slow['messages'].get('time limit', 0)} of {results['classes']['slow']['requests']}",
         slow["messages"].get("time limit", 0) > 0),
        ("the server answers after the load (catalogue, fresh query, page)",
         str(results["after_load"]),
         all(results["after_load"].get(k) == 200 for k in AFTER_LOAD)),
    ]  # fmt: skip
    return [{"goal": goal, "value": value, "passed": passed} for goal, value, passed in checks]


# ------------------------------------------------------------------------------------------------------
# Report.


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def report(results: dict[str, Any]) -> str:
    lines = []
    if "classes" in results:
        rows = [
            [
                kind,
                f"{entry['requests']:,}",
                f"{entry['ok']:,}",
                f"{entry['throughput_rps']:,.1f}",
                ms(entry["p50_ms"]),
                ms(entry["p99_ms"]),
                ms(entry["max_ms"]),
                " ".join(f"{k}:{v}" for k, v in entry["statuses"].items()),
            ]
            for kind, entry in results["classes"].items()
        ]
        total = results["total"]
        rows.append(
            [
                "all",
                f"{total['requests']:,}",
                f"{total['answered']:,}",
                f"{total['throughput_rps']:,.1f}",
                "",
                "",
                "",
                "",
            ]
        )
        dataset = results["dataset"]
        title = (
            f"load: {results['settings']['clients']} clients, {results['wall_s_load']:.0f} s, "
            f"{dataset['fiches']:,} fiches ({dataset['triples']:,} triples), time limit "
            f"{results['server']['time_limit_s']:g} s"
        )
        lines.append(
            table(title, ["class", "requests", "ok", "ok/s", "p50 ms", "p99 ms", "max ms", "statuses"], rows)
        )
        kinds = [
            [
                kind,
                f"{e['requests']:,}",
                ms(e["p50_ms"]),
                ms(e["p99_ms"]),
                ms(e["max_ms"]),
                f"{e['share_of_time']:.0%}",
            ]
            for kind, e in results["pages_by_kind"].items()
        ]
        lines.append(
            table("pages by kind", ["kind", "requests", "p50 ms", "p99 ms", "max ms", "time"], kinds)
        )
        errs = results["errors"]
        lines.append(
            f"\nerrors: expected {errs['expected']['slow_503']} "
            f"(the slow query's 503: {errs['expected']['messages']}); "
            f"unexpected {errs['unexpected']['total']} "
            + json.dumps({k: v for k, v in errs["unexpected"].items() if k not in ("total", "examples")})
        )
        memory_ = results["memory"]
        lines.append(
            f"memory of the server tree: before {memory_['before']['tree_rss_bytes'] / MiB:,.0f} MiB, after "
            f"{memory_['after']['tree_rss_bytes'] / MiB:,.0f} MiB, peak during the load "
            f"{memory_['peak_during_load_bytes'] / MiB:,.0f} MiB"
        )
        lines.append(
            f"web process CPU: {total['web_cpu_s']:,.1f} s, {total['web_cpu_ms_per_answer']} ms per answer, "
            f"{total['web_cores_used']} of a core on average"
        )
        lines.append(
            f"load average (1, 5, 15 min): before {results['load_average']['before_load']}, "
            f"after {results['load_average']['after_load']} ({results['machine']['cores']} cores)"
        )
    lines.append("\n== goals ==")
    lines += [f"{'PASS' if g['passed'] else 'FAIL'}  {g['goal']}: {g['value']}" for g in results["goals"]]
    return "\n".join(lines)


#: The options that override a setting (of the full run, or of --quick): flag -> (field, type, help).
SETTING_OPTIONS = {
    "--fiches": ("fiches", int, "generated fiches [20000; quick 300]"),
    "--seconds": ("seconds", float, "measured load [60; quick 8]"),
    "--clients": ("clients", int, "concurrent clients [32]"),
    "--warmup": ("warmup_s", float, "warm-up seconds before the measure [10; quick 2]"),
    "--time-limit": ("time_limit_s", float, "the server's --time-limit [10; quick 2]"),
    "--slow-every": ("slow_every_s", float, "seconds between two slow queries [10; quick 3]"),
    "--threads": ("threads", int, "the server's --threads [its default]"),
    "--fresh": ("fresh_share", float, "share of uncached catalogue questions, the 'fresh' class [0]"),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, (field, kind, text) in SETTING_OPTIONS.items():
        parser.add_argument(flag, dest=field, type=kind, default=None, help=text)
    parser.add_argument(
        "--kinds", default=None, help=f"the kinds of pages visited, comma-separated [{','.join(KINDS)}]"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed, and the mix's [1]")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 fiches, 8 s (the CI test)")
    parser.add_argument("--data", type=Path, default=None, help="an already built dataset folder")
    parser.add_argument(
        "--out-dir", type=Path, default=HERE / "results", help="the JSON [benchmarks/results]"
    )
    parser.add_argument(
        "--corpus-dir", type=Path, default=HERE / "corpus", help="corpora and builds [benchmarks/corpus]"
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = replace(Settings(quick=args.quick, seed=args.seed), **(QUICK if args.quick else {}))
    given = {field: getattr(args, field) for field, _, _ in SETTING_OPTIONS.values()}
    if args.kinds:
        kinds = tuple(kind.strip() for kind in args.kinds.split(","))
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise SystemExit(f"--kinds: unknown {', '.join(unknown)}; choose among {', '.join(KINDS)}")
        given["kinds"] = kinds
    return replace(settings, **{field: value for field, value in given.items() if value is not None})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    results = run(settings, args.data.absolute() if args.data else None, args.corpus_dir.absolute())
    results["goals"] = goals(results)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    path = args.out_dir / f"load-{results['started'][:10]}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(report(results))
    print(f"\nwall time {results.get('wall_s', 0):.0f} s; results: {path}")
    if results["status"] != "ok":
        return 2
    return 0 if all(goal["passed"] for goal in results["goals"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
