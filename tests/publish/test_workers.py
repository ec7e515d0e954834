"""The worker pool: a replacement worker joins the idle ones only once it holds the graph; documents are
built in the workers, under the same time limit as queries."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from maillage.graph.store import StoreMode
from maillage.publish.app import Settings, close_app, create_app
from maillage.publish.guard import QueryForm
from maillage.publish.linked_data import Site
from maillage.publish.workers import QueryTimeout, Request, WorkerPool

JSON = "application/sparql-results+json"
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _request(query: str) -> Request:
    return Request(query, QueryForm.SELECT, JSON, 1000)


def test_after_a_stopped_query_only_ready_workers_are_handed_out(seed_dataset: Path) -> None:
    pool = WorkerPool(seed_dataset, 2, time_limit=2, mode=StoreMode.MEMORY)
    try:
        pool.wait_ready(60)
        with pytest.raises(QueryTimeout):
            pool.run(_request(EXPLOSIVE))
        # The killed worker's replacement is still loading: it must not be among the idle ones yet.
        assert all(worker.ready for worker in list(pool._idle.queue))
        answer = pool.run(_request(COUNT))
        assert int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"]) > 0
        deadline = time.monotonic() + 60
        while pool._idle.qsize() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool._idle.qsize() == 2, "the replacement joined once loaded"
    finally:
        pool.close()


def _some_action(site: Site) -> str:
    """The site path of one action of the graph."""
    query = "SELECT ?a WHERE { ?a a <https://w3id.org/maillage/ontologie#Action> } ORDER BY ?a LIMIT 1"
    return next(iter(site.store.query(query)))["a"].value.removeprefix(site.base_iri)


def test_documents_built_in_a_worker_are_those_built_in_process(seed_dataset: Path) -> None:
    """The server builds pages in its worker processes (out of the web process's way): the same bytes."""
    site = Site(seed_dataset)
    action = _some_action(site)
    pool = WorkerPool(seed_dataset, 1, time_limit=30, mode=StoreMode.MEMORY)
    try:
        pool.wait_ready(60)
        for stem in (action, "catalogue", "ontologie"):
            for ext in ("html", "ttl", "jsonld"):
                assert pool.document(stem, ext) == site.build(stem, ext), (stem, ext)
        assert pool.document("action/99/nulle/part", "html") is None
    finally:
        pool.close()


def test_a_document_past_the_time_limit_gets_a_503_and_the_server_goes_on(seed_dataset: Path) -> None:
    # No document is built within 0.1 ms: each request is stopped at the limit (or finds no worker free).
    app = create_app(seed_dataset, Settings(time_limit=0.0001, workers=1, warm_catalogue=False))
    try:
        client = app.test_client()
        action = _some_action(Site(seed_dataset))
        page = client.get(f"/{action}.html", headers={"Accept": "text/html"})
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        text = page.get_data(as_text=True)
        assert "Page momentanément indisponible" in text
        assert "time limit" in text or "busy" in text or "loading" in text
        turtle = client.get(f"/{action}.ttl", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 503 and turtle.content_type.startswith("text/plain")
        assert client.get("/ontologie/formes.ttl").status_code == 200, "what needs no worker still answers"
        assert client.get(f"/{action}", headers={"Accept": "text/html"}).status_code == 303
    finally:
        close_app(app)


def test_closing_the_pool_while_a_replacement_loads_stops_it_quietly(
    seed_dataset: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A server closing an app (a reload, the end) while a killed worker's replacement loads the graph:
    both stop it, once, and nothing is reported as broken."""
    before = set(multiprocessing.active_children())
    pool = WorkerPool(seed_dataset, 1, time_limit=0.0001, mode=StoreMode.MEMORY)
    pool.wait_ready(60)
    with pytest.raises(QueryTimeout):
        pool.run(_request(EXPLOSIVE))  # stopped at the limit: its worker is replaced, the new one loads
    pool.close()
    deadline = time.monotonic() + 30
    while set(multiprocessing.active_children()) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not set(multiprocessing.active_children()) - before, "every worker process ended"
    assert "could not open" not in caplog.text
