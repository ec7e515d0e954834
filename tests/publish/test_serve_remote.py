"""`maillage serve --sparql`: the pages in front of another SPARQL server (a real Oxigraph), read remotely.

The seed is pushed into Oxigraph with `maillage push` (into the dataset's named graph), then served twice:
from its own store and from Oxigraph. The two servers must answer the same things.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MAILLAGE, Oxigraph, free_port, running_oxigraph, running_server
from http_helpers import get, http

from maillage.graph.catalogue import question
from maillage.publish.cli import main

ACTION = "action/31/le-triporteur-d-idees/agir-sur-nos-dechets-composteur-cooperatif-de-quartier"
STRUCTURE = "structure/31/le-triporteur-d-idees"


@pytest.fixture(scope="module")
def pushed(seed_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """An Oxigraph server holding the seed, pushed by `maillage push`."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db") as server:
        done = CliRunner().invoke(main, ["push", "--data", str(seed_dataset), "--graph-store", server.store])
        assert done.exit_code == 0, done.output
        yield server


@pytest.fixture(scope="module")
def remote(seed_dataset: Path, pushed: Oxigraph) -> Iterator[str]:
    """The seed's pages, reading the graph from Oxigraph."""
    with running_server(seed_dataset, "--sparql", pushed.query, "--max-rows", "3000") as base:
        yield base


def bindings(base: str, query: str) -> list[str]:
    status, _, body = get(base, query, accept="application/sparql-results+json")
    assert status == 200, body
    return sorted(json.dumps(row, sort_keys=True) for row in json.loads(body)["results"]["bindings"])


def page(base: str, path: str, accept: str = "text/html") -> tuple[int, bytes]:
    status, _, body = http(f"{base}/{path}", headers={"Accept": accept})
    return status, body


def test_the_query_page_answers_the_catalogue(remote: str, served_seed: str) -> None:
    status, _, html = http(f"{remote}/sparql", headers={"Accept": "text/html"})
    assert status == 200 and "actions-par-mot-cle" in html.decode()
    for name in ("actions-par-mot-cle", "paires-de-types-de-partenaires", "actions-par-commune"):
        answer = bindings(remote, question(name).query)
        assert answer and answer == bindings(served_seed, question(name).query), name


def test_the_endpoints_rules_still_apply(remote: str) -> None:
    status, headers, body = get(remote, "SELECT * WHERE { ?s ?p ?o }", format="tsv")
    assert status == 200 and headers["X-Maillage-Truncated"] == "3000"
    assert len(body.decode().splitlines()) == 1 + 3000
    status, _, body = get(remote, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert status == 403 and b"SERVICE is refused" in body
    update = {"Content-Type": "application/sparql-update"}
    status, _, _ = http(f"{remote}/sparql", data=b"CLEAR ALL", headers=update)
    assert status == 403
    status, _, body = get(remote, "ASK { ?s ?p ?o }", accept="application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(remote, f"DESCRIBE <https://w3id.org/maillage/{STRUCTURE}>", format="nt")
    assert status == 200 and b"le-triporteur-d-idees" in body


def test_resource_pages_as_from_the_embedded_store(remote: str, served_seed: str) -> None:
    status, html = page(remote, f"{ACTION}.html")
    assert status == 200
    text = html.decode()
    assert "Agir sur nos déchets" in text or "agir sur nos déchets" in text
    assert f'href="../../../{STRUCTURE}.html"' in text  # its structure, linked
    assert (status, html) == page(served_seed, f"{ACTION}.html")
    assert page(remote, f"{ACTION}.nt", "application/n-triples") == page(served_seed, f"{ACTION}.nt")
    structure = page(remote, f"{STRUCTURE}.html")
    assert structure == page(served_seed, f"{STRUCTURE}.html")
    assert f"{ACTION.rsplit('/', 1)[1]}.html" in structure[1].decode()  # "actions de cette structure"
    assert page(remote, "action/31/nothing/here.html")[0] == 404
    assert page(remote, "index.html") == page(served_seed, "index.html")
    assert page(remote, "recherche.json") == page(served_seed, "recherche.json")


def test_the_default_network_as_from_the_embedded_store(remote: str, served_seed: str) -> None:
    status, html = page(remote, "reseau")
    assert status == 200 and b"vis-network" in html
    ours, theirs = (json.loads(page(base, "reseau/export.json")[1]) for base in (remote, served_seed))
    key = json.dumps
    for part in ("nodes", "links"):
        assert sorted(map(key, ours[part])) == sorted(map(key, theirs[part])), part
    assert ours["nodes"]
    query = "reseau?" + urllib.parse.urlencode({"type": "structures-partenaires", "niveau": "organisations"})
    assert page(remote, query)[0] == 200


def test_remote_failures_are_502_pages(seed_dataset: Path, tmp_path: Path) -> None:
    with running_oxigraph(tmp_path / "db") as server:
        done = CliRunner().invoke(main, ["push", "--data", str(seed_dataset), "--graph-store", server.store])
        assert done.exit_code == 0, done.output
        with running_server(seed_dataset, "--sparql", server.query) as base:
            assert page(base, f"{ACTION}.html")[0] == 200
            server.stop()
            status, html = page(base, f"{ACTION}.html")
            assert status == 502
            text = html.decode()
            assert "Serveur SPARQL indisponible" in text and f"{server.query} cannot be reached" in text
            status, _, body = get(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", accept="application/json")
            assert status == 502 and body.decode().startswith(f"the SPARQL endpoint at {server.query} cannot")
            assert page(base, "reseau?type=mots-cles")[0] == 502


class Slow(BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers ASK at once (the start-up check) and anything else too late."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if b"ASK" not in urllib.parse.unquote_plus(body.decode()).encode():
            time.sleep(3)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/tab-separated-values")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"true")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server under test gave up waiting, as it should

    def log_message(self, *args: object) -> None:
        pass


def test_a_slow_remote_hits_the_time_limit(seed_dataset: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/query"
    try:
        with running_server(seed_dataset, "--sparql", url, "--time-limit", "1") as base:
            status, _, body = get(base, "SELECT * WHERE { ?s ?p ?o }")
            assert status == 503 and f"{url} did not answer within 1 s" in body.decode()
            assert page(base, f"{ACTION}.html")[0] == 504
    finally:
        server.shutdown()
        server.server_close()


def test_an_endpoint_that_does_not_answer_stops_the_server(seed_dataset: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    done = subprocess.run(
        [MAILLAGE, "serve", "--data", str(seed_dataset), "--sparql", url, "--port", str(free_port())],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert f"the SPARQL endpoint at {url} cannot be reached: Connection refused" in done.stderr
    done = subprocess.run([MAILLAGE, "serve", "--data", str(seed_dataset), "--graph", "default"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "give --sparql URL too" in done.stderr
