"""The endpoint's answer cache: repeated questions don't reach the workers; memory stays bounded."""

from __future__ import annotations

from maillage.publish.guard import QueryForm
from maillage.publish.sparql import Endpoint
from maillage.publish.workers import Answer, Request

JSON = "application/sparql-results+json"


class CountingPool:
    """Stands for the worker pool: answers 1,000 bytes and counts the queries that reach it."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def run(self, request: Request) -> Answer:
        self.queries.append(request.query)
        return Answer(b"x" * 1000)


def test_repeated_answers_come_from_the_cache_and_old_ones_are_evicted() -> None:
    pool = CountingPool()
    endpoint = Endpoint(pool, max_rows=10, max_query_bytes=10_000, cache_bytes=2_500)  # type: ignore[arg-type]
    for query in ("q1", "q1", "q2", "q1"):
        endpoint.answer(query, QueryForm.SELECT, JSON)
    assert pool.queries == ["q1", "q2"]
    endpoint.answer("q1", QueryForm.SELECT, "text/csv")  # another format is another answer
    assert pool.queries == ["q1", "q2", "q1"]
    endpoint.answer("q3", QueryForm.SELECT, JSON)  # 4,000 bytes > 2,500: the least recently used go
    endpoint.answer("q2", QueryForm.SELECT, JSON)
    assert pool.queries == ["q1", "q2", "q1", "q3", "q2"]
    assert endpoint._cached_bytes <= 2_500


def test_large_answers_are_not_cached() -> None:
    pool = CountingPool()
    endpoint = Endpoint(pool, max_rows=10, max_query_bytes=10_000, cache_body_bytes=999)  # type: ignore[arg-type]
    endpoint.answer("q1", QueryForm.SELECT, JSON)
    endpoint.answer("q1", QueryForm.SELECT, JSON)
    assert pool.queries == ["q1", "q1"]


def test_the_catalogue_is_answered_at_start_up(seed_dataset) -> None:
    """The dataset never changes while served: the catalogue's answers are ready before any request."""
    from maillage.graph.catalogue import catalogue
    from maillage.publish.app import Settings, create_app

    app = create_app(seed_dataset, Settings(workers=1))
    try:
        endpoint = app.extensions["maillage.sparql"]
        cached = {query for query, media in endpoint._pinned if media == JSON}
        assert cached == {question.query for question in catalogue()}
        with app.test_client() as client:
            response = client.get(
                "/sparql", query_string={"query": catalogue()[0].query}, headers={"Accept": JSON}
            )
            assert response.status_code == 200
    finally:
        endpoint.pool.close()
