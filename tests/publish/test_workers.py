"""The query worker pool: a replacement worker joins the idle ones only once it holds the graph."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from maillage.graph.store import StoreMode
from maillage.publish.guard import QueryForm
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
