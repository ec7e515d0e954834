"""The endpoint's safety rules, each proved against a running server."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse

from conftest import free_port
from http_helpers import get, http
from test_sparql_endpoint import COUNT_ACTIONS, PREFIXES

JSON_RESULTS = "application/sparql-results+json"


def count_triples(base: str) -> int:
    _, _, body = get(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept=JSON_RESULTS)
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_updates_are_refused_and_change_nothing(served_seed: str) -> None:
    before = count_triples(served_seed)
    insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    attempts = [
        http(
            f"{served_seed}/sparql",
            data=urllib.parse.urlencode({"query": insert}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        http(
            f"{served_seed}/sparql",
            data=urllib.parse.urlencode({"update": insert}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        http(
            f"{served_seed}/sparql",
            data=insert.encode(),
            headers={"Content-Type": "application/sparql-update"},
        ),
        get(served_seed, insert),
        get(served_seed, "DELETE WHERE { ?s ?p ?o }"),
        get(served_seed, "LOAD <http://example.org/data.ttl>"),
        get(served_seed, "CLEAR DEFAULT"),
    ]
    for status, _, body in attempts:
        assert status == 403
        assert b"read-only" in body
    assert count_triples(served_seed) == before


def test_service_is_refused_before_any_connection(served_seed: str) -> None:
    port = free_port()
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen()
    listener.settimeout(2)
    try:
        for query in [
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"select * where {{ optional {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}",
            f"PREFIX x: <http://127.0.0.1:{port}/> "
            "SELECT * WHERE { { SELECT ?s WHERE { SERVICE x:q { ?s ?p ?o } } } }",
        ]:
            status, _, body = get(served_seed, query, accept=JSON_RESULTS)
            assert status == 403
            assert b"SERVICE is refused" in body
        try:
            connection, _ = listener.accept()
            connection.close()
            raise AssertionError("the server connected to the SERVICE address")
        except TimeoutError:
            pass
    finally:
        listener.close()


def test_a_runaway_query_is_stopped_while_others_are_served(start_server) -> None:
    base = start_server("--time-limit", "3", "--workers", "2")
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = get(base, explosive, accept=JSON_RESULTS)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    status, _, body = get(base, COUNT_ACTIONS, accept=JSON_RESULTS)
    simple_seconds = time.monotonic() - started
    thread.join(30)
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "25"
    assert simple_seconds < 2.5, "the simple query waited for the runaway one"
    assert outcome["status"] == 503
    assert b"time limit of 3 s" in outcome["body"]
    assert 2.5 < outcome["seconds"] < 15
    assert get(base, COUNT_ACTIONS, accept=JSON_RESULTS)[0] == 200  # a fresh worker took over


def test_the_row_cap_holds_and_says_so(start_server) -> None:
    base = start_server("--max-rows", "7")
    status, headers, body = get(base, PREFIXES + "SELECT ?a WHERE { ?a a mlg:Action }", accept=JSON_RESULTS)
    assert status == 200
    assert headers["X-Maillage-Truncated"] == "7"
    assert len(json.loads(body)["results"]["bindings"]) == 7
    status, headers, body = get(base, PREFIXES + "SELECT ?a WHERE { ?a a mlg:Action } LIMIT 5", format="csv")
    assert "X-Maillage-Truncated" not in headers
    assert len(body.decode().splitlines()) == 6
    status, headers, body = get(base, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", format="nt")
    assert headers["X-Maillage-Truncated"] == "7"
    assert len(body.decode().splitlines()) == 7


def test_request_size_is_capped(served_seed: str) -> None:
    huge = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 300_000
    status, _, _ = http(
        f"{served_seed}/sparql", data=huge.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert status == 413
    status, _, _ = http(
        f"{served_seed}/sparql",
        data=urllib.parse.urlencode({"query": "ASK {}"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200
