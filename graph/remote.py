"""Reading the graph from another SPARQL 1.1 endpoint, through the part of pyoxigraph's ``Store`` the app
uses.

``maillage serve --sparql URL`` puts the pages in front of a publisher's own triple store (Oxigraph,
Fuseki, Virtuoso…) instead of the embedded one. Pages, networks and the query workers read the graph
through two calls only, ``query`` and ``quads_for_pattern``, so a small read-only adapter offering those
two over the SPARQL 1.1 Protocol lets them all read remotely, unchanged. Answers are parsed back into
pyoxigraph terms by pyoxigraph's own parsers (``parse_query_results``, ``parse``), so code written for the
embedded store cannot tell the difference.

Line formats are asked for first (TSV for tables, N-Triples for graphs): a reader that wants only the
first rows (the endpoint's row cap) stops reading there and drops the connection, instead of receiving a
whole national graph. When ``graph`` is set, queries carry ``default-graph-uri`` (the protocol's own way to
choose the dataset, understood by every SPARQL 1.1 server), so the catalogue's questions, written for the
default graph, read the named graph ``maillage push`` loaded.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

#: Media types of answers to SELECT and ASK, with the pyoxigraph format that parses them.
RESULT_TYPES = {
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
}
#: Media types of answers to CONSTRUCT and DESCRIBE.
GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: One row (or triple) a line: what can be cut after the first rows and still parse.
LINE_TYPES = {"text/tab-separated-values": 1, "application/n-triples": 0}  # header lines
ACCEPT = (
    "text/tab-separated-values, application/n-triples, application/sparql-results+json;q=0.9, "
    "application/sparql-results+xml;q=0.8, text/turtle;q=0.8, application/rdf+xml;q=0.7"
)
CHUNK = 1 << 16


class RemoteError(Exception):
    """The remote endpoint gave no usable answer: unreachable, an error status, an unreadable body."""


class RemoteTimeout(RemoteError):
    """The remote endpoint did not answer within the time allowed."""


class RemoteQueryError(RemoteError, ValueError):
    """The remote endpoint refused the query itself (400): the query's fault, as a ``ValueError`` is for
    the embedded store, so callers that report bad queries report this one the same way."""


def connect(url: str, timeout: float) -> http.client.HTTPConnection:
    """A connection to the host of ``url`` (http or https); nothing is sent yet."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname, parts.port, timeout=timeout, blocksize=CHUNK)


def request_target(url: str) -> str:
    """What follows the host in the request line: the path and the query string of ``url``."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def media_type(response: http.client.HTTPResponse) -> str:
    """The answer's media type, without parameters, in lower case."""
    return (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class RemoteStore:
    """A read-only ``Store`` over a SPARQL endpoint: ``query`` and ``quads_for_pattern`` (default graph).

    ``timeout`` bounds each query (connecting, waiting and reading); ``max_rows`` stops reading a table or
    graph after that many rows; ``max_bytes`` refuses larger answers. :meth:`limited` gives a view with
    other limits sharing the same connections (one kept-alive connection per thread).
    """

    url: str
    graph: str | None = None
    timeout: float = 60.0
    max_rows: int | None = None
    max_bytes: int = 512 << 20
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def limited(self, timeout: float, max_rows: int | None = None) -> RemoteStore:
        """The same endpoint under a time limit and a row cap (the query workers' limits)."""
        return replace(self, timeout=timeout, max_rows=max_rows)

    def query(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Run ``query`` remotely: solutions or a boolean as pyoxigraph's own, or an iterator of triples."""
        kind, body = self._fetch(query)
        if kind in RESULT_TYPES:
            try:
                return ox.parse_query_results(body, format=RESULT_TYPES[kind])
            except SyntaxError as error:
                message = f"the SPARQL endpoint at {self.url} sent unreadable results: {error}"
                raise RemoteError(message) from None
        if kind in GRAPH_TYPES:
            return (quad.triple for quad in ox.parse(body, format=GRAPH_TYPES[kind]))
        raise RemoteError(f"the SPARQL endpoint at {self.url} answered with an unexpected type {kind!r}")

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | None,
        predicate: ox.NamedNode | None,
        obj: ox.Term | None,
        graph_name: ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The triples matching the pattern, as quads of the default graph (a CONSTRUCT of the pattern).

        Only the default graph is read: it is the graph the app shows (with ``graph`` set, the pushed one).
        """
        if graph_name is not None and not isinstance(graph_name, ox.DefaultGraph):
            raise ValueError("a remote store reads its default graph only")
        terms = (subject or ox.Variable("s"), predicate or ox.Variable("p"), obj or ox.Variable("o"))
        pattern = " ".join(str(term) for term in terms)
        kind, body = self._fetch(f"CONSTRUCT {{ {pattern} }} WHERE {{ {pattern} }}")
        if kind not in GRAPH_TYPES:
            raise RemoteError(f"the SPARQL endpoint at {self.url} answered a CONSTRUCT with {kind!r}")
        return (
            ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())
            for quad in ox.parse(body, format=GRAPH_TYPES[kind])
        )

    def _fetch(self, query: str) -> tuple[str, bytes]:
        """Send the query and read its answer under the deadline: (media type, body)."""
        deadline = time.monotonic() + self.timeout
        fields = {"query": query, **({"default-graph-uri": self.graph} if self.graph else {})}
        connection, response = self._post(urlencode(fields).encode(), deadline)
        kind = media_type(response)
        try:
            if self.max_rows is not None and kind in LINE_TYPES:
                body = self._read_lines(connection, response, self.max_rows + LINE_TYPES[kind], deadline)
                complete = False  # whether more lines followed is unknown: the connection is not reused
            else:
                body, complete = self._read_all(connection, response, deadline), True
        except TimeoutError:
            self._drop()
            raise self._timed_out() from None
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            raise RemoteError(f"the SPARQL endpoint at {self.url} broke off its answer: {error}") from None
        if not complete or response.will_close:
            self._drop()  # an answer left unread makes the connection unusable
        return kind, body

    def _post(
        self, body: bytes, deadline: float
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """POST the form; a kept-alive connection the server closed meanwhile is reopened once."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT}
        for attempt in range(2):
            connection, reused = self._connection(deadline)
            try:
                connection.request("POST", request_target(self.url), body, headers)
                response = connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                self._drop()
                if reused and attempt == 0:
                    continue
                message = f"the SPARQL endpoint at {self.url} closed the connection: {error}"
                raise RemoteError(message) from None
            except TimeoutError:
                self._drop()
                raise self._timed_out() from None
            except (OSError, http.client.HTTPException) as error:
                self._drop()
                reason = getattr(error, "strerror", None) or error
                raise RemoteError(f"the SPARQL endpoint at {self.url} cannot be reached: {reason}") from None
            if not 200 <= response.status < 300:
                raise self._status_error(response)
            return connection, response
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _status_error(self, response: http.client.HTTPResponse) -> RemoteError:
        """The error for an answer with an error status, with the start of what the server said."""
        try:
            said = response.read(2000).decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException):
            said = ""
        self._drop()
        status = f"{response.status} {response.reason}".strip()
        detail = f": {said}" if said else ""
        if response.status == 400:
            return RemoteQueryError(f"the SPARQL endpoint at {self.url} refused the query ({status}){detail}")
        if response.status in (401, 403):
            return RemoteError(f"the SPARQL endpoint at {self.url} refused access ({status})")
        if response.status == 404:
            return RemoteError(f"no SPARQL endpoint at {self.url} ({status})")
        return RemoteError(f"the SPARQL endpoint at {self.url} answered {status}{detail}")

    def _read_all(
        self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: float
    ) -> bytes:
        chunks, size = [], 0
        while chunk := _timed(connection, deadline, response.read, CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            self._check_size(size)
        return b"".join(chunks)

    def _read_lines(
        self,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        lines: int,
        deadline: float,
    ) -> bytes:
        """The first ``lines`` lines of the answer (fewer when it ends before)."""
        kept, size = [], 0
        while len(kept) < lines:
            line = _timed(connection, deadline, response.readline, self.max_bytes - size + 1)
            if not line:
                break
            kept.append(line)
            size += len(line)
            self._check_size(size)
        return b"".join(kept)

    def _check_size(self, size: int) -> None:
        if size > self.max_bytes:
            self._drop()
            raise RemoteError(
                f"the SPARQL endpoint at {self.url} sent an answer larger than {self.max_bytes:,} bytes"
            )

    def _connection(self, deadline: float) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection (reused: True), or a new one."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.timeout = max(deadline - time.monotonic(), 0.001)
            if connection.sock is not None:
                connection.sock.settimeout(connection.timeout)
            return connection, True
        try:
            connection = connect(self.url, max(deadline - time.monotonic(), 0.001))
        except ValueError as error:
            raise RemoteError(str(error)) from None
        self._local.connection = connection
        return connection, False

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _timed_out(self) -> RemoteTimeout:
        return RemoteTimeout(f"the SPARQL endpoint at {self.url} did not answer within {self.timeout:g} s")


def _timed(
    connection: http.client.HTTPConnection, deadline: float, read: Callable[[int], bytes], size: int
) -> bytes:
    """One read, with the socket's timeout set to what is left before the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)
    return read(size)
