"""`maillage push` against a real Oxigraph server, and tiny local servers for retries and credentials.

The remote graph is named (by default the dataset's IRI); the catalogue's questions, written for the default
graph, are asked with the protocol's ``default-graph-uri`` — the way ``maillage serve --sparql`` reads it.
"""

from __future__ import annotations

import base64
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from conftest import Oxigraph, free_port
from http_helpers import http

from maillage.graph.build import NTRIPLES, build_dataset
from maillage.graph.catalogue import question
from maillage.graph.description import Nodes
from maillage.graph.export import read_export
from maillage.graph.iris import DEFAULT_BASE_IRI
from maillage.graph.record import Fiche
from maillage.graph.remote import RemoteStore
from maillage.graph.store import open_store
from maillage.publish.cli import main

DATASET_GRAPH = Nodes(DEFAULT_BASE_IRI).dataset
SECRET = "s3cret-t0ken-never-printed"


def push(data: Path, *options: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["push", "--data", str(data), *options], env=env or {})


def remote_triples(server: Oxigraph, graph: str | None = DATASET_GRAPH) -> set[str]:
    """The graph as the server holds it, fetched back through the Graph Store Protocol (GSP GET)."""
    url = f"{server.store}?" + (f"graph={urllib.parse.quote(graph, safe='')}" if graph else "default")
    status, _, body = http(url, headers={"Accept": "application/n-triples"})
    assert status == 200, body
    return {str(quad.triple) for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}


def local_triples(data: Path) -> set[str]:
    return {str(quad.triple) for quad in ox.parse(path=data / NTRIPLES, format=ox.RdfFormat.N_TRIPLES)}


def graphs(server: Oxigraph) -> set[str]:
    rows = RemoteStore(server.query).query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {row["g"].value for row in rows}


def answer(store: ox.Store | RemoteStore, name: str) -> list[tuple[str, ...]]:
    """A catalogue question's rows, sorted, each cell in N-Triples syntax."""
    result = store.query(question(name).query)
    width = len(result.variables)
    return sorted(tuple(str(row[i]) for i in range(width)) for row in result)


# ---- The real server --------------------------------------------------------------------------------

def test_push_replaces_the_graph_and_answers_the_catalogue(seed_dataset: Path, oxigraph: Oxigraph) -> None:
    done = push(seed_dataset, "--graph-store", oxigraph.store, "--sparql", oxigraph.query)
    assert done.exit_code == 0, done.output
    assert "Graph Store Protocol (PUT)" in done.output and "holds 3,390 triples, as built" in done.output
    assert remote_triples(oxigraph) == local_triples(seed_dataset)
    assert graphs(oxigraph) == {DATASET_GRAPH}

    remote = RemoteStore(oxigraph.query, graph=DATASET_GRAPH)
    expected = answer(open_store(seed_dataset, "disk"), "actions-par-mot-cle")
    assert len(expected) == 14 and answer(remote, "actions-par-mot-cle") == expected

    again = push(seed_dataset, "--graph-store", oxigraph.store, "--sparql", oxigraph.query)
    assert again.exit_code == 0, again.output
    assert "holds 3,390 triples, as built" in again.output
    assert answer(remote, "actions-par-mot-cle") == expected
    assert remote_triples(oxigraph) == local_triples(seed_dataset)


@pytest.fixture(scope="module")
def changed_dataset(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed with its second fiche removed and the first one's summary rewritten."""
    fiches = [item for item in read_export(seed) if isinstance(item, Fiche)]
    fiches = [replace(fiches[0], resume="Résumé réécrit pour la nouvelle publication."), *fiches[2:]]
    out = tmp_path_factory.mktemp("changed-dataset")
    build_dataset(fiches, out, files=[str(seed)])
    return out


def test_a_changed_build_replaces_the_remote_graph_exactly(
    seed_dataset: Path, changed_dataset: Path, oxigraph: Oxigraph
) -> None:
    assert push(seed_dataset, "--graph-store", oxigraph.store).exit_code == 0
    done = push(changed_dataset, "--graph-store", oxigraph.store, "--update", oxigraph.update,
                "--sparql", oxigraph.query)
    assert done.exit_code == 0, done.output
    assert "PUT into a temporary graph, then MOVE" in done.output
    changed = local_triples(changed_dataset)
    assert changed != local_triples(seed_dataset)
    assert remote_triples(oxigraph) == changed
    assert graphs(oxigraph) == {DATASET_GRAPH}  # the temporary graph is gone
    assert "Résumé réécrit" in "".join(remote_triples(oxigraph))


def test_sparql_update_in_batches(seed_dataset: Path, changed_dataset: Path, oxigraph: Oxigraph) -> None:
    assert push(changed_dataset, "--graph-store", oxigraph.store).exit_code == 0
    done = push(seed_dataset, "--method", "update", "--update", oxigraph.update, "--batch-size", "500",
                "--sparql", oxigraph.query)
    assert done.exit_code == 0, done.output
    assert "SPARQL Update (INSERT DATA in batches of 500 triples" in done.output
    assert "as built" in done.output
    assert remote_triples(oxigraph) == local_triples(seed_dataset)
    assert graphs(oxigraph) == {DATASET_GRAPH}


def test_falls_back_to_update_when_the_graph_store_is_missing(seed_dataset: Path, oxigraph: Oxigraph) -> None:
    done = push(seed_dataset, "--graph-store", f"{oxigraph.base}/nothing-here", "--update", oxigraph.update,
                "--sparql", oxigraph.query)
    assert done.exit_code == 0, done.output
    assert f"no Graph Store endpoint at {oxigraph.base}/nothing-here (404" in done.output
    assert f"falling back to SPARQL Update at {oxigraph.update}" in done.output
    assert remote_triples(oxigraph) == local_triples(seed_dataset)


def test_into_the_default_graph(seed_dataset: Path, oxigraph: Oxigraph) -> None:
    done = push(
        seed_dataset, "--graph-store", oxigraph.store, "--graph", "default", "--sparql", oxigraph.query
    )
    assert done.exit_code == 0, done.output
    assert "into the default graph" in done.output
    assert remote_triples(oxigraph, None) == local_triples(seed_dataset)
    expected = answer(open_store(seed_dataset, "disk"), "types-de-partenaires")
    assert answer(RemoteStore(oxigraph.query), "types-de-partenaires") == expected


# ---- Small servers in front of it ---------------------------------------------------------------------

class Gate(BaseHTTPRequestHandler):
    """Answers ``refusals`` first with ``refusal``, refuses a wrong Authorization header with 401, and
    forwards everything else to the Oxigraph server (``upstream``), or swallows it (``upstream`` None)."""

    upstream: ClassVar[str | None] = None
    refusal: ClassVar[int] = 503
    refusals: ClassVar[int] = 0
    authorization: ClassVar[str | None] = None
    url: ClassVar[str] = ""
    seen: ClassVar[list[str]] = []

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(self.command)
        if self.authorization is not None and self.headers.get("Authorization") != self.authorization:
            return self._answer(401, b"who are you?")
        if self.refusals > 0:
            type(self).refusals -= 1
            return self._answer(self.refusal, b"not now")
        if self.upstream is None:
            return self._answer(204, b"")
        connection = HTTPConnection(urllib.parse.urlsplit(self.upstream).netloc, timeout=30)
        headers = {name: value for name, value in self.headers.items() if name in ("Content-Type", "Accept")}
        connection.request(self.command, self.path, body, headers)
        response = connection.getresponse()
        self._answer(response.status, response.read(), response.getheader("Content-Type"))
        connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _answer(self, status: int, body: bytes, media: str | None = "text/plain") -> None:
        self.send_response(status)
        if media:
            self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gate() -> Iterator[type[Gate]]:
    """A fresh :class:`Gate` class serving on a free port (``gate.url``)."""
    handler = type("TestGate", (Gate,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()
    server.server_close()


def test_retries_transient_failures_with_backoff(
    seed_dataset: Path, oxigraph: Oxigraph, gate: type[Gate]
) -> None:
    gate.upstream, gate.refusals = oxigraph.base, 2
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", "--sparql", oxigraph.query)
    assert done.exit_code == 0, done.output
    assert done.output.count("answered 503 Service Unavailable; trying again") == 2
    assert "trying again in 0.5 s" in done.output and "trying again in 1 s" in done.output
    assert gate.seen == ["PUT", "PUT", "PUT"]
    assert remote_triples(oxigraph) == local_triples(seed_dataset)


def test_gives_up_after_the_last_attempt_and_never_retries_a_refusal(
    seed_dataset: Path, gate: type[Gate]
) -> None:
    gate.refusals = 10
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", "--retries", "1")
    assert done.exit_code == 1
    assert f"{gate.url}/store is unavailable (503 Service Unavailable), still after retrying" in done.output
    assert gate.seen == ["PUT", "PUT"]

    gate.seen.clear()
    gate.refusal, gate.refusals = 400, 10
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store")
    assert done.exit_code == 1
    assert f"the Graph Store endpoint at {gate.url}/store answered 400 Bad Request: not now" in done.output
    assert gate.seen == ["PUT"]


def test_a_bearer_token_from_the_environment(
    seed_dataset: Path, oxigraph: Oxigraph, gate: type[Gate]
) -> None:
    gate.upstream, gate.authorization = oxigraph.base, f"Bearer {SECRET}"
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", "--update", f"{gate.url}/update",
                "--sparql", f"{gate.url}/query", env={"MAILLAGE_PUSH_TOKEN": SECRET})
    assert done.exit_code == 0, done.output
    assert "as built" in done.output and SECRET not in done.output
    assert remote_triples(oxigraph) == local_triples(seed_dataset)

    wrong = {"MAILLAGE_PUSH_TOKEN": "wrong-" + SECRET}
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", env=wrong)
    assert done.exit_code == 1
    assert f"credentials refused by {gate.url}/store (401" in done.output and SECRET not in done.output


def test_basic_credentials_from_the_environment(
    seed_dataset: Path, oxigraph: Oxigraph, gate: type[Gate]
) -> None:
    pair = base64.b64encode(f"éditrice:{SECRET}".encode()).decode()
    gate.upstream, gate.authorization = oxigraph.base, f"Basic {pair}"
    env = {"MAILLAGE_PUSH_USER": "éditrice", "MAILLAGE_PUSH_PASSWORD": SECRET}
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", env=env)
    assert done.exit_code == 0, done.output
    assert SECRET not in done.output and pair not in done.output

    done = push(seed_dataset, "--graph-store", f"{gate.url}/store")
    assert done.exit_code == 1 and "credentials refused" in done.output
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", env={"MAILLAGE_PUSH_USER": "éditrice"})
    assert done.exit_code == 1 and "set both MAILLAGE_PUSH_USER and MAILLAGE_PUSH_PASSWORD" in done.output


def test_a_count_that_differs_fails(seed_dataset: Path, oxigraph: Oxigraph, gate: type[Gate]) -> None:
    # The gate accepts the PUT and keeps nothing: the real server then counts no triple.
    done = push(seed_dataset, "--graph-store", f"{gate.url}/store", "--sparql", oxigraph.query)
    assert done.exit_code == 1
    assert (
        f"count mismatch: <{DATASET_GRAPH}> at {oxigraph.query} holds 0 triples, the build has 3,390"
        in done.output
    )


# ---- Errors ------------------------------------------------------------------------------------------

def test_clear_errors(seed_dataset: Path, oxigraph: Oxigraph) -> None:
    done = push(seed_dataset, "--graph-store", f"{oxigraph.base}/nothing-here")
    assert done.exit_code == 1
    assert f"no Graph Store endpoint at {oxigraph.base}/nothing-here (404 Not Found)" in done.output

    closed = f"http://127.0.0.1:{free_port()}/store"
    done = push(seed_dataset, "--graph-store", closed, "--retries", "0")
    assert done.exit_code == 1
    assert f"cannot reach {closed}: Connection refused (after 1 attempt(s))" in done.output

    done = push(seed_dataset, "--graph-store", oxigraph.store, "--sparql", f"{oxigraph.base}/nothing-here")
    assert done.exit_code == 1 and f"no SPARQL query endpoint at {oxigraph.base}/nothing-here" in done.output

    done = push(seed_dataset, "--graph-store", f"http://user:{SECRET}@127.0.0.1:9/store")
    assert done.exit_code == 2 and "credentials do not go in URLs" in done.output
    done = push(seed_dataset, "--graph-store", "ftp://example.org/store")
    assert done.exit_code == 2 and "must be an http(s) URL" in done.output
    done = push(seed_dataset, "--method", "update")
    assert done.exit_code == 2 and "--method update needs --update URL" in done.output
    done = push(seed_dataset, "--graph-store", oxigraph.store, "--graph", "relative/iri")
    assert done.exit_code == 2 and "absolute IRI" in done.output


def test_update_batches_refuse_blank_nodes(seed_dataset: Path, oxigraph: Oxigraph, tmp_path: Path) -> None:
    for name in ("build.json", NTRIPLES):
        (tmp_path / name).write_bytes((seed_dataset / name).read_bytes())
    with (tmp_path / NTRIPLES).open("ab") as handle:
        handle.write(b'<http://example.org/s> <http://example.org/p> "a _:label" .\n')
        handle.write(b"<http://example.org/s> <http://example.org/p> _:node .\n")
    done = push(tmp_path, "--method", "update", "--update", oxigraph.update)
    assert done.exit_code == 1
    assert f"{tmp_path / NTRIPLES}:3392: a blank node" in done.output
    assert graphs(oxigraph) == set()  # the temporary graph was dropped
