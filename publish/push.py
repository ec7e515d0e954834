"""``maillage push``: load a built graph into any SPARQL 1.1 server, replacing one graph whole.

A national publisher runs their own triple store (Oxigraph, Fuseki…) and wants each new build in it, in
place of the previous one, without a window where the graph is half loaded. Two standard ways in:

- the **Graph Store HTTP Protocol**: ``PUT ?graph=IRI`` replaces a graph in one request, the N-Triples
  streamed from disk (``graph.nt`` reaches 1.5 GB at national scale, so it is never read into memory).
  With ``--update`` given too, the file goes into a temporary graph first and ``MOVE`` swaps it in: one
  SPARQL Update operation, which Oxigraph and Fuseki run as one transaction (Oxigraph's own ``PUT``
  clears the graph before loading, so readers would see it empty meanwhile);
- **SPARQL Update** alone, for servers without a Graph Store endpoint (or when asked): batches of
  ``INSERT DATA`` into a temporary graph, then the same ``MOVE``. The temporary graph is dropped when
  anything fails, so a failed push leaves the served graph as it was.

Every request is retried with exponential backoff on what passes (connection errors, 429, 502, 503, 504),
never on a refusal. Credentials come from the environment only (a command line is visible to every user
of the machine and kept in shell histories) and are never printed. The push ends by counting the remote
graph's triples through ``--sparql``: a count different from the build's is a failed push.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode, urlsplit

import click
import pyoxigraph as ox
from tqdm import tqdm

from maillage.graph.build import NTRIPLES, read_metadata
from maillage.graph.description import Nodes
from maillage.graph.remote import connect, request_target

from .options import data_option

ENV_USER = "MAILLAGE_PUSH_USER"
ENV_PASSWORD = "MAILLAGE_PUSH_PASSWORD"
ENV_TOKEN = "MAILLAGE_PUSH_TOKEN"
#: Statuses that say "try again later": the request may succeed unchanged.
TRANSIENT = frozenset({429, 502, 503, 504})
#: Graph Store answers that mean "not supported here", where SPARQL Update may still get the graph in.
UNSUPPORTED = frozenset({404, 405, 413, 415, 501})
#: The value of ``--graph`` that names the default graph (an IRI is absolute, so it cannot clash).
DEFAULT_GRAPH = "default"
#: A batch of INSERT DATA stops at this size whatever its triple count (servers cap request bodies).
BATCH_BYTES = 16 << 20
MAX_DELAY = 30.0
N_TRIPLES = "application/n-triples"
#: A blank node as an N-Triples subject or object: a label means one node only within one request.
BLANK_NODE = re.compile(rb"^_:|\s_:[^\s\"<>]+\s*\.\s*$")


class PushError(Exception):
    """A push that failed, with a message for people naming the URL and what the server said."""


class Unsupported(PushError):
    """The Graph Store endpoint does not take the graph (no endpoint, method or size refused)."""


@dataclass(frozen=True)
class Retry:
    """How often and how patiently a request is tried again after a transient failure."""

    attempts: int = 5
    backoff: float = 0.5

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before attempt ``attempt + 1``: the server's ``Retry-After`` if it gave seconds, else
        ``backoff`` doubled at each attempt; never more than :data:`MAX_DELAY`."""
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_DELAY)
        return min(self.backoff * 2**attempt, MAX_DELAY)


@dataclass(frozen=True)
class Reply:
    """What a server answered: status, reason, the start of its body, its ``Retry-After``."""

    status: int
    reason: str
    body: str
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Client:
    """The settings every request shares: credentials, patience, time limit, where to say things."""

    headers: Mapping[str, str]
    retry: Retry
    timeout: float
    say: Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """Where the graph goes: the three endpoints (each optional) and the graph (None: the default)."""

    graph_store: str | None
    update: str | None
    sparql: str | None
    graph: str | None

    @property
    def graph_name(self) -> str:
        return f"<{self.graph}>" if self.graph else "the default graph"


# ---- Settings from the command line and the environment ---------------------------------------------

def auth_headers(environ: Mapping[str, str]) -> dict[str, str]:
    """The Authorization header from the environment: a bearer token, or a user and password (Basic)."""
    token, user, password = (environ.get(name) for name in (ENV_TOKEN, ENV_USER, ENV_PASSWORD))
    if token:
        return {"Authorization": f"Bearer {token}"}
    if user or password:
        if not (user and password):
            raise PushError(f"set both {ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}) for credentials")
        pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {pair}"}
    return {}


def checked_url(url: str | None, option: str) -> str | None:
    """An http(s) URL without credentials in it (they belong in the environment)."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"must be an http(s) URL, got {url!r}", param_hint=option)
    if parts.username or parts.password:
        raise click.BadParameter(
            f"credentials do not go in URLs: set {ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}",
            param_hint=option,
        )
    return url


def graph_iri(graph: str | None, data: Path) -> str | None:
    """The graph to replace: ``--graph``, else the dataset's IRI (its DCAT node); None for the default."""
    if graph is None:
        return Nodes(read_metadata(data).base_iri).dataset
    if graph == DEFAULT_GRAPH:
        return None
    try:
        ox.NamedNode(graph)
    except ValueError as error:
        raise click.BadParameter(f"not an IRI: {error}", param_hint="--graph") from error
    if ":" not in graph:
        raise click.BadParameter(f"must be an absolute IRI or {DEFAULT_GRAPH!r}", param_hint="--graph")
    return graph


# ---- One request, then retries ----------------------------------------------------------------------

class _Progress:
    """A file read through a progress bar: http.client streams it block by block."""

    def __init__(self, handle: BinaryIO, bar: tqdm) -> None:
        self.handle, self.bar = handle, bar

    def read(self, size: int = -1) -> bytes:
        block = self.handle.read(size)
        self.bar.update(len(block))
        return block


def _reply(response: http.client.HTTPResponse) -> Reply:
    body = response.read(4000).decode("utf-8", "replace").strip()
    return Reply(response.status, response.reason, body, response.getheader("Retry-After"))


def send_once(
    method: str,
    url: str,
    body: bytes | Path | None,
    headers: Mapping[str, str],
    timeout: float,
    bar: tqdm | None = None,
) -> Reply:
    """One request; a file body is streamed from disk. Raises OSError when no answer came back."""
    connection = connect(url, timeout)
    try:
        headers = dict(headers)
        if isinstance(body, Path):
            headers["Content-Length"] = str(body.stat().st_size)
            with body.open("rb") as handle:
                stream = _Progress(handle, bar) if bar is not None else handle
                try:
                    connection.request(method, request_target(url), stream, headers)
                except (BrokenPipeError, ConnectionResetError):
                    # The server may have answered before reading everything (a refusal): read it.
                    return _reply(connection.getresponse())
        else:
            connection.request(method, request_target(url), body, headers)
        return _reply(connection.getresponse())
    except ConnectionError:
        raise  # http.client's RemoteDisconnected is one, and an HTTPException too
    except http.client.HTTPException as error:
        raise ConnectionError(f"unreadable answer ({type(error).__name__})") from None
    finally:
        connection.close()


def send(
    client: Client, method: str, url: str, body: bytes | Path | None, headers: Mapping[str, str],
    bar: tqdm | None = None, endpoint: str | None = None,
) -> Reply:
    """The request, tried again with backoff while the failure is transient; the last reply otherwise.

    Messages name ``endpoint`` (the URL as given), not ``url`` with the graph's parameter added.
    """
    shown = endpoint or url
    for attempt in range(client.retry.attempts):
        last = attempt == client.retry.attempts - 1
        if bar is not None:
            bar.reset()
        try:
            reply = send_once(method, url, body, {**headers, **client.headers}, client.timeout, bar)
        except socket.gaierror as error:
            raise PushError(f"cannot resolve the host of {shown}: {error.strerror}") from None
        except (ConnectionError, TimeoutError) as error:
            reason = "no answer in time" if isinstance(error, TimeoutError) else error.strerror or str(error)
            if last:
                raise PushError(f"cannot reach {shown}: {reason} (after {attempt + 1} attempt(s))") from None
            wait = client.retry.delay(attempt, None)
            client.say(f"{shown}: {reason}; trying again in {wait:g} s")
        except OSError as error:
            raise PushError(f"cannot reach {shown}: {error.strerror or error}") from None
        else:
            if reply.status not in TRANSIENT or last:
                return reply
            wait = client.retry.delay(attempt, reply.retry_after)
            client.say(f"{shown} answered {reply.status} {reply.reason}; trying again in {wait:g} s")
        time.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def failure(reply: Reply, url: str, endpoint: str) -> PushError:
    """The error for a reply that is not a success, in words: whose fault, which URL, what status."""
    status = f"{reply.status} {reply.reason}".strip()
    said = f": {reply.body[:500]}" if reply.body else ""
    if reply.status in (401, 403):
        return PushError(
            f"credentials refused by {url} ({status}): set {ENV_TOKEN}, or {ENV_USER} and {ENV_PASSWORD}"
        )
    if reply.status in UNSUPPORTED and endpoint == "Graph Store":
        what = "no Graph Store endpoint at" if reply.status == 404 else "the Graph Store endpoint refused"
        return Unsupported(f"{what} {url} ({status}){said}")
    if reply.status == 404:
        return PushError(f"no {endpoint} endpoint at {url} ({status})")
    if reply.status in TRANSIENT:
        return PushError(f"{url} is unavailable ({status}), still after retrying{said}")
    return PushError(f"the {endpoint} endpoint at {url} answered {status}{said}")


def _progress(total: int | None, unit: str, description: str) -> tqdm:
    return tqdm(
        total=total, unit=unit, unit_scale=True, desc=description, file=sys.stderr, disable=None, leave=False
    )


# ---- The two ways in --------------------------------------------------------------------------------

def gsp_url(graph_store: str, graph: str | None) -> str:
    """The Graph Store URL of one graph: ``?graph=IRI`` (or ``?default``), after any query it carries."""
    joiner = "&" if urlsplit(graph_store).query else "?"
    return graph_store + joiner + (f"graph={quote(graph, safe='')}" if graph else "default")


def update(client: Client, url: str, operation: str) -> None:
    """Run one SPARQL Update operation; PushError when the server does not accept it."""
    reply = send(client, "POST", url, operation.encode(), {"Content-Type": "application/sparql-update"})
    if not reply.ok:
        raise failure(reply, url, "SPARQL Update")


def put_graph(client: Client, graph_store: str, graph: str | None, ntriples: Path) -> None:
    """Replace ``graph`` with the file's triples through the Graph Store Protocol (one streamed PUT)."""
    url = gsp_url(graph_store, graph)
    with _progress(ntriples.stat().st_size, "B", "pushing") as bar:
        reply = send(client, "PUT", url, ntriples, {"Content-Type": N_TRIPLES}, bar, graph_store)
    if not reply.ok:
        raise failure(reply, graph_store, "Graph Store")


def batches(ntriples: Path, size: int) -> Iterator[list[bytes]]:
    """The file's lines, ``size`` triples (at most :data:`BATCH_BYTES`) at a time, read as they go.

    Blank nodes are refused: a label names one node within one request only, so a node whose triples
    fell in two batches would become two (the build mints none; a hand-made file might).
    """
    batch: list[bytes] = []
    held = 0
    with ntriples.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if BLANK_NODE.search(line):
                raise PushError(
                    f"{ntriples}:{number}: a blank node; SPARQL Update batches cannot keep blank nodes "
                    "whole: push with the Graph Store Protocol"
                )
            if not line.strip() or line.startswith(b"#"):
                continue
            batch.append(line)
            held += len(line)
            if len(batch) >= size or held >= BATCH_BYTES:
                yield batch
                batch, held = [], 0
    if batch:
        yield batch


def insert_batches(client: Client, url: str, graph: str, ntriples: Path, size: int) -> None:
    """Load the file into ``graph`` with INSERT DATA requests of ``size`` triples."""
    head, tail = f"INSERT DATA {{ GRAPH <{graph}> {{\n".encode(), b"} }\n"
    with _progress(ntriples.stat().st_size, "B", "pushing") as bar:
        for batch in batches(ntriples, size):
            operation = head + b"".join(batch) + tail
            reply = send(client, "POST", url, operation, {"Content-Type": "application/sparql-update"})
            if not reply.ok:
                raise failure(reply, url, "SPARQL Update")
            bar.update(sum(map(len, batch)))


def move(client: Client, url: str, temporary: str, graph: str | None) -> None:
    """Swap the loaded temporary graph in: MOVE drops the target and renames, in one operation."""
    update(client, url, f"MOVE <{temporary}> TO {f'<{graph}>' if graph else 'DEFAULT'}")


def push_graph_store(client: Client, target: Target, ntriples: Path) -> str:
    """Push through the Graph Store Protocol: straight into the graph, or (with an Update endpoint) into
    a temporary graph swapped in by MOVE. Returns how it was done, for the summary."""
    assert target.graph_store is not None
    if target.update is None:
        put_graph(client, target.graph_store, target.graph, ntriples)
        return "Graph Store Protocol (PUT)"
    temporary = f"urn:uuid:{uuid.uuid4()}"
    put_graph(client, target.graph_store, temporary, ntriples)
    try:
        move(client, target.update, temporary, target.graph)
    except PushError:
        _drop(client, "DELETE", gsp_url(target.graph_store, temporary), None)
        raise
    return "Graph Store Protocol (PUT into a temporary graph, then MOVE)"


def push_update(client: Client, target: Target, ntriples: Path, batch: int) -> str:
    """Push with SPARQL Update only: INSERT DATA batches into a temporary graph, then MOVE."""
    assert target.update is not None
    temporary = f"urn:uuid:{uuid.uuid4()}"
    try:
        insert_batches(client, target.update, temporary, ntriples, batch)
        move(client, target.update, temporary, target.graph)
    except (PushError, KeyboardInterrupt):
        _drop(client, "POST", target.update, f"DROP SILENT GRAPH <{temporary}>".encode())
        raise
    return f"SPARQL Update (INSERT DATA in batches of {batch:,} triples into a temporary graph, then MOVE)"


def _drop(client: Client, method: str, url: str, operation: bytes | None) -> None:
    """Remove the temporary graph after a failure, once, saying so if that fails too."""
    headers = {"Content-Type": "application/sparql-update"} if operation else {}
    try:
        reply = send_once(method, url, operation, {**headers, **client.headers}, client.timeout)
    except OSError as error:
        client.say(f"could not drop the temporary graph at {url}: {error}")
        return
    if not reply.ok and reply.status != 404:
        client.say(f"could not drop the temporary graph at {url}: {reply.status} {reply.reason}")


def remote_count(client: Client, sparql: str, graph: str | None) -> int:
    """The number of triples the server holds in ``graph``, asked through the query endpoint."""
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    body = urlencode({"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    }
    reply = send(client, "POST", sparql, body, headers)
    if not reply.ok:
        raise failure(reply, sparql, "SPARQL query")
    try:
        rows = list(ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON))
        return int(rows[0]["n"].value)
    except (SyntaxError, ValueError, IndexError, TypeError, AttributeError):
        raise PushError(f"the SPARQL query endpoint at {sparql} sent an unreadable count") from None


# ---- The command ------------------------------------------------------------------------------------

def push(data: Path, target: Target, client: Client, method: str, batch: int) -> None:
    """Push the dataset ``data`` to ``target``, then check the remote count against the build's."""
    ntriples = data / NTRIPLES
    expected = read_metadata(data).triples
    if not ntriples.is_file():
        raise PushError(f"{ntriples} is missing: rebuild the dataset with `maillage build`")
    started = time.monotonic()
    if method == "update":
        how = push_update(client, target, ntriples, batch)
    else:
        try:
            how = push_graph_store(client, target, ntriples)
        except Unsupported as error:
            if target.update is None:
                raise
            client.say(f"{error}; falling back to SPARQL Update at {target.update}")
            how = push_update(client, target, ntriples, batch)
    client.say(
        f"pushed {expected:,} triples into {target.graph_name} by {how} in {time.monotonic() - started:.1f} s"
    )
    if target.sparql is None:
        client.say("no --sparql endpoint given: the remote count was not checked")
        return
    found = remote_count(client, target.sparql, target.graph)
    if found != expected:
        raise PushError(
            f"count mismatch: {target.graph_name} at {target.sparql} holds {found:,} triples, "
            f"the build has {expected:,}"
        )
    client.say(f"checked: {target.graph_name} at {target.sparql} holds {found:,} triples, as built")


@click.command("push")
@data_option
@click.option("--graph-store", "graph_store", metavar="URL", help="Graph Store Protocol endpoint "
              "(Oxigraph: http://host:7878/store; Fuseki: http://host:3030/ds/data).")
@click.option("--update", "update_url", metavar="URL", help="SPARQL Update endpoint (Oxigraph: "
              "http://host:7878/update): makes the swap atomic (MOVE), and the way in when GSP is refused.")
@click.option("--sparql", metavar="URL", help="SPARQL query endpoint (Oxigraph: http://host:7878/query), "
              "to check the remote triple count after the push.")
@click.option("--graph", metavar="IRI", default=None, help="The graph to replace, or 'default' "
              "[default: the dataset's IRI, {base}catalogue#jeu-de-donnees].")
@click.option("--method", type=click.Choice(["gsp", "update"]), default="gsp", show_default=True,
              help="Graph Store Protocol (with SPARQL Update as a fallback when --update is given), "
              "or SPARQL Update only.")
@click.option("--batch-size", "batch", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Triples per INSERT DATA request (SPARQL Update).")
@click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True,
              help="Retries of a request after a transient failure (connection, 429, 502, 503, 504).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=300.0, show_default=True,
              help="Seconds to wait for the server on each request.")
def push_command(
    data: Path,
    graph_store: str | None,
    update_url: str | None,
    sparql: str | None,
    graph: str | None,
    method: str,
    batch: int,
    retries: int,
    timeout: float,
) -> None:
    """Load the graph of the dataset DATA into a SPARQL 1.1 server, replacing one graph whole.

    Credentials come from the environment only: MAILLAGE_PUSH_TOKEN (Bearer), or MAILLAGE_PUSH_USER and
    MAILLAGE_PUSH_PASSWORD (Basic). The exit code is non-zero when the push or the count check fails.
    """
    if method == "gsp" and graph_store is None:
        raise click.UsageError("--graph-store is required (or --method update with --update)")
    if method == "update" and update_url is None:
        raise click.UsageError("--method update needs --update URL")
    try:
        target = Target(
            checked_url(graph_store, "--graph-store"),
            checked_url(update_url, "--update"),
            checked_url(sparql, "--sparql"),
            graph_iri(graph, data),
        )
        client = Client(auth_headers(os.environ), Retry(attempts=retries + 1), timeout, _say)
        push(data, target, client, method, batch)
    except (PushError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error


def _say(message: str) -> None:
    click.echo(message, err=True)
