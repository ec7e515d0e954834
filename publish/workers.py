"""Running queries in worker processes, so that a query past its time limit can be stopped.

pyoxigraph cannot cancel a query once started, and a thread cannot be killed: a hard deadline needs a
process. Each worker holds the graph and answers one query at a time; when a query overruns, its worker
is killed and replaced while the other workers go on serving. Workers also serialise the answer, so the
web process only moves bytes.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import queue
import resource
import threading
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from maillage.graph.dump import PREFIXES
from maillage.graph.remote import RemoteError, RemoteStore, RemoteTimeout
from maillage.graph.store import StoreMode, open_store

from .guard import QueryForm

log = logging.getLogger(__name__)

#: Media types of the answers, by query form, with the pyoxigraph format that writes them.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Request:
    """One query for a worker."""

    query: str
    form: QueryForm
    media_type: str
    max_rows: int


@dataclass(frozen=True)
class DocumentRequest:
    """One document of the linked-data layer (a resource's page or RDF) for a worker to build.

    Building a heavily linked resource's document costs a worker's CPU for a while; in the web process it
    would hold the interpreter's lock and make every other request wait, cached answers included.
    """

    stem: str
    ext: str


@dataclass(frozen=True)
class Answer:
    """A serialised answer; ``truncated`` when the row cap cut it."""

    body: bytes
    truncated: bool = False


@dataclass(frozen=True)
class Failure:
    """A query the store refused (a syntax error Oxigraph found, an evaluation error)."""

    message: str


class QueryTimeout(Exception):
    """The query ran past the time limit and was stopped."""


class Busy(Exception):
    """Every worker stayed busy for the whole time limit."""


class QueryTooLarge(Exception):
    """The query's worker died past its memory allowance (or crashed): it was replaced."""


def _cap_memory(allowance_mb: int) -> None:
    """Let a query use at most ``allowance_mb`` more memory than the loaded graph takes.

    A query such as a GROUP_CONCAT over a cartesian product can claim gigabytes within its time limit;
    past the cap the allocation fails, the worker dies, and the pool replaces it. RLIMIT_DATA counts the
    heap and private mappings (Linux ≥ 4.7), not the shared libraries, so it follows real use.
    """
    if allowance_mb <= 0 or not hasattr(resource, "RLIMIT_DATA"):
        return
    with open("/proc/self/status", encoding="ascii") as status:
        data_kb = next((int(line.split()[1]) for line in status if line.startswith("VmData:")), None)
    if data_kb is None:
        return
    limit = (data_kb + allowance_mb * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.getrlimit(resource.RLIMIT_DATA)[1]))


def _term(term: Any) -> dict[str, str]:
    """A term in the SPARQL 1.1 JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        cell = {"type": "literal", "value": term.value}
        if term.language:
            cell["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            cell["datatype"] = term.datatype.value
        return cell
    return {"type": "literal", "value": str(term)}


def _solutions(solutions: ox.QuerySolutions, request: Request) -> Answer:
    """A table of results, cut at the row cap, in the requested format (written by pyoxigraph)."""
    names = [variable.value for variable in solutions.variables]
    rows = list(islice(solutions, request.max_rows + 1))
    truncated = len(rows) > request.max_rows
    document = {
        "head": {"vars": names},
        "results": {
            "bindings": [
                {name: _term(row[name]) for name in names if row[name] is not None}
                for row in rows[: request.max_rows]
            ]
        },
    }
    body = json.dumps(document, ensure_ascii=False).encode()
    fmt = RESULT_FORMATS[request.media_type]
    if fmt is not ox.QueryResultsFormat.JSON:
        body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
    return Answer(body, truncated)


def execute(store: ox.Store, request: Request) -> Answer | Failure:
    """Run one query on the store and serialise its answer."""
    try:
        result = store.query(request.query)
        if request.form is QueryForm.ASK:
            return Answer(result.serialize(format=RESULT_FORMATS[request.media_type]))
        if request.form.answers_graph:
            triples = list(islice(result, request.max_rows + 1))
            body = ox.serialize(
                triples[: request.max_rows], format=GRAPH_FORMATS[request.media_type], prefixes=PREFIXES
            )
            return Answer(body, len(triples) > request.max_rows)
        return _solutions(result, request)
    except (SyntaxError, ValueError, OSError) as error:
        return Failure(str(error))


def _work(conn: Connection, folder: str, mode: str, memory_mb: int) -> None:
    """A worker's life: open the graph, say so, answer queries and build documents until the pipe closes."""
    store = open_store(Path(folder), mode)
    _cap_memory(memory_mb)
    conn.send("ready")
    documents = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(request, DocumentRequest):
            if documents is None:
                from .linked_data import Site  # the pages' code, loaded once a document is asked for

                documents = Site(Path(folder), keeps_bodies=False)
                documents.store = store  # the worker's own copy of the graph (a cached property)
            conn.send(documents.build(request.stem, request.ext))
        else:
            conn.send(execute(store, request))


class _Worker:
    def __init__(self, folder: Path, mode: StoreMode, memory_mb: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_work, args=(child, str(folder), mode.value, memory_mb), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self._stopping = threading.Lock()
        self._stopped = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready and self.conn.poll(timeout):
            self.ready = self.conn.recv() == "ready"
        return self.ready

    def stop(self) -> None:
        """Kill the process and close its pipe, once: the pool's closing and a replacement's loading
        thread may both get here."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
        self.process.kill()
        self.process.join(5)
        self.conn.close()


#: How long a replacement worker may take to load the graph before it is given up.
LOADING_LIMIT = 900.0


class WorkerPool:
    """A fixed number of query processes over one dataset, each query under a time limit."""

    def __init__(
        self,
        folder: Path,
        size: int,
        time_limit: float,
        mode: StoreMode = StoreMode.MEMORY,
        memory_mb: int = 0,
    ) -> None:
        self.folder, self.mode, self.time_limit, self.memory_mb = folder, mode, time_limit, memory_mb
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self.folder, self.mode, self.memory_mb)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)
            if self._closed:  # a request that ended after the pool was closed: no replacement
                return
        fresh = self._spawn()
        loading = threading.Thread(target=self._when_ready, args=(fresh,), name="worker-loading", daemon=True)
        loading.start()

    def _when_ready(self, worker: _Worker) -> None:
        """A replacement joins the idle workers once it holds the graph, which takes seconds for a large
        one: meanwhile queries go to the workers that are ready instead of waiting on it."""
        try:
            ready = worker.wait_ready(LOADING_LIMIT)
        except (EOFError, OSError):
            ready = False
        if ready and not self._closed:
            self._idle.put(worker)
            return
        if not self._closed:  # else the pool stopped it while it was loading: nothing went wrong
            log.error("a replacement worker could not open %s; the pool has one worker less", self.folder)
        worker.stop()
        with self._lock:
            self._all.discard(worker)

    def wait_ready(self, timeout: float) -> None:
        """Block until every worker holds the graph (start-up loads it)."""
        for worker in list(self._all):
            if not worker.wait_ready(timeout):
                raise RuntimeError(f"a query worker did not open {self.folder} within {timeout:.0f} s")

    def run(self, request: Request) -> Answer | Failure:
        """Answer ``request`` in a worker; :class:`QueryTimeout` past the time limit."""
        return self._ask(request, "query")

    def document(self, stem: str, ext: str) -> bytes | None:
        """The bytes of the document at site path ``stem`` in format ``ext``, built in a worker (None:
        no such document); the same time limit and errors as a query."""
        return self._ask(DocumentRequest(stem, ext), "document")

    def _ask(self, job: Request | DocumentRequest, what: str) -> Any:
        try:
            worker = self._idle.get(timeout=self.time_limit)
        except queue.Empty:
            raise Busy(f"every query worker stayed busy for {self.time_limit:g} s") from None
        if not worker.wait_ready(self.time_limit):
            self._idle.put(worker)
            raise Busy(f"the query workers are still loading the graph after {self.time_limit:g} s")
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.time_limit):
                self._replace(worker)
                raise QueryTimeout(
                    f"the {what} ran past the time limit of {self.time_limit:g} s and was stopped"
                )
            answer = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            allowance = f" (past its memory allowance of {self.memory_mb} MB?)" if self.memory_mb else ""
            raise QueryTooLarge(f"the {what}'s worker stopped{allowance}; it was not answered") from None
        self._idle.put(worker)
        return answer

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


class RemotePool:
    """The query workers of a server that reads another SPARQL endpoint (``maillage serve --sparql``).

    The remote server runs the queries, so a thread can wait for each one: no process to kill. The time
    limit is the request's deadline and the row cap stops the reading (:class:`RemoteStore`), so the
    endpoint's limits hold as they do over the embedded store.
    """

    def __init__(self, store: RemoteStore, time_limit: float) -> None:
        self.store, self.time_limit = store, time_limit

    def wait_ready(self, timeout: float) -> None:
        """Check that the remote endpoint answers, so that a wrong URL stops the server at start-up."""
        try:
            self.store.limited(timeout).query("ASK {}")
        except RemoteError as error:
            raise RuntimeError(str(error)) from None

    def run(self, request: Request) -> Answer | Failure:
        """Answer ``request`` remotely; :class:`QueryTimeout` past the time limit."""
        try:
            return execute(self.store.limited(self.time_limit, request.max_rows + 1), request)
        except RemoteTimeout as error:
            raise QueryTimeout(str(error)) from None
