"""A battery of hostile requests against a running server: each gets its 4xx (or 503) with a message, and the
server goes on answering. What a user relies on: the public endpoint cannot be written to, cannot be made
to fetch anything, cannot be made to read a file outside the data, and one bad client does not stop it.
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from collections.abc import Iterator
from http.client import HTTPConnection

import pytest
from conftest import free_port
from http_helpers import get, http

JSON_RESULTS = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

UPDATES = [
    "INSERT DATA { <http://e.org/a> <http://e.org/b> <http://e.org/c> }",
    "DELETE DATA { <http://e.org/a> <http://e.org/b> <http://e.org/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "WITH <http://e.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "CLEAR DEFAULT",
    "DROP ALL",
    "DROP SILENT GRAPH <http://e.org/g>",
    "CREATE GRAPH <http://e.org/g>",
    "ADD DEFAULT TO <http://e.org/g>",
    "MOVE DEFAULT TO <http://e.org/g>",
    "COPY DEFAULT TO <http://e.org/g>",
    "PREFIX x: <http://e.org/> INSERT DATA { x:a x:b x:c } ; DROP ALL",
]


def triples(base: str) -> int:
    status, _, body = get(base, COUNT, accept=JSON_RESULTS)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def alive(base: str) -> bool:
    return get(base, "ASK {}", accept=JSON_RESULTS)[0] == 200


def form(base: str, **fields: str) -> tuple[int, dict[str, str], bytes]:
    return http(
        f"{base}/sparql",
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


@pytest.mark.parametrize("update", UPDATES)
def test_every_kind_of_update_is_refused_every_way_it_can_be_sent(served_seed: str, update: str) -> None:
    before = triples(served_seed)
    attempts = [
        get(served_seed, update),
        form(served_seed, query=update),
        form(served_seed, update=update),
        http(
            f"{served_seed}/sparql",
            data=update.encode(),
            headers={"Content-Type": "application/sparql-update"},
        ),
        http(
            f"{served_seed}/sparql",
            data=update.encode(),
            headers={"Content-Type": "application/sparql-query"},
        ),
    ]
    for status, _, body in attempts:
        assert status in (400, 403, 415), (update, status, body)
        assert body.strip(), "a refusal says why"
    assert triples(served_seed) == before


@pytest.fixture
def listener() -> Iterator[tuple[int, socket.socket]]:
    """A local port that records whether anything connected to it."""
    port = free_port()
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen()
    sock.settimeout(1.5)
    yield port, sock
    sock.close()


def assert_untouched(sock: socket.socket) -> None:
    try:
        connection, _ = sock.accept()
    except TimeoutError:
        return
    connection.close()
    raise AssertionError("the server connected to an address a request named")


def test_load_and_service_never_connect(served_seed: str, listener) -> None:
    port, sock = listener
    url = f"http://127.0.0.1:{port}/data.ttl"
    for query, sent in [
        (f"LOAD <{url}>", "update"),
        (f"LOAD SILENT <{url}> INTO GRAPH <http://e.org/g>", "query"),
        (f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "query"),
        (f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "query"),
        (f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "query"),
        ("SELECT * WHERE { ?s ?p ?o }", "default-graph-uri"),
    ]:
        if sent == "default-graph-uri":
            status, _, body = get(served_seed, query, **{"default-graph-uri": url})
        else:
            status, _, body = form(served_seed, **{sent: query})
        assert status < 500 and (status >= 400 or b'"bindings": []' in body or b"bindings" in body), (
            query,
            status,
        )
    assert_untouched(sock)
    assert alive(served_seed)


def test_a_cartesian_construct_is_capped_or_stopped(start_server) -> None:
    base = start_server("--time-limit", "3", "--max-rows", "1000")
    query = "CONSTRUCT { ?a ?b ?f . ?d ?e ?c } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    status, headers, body = get(base, query, format="nt")
    assert (status == 200 and headers.get("X-Maillage-Truncated") == "1000") or status == 503, status
    assert len(body) < 5_000_000
    sorted_product = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(STR(?c)) ?f ?i"
    status, _, body = get(base, sorted_product, accept=JSON_RESULTS)
    assert status == 503 and (b"time limit" in body or b"memory allowance" in body), body[:200]
    assert alive(base)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "(a+)+$")) }',
        'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "^(([a-z])+.)+[A-Z]([a-z])+$", "i")) }',
        'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "' + "(a|aa)*" * 40 + 'b")) }',
        'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "x{1000}{1000}{1000}")) }',
        'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "(")) }',
    ],
)
def test_regular_expression_bombs_are_harmless(served_seed: str, query: str) -> None:
    status, _, body = get(served_seed, query, accept=JSON_RESULTS)
    assert status in (200, 400, 503), (status, body[:200])
    assert alive(served_seed)


@pytest.mark.parametrize("depth", [200, 3_000, 20_000])
def test_deeply_nested_queries_are_refused_not_crashing(served_seed: str, depth: int) -> None:
    for query in [
        "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth,
        "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }",
        "SELECT * WHERE { " + "OPTIONAL { " * depth + "?s ?p ?o" + " }" * depth + " }",
    ]:
        status, _, body = http(
            f"{served_seed}/sparql",
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": JSON_RESULTS},
        )
        assert status in (200, 400, 413, 503), (depth, status, body[:200])
        if status == 400:
            assert body.strip()
    assert alive(served_seed)


def test_huge_queries_and_urls(served_seed: str) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 400_000
    assert (
        http(
            f"{served_seed}/sparql", data=big.encode(), headers={"Content-Type": "application/sparql-query"}
        )[0]
        == 413
    )
    assert form(served_seed, query=big)[0] == 413
    many_values = "SELECT * WHERE { VALUES ?x { " + " ".join(str(i) for i in range(40_000)) + " } }"
    status, _, _ = form(served_seed, query=many_values)
    assert status in (200, 413)
    status, _, _ = http(f"{served_seed}/sparql?query=" + "A" * 300_000)
    assert status in (400, 413, 414, 431)
    assert alive(served_seed)


@pytest.mark.parametrize(
    "raw",
    ["%ZZ", "%E9%", "%C3%28", "%00ASK%20%7B%7D", "ASK%20%7B%7D%FF%FE", "%25%32%35", "%uFFFF"],
)
def test_malformed_percent_encoding_is_a_400(served_seed: str, raw: str) -> None:
    status, _, body = http(f"{served_seed}/sparql?query={raw}", headers={"Accept": JSON_RESULTS})
    assert 400 <= status < 500 and body.strip(), (raw, status)
    status, _, _ = http(f"{served_seed}/action/{raw}")
    assert 400 <= status < 500
    assert alive(served_seed)


def test_unknown_accept_is_a_406_and_wildcards_are_served(served_seed: str) -> None:
    for accept in ["application/x-unknown", "image/png", "text/html;q=0, application/json;q=0"]:
        status, _, body = get(served_seed, "ASK {}", accept=accept)
        assert status == 406 and body.strip(), accept
    for accept in ["*/*", "application/*", "", "garbage;;;q=x"]:
        status, _, _ = http(
            f"{served_seed}/sparql?query=ASK%7B%7D", headers={"Accept": accept} if accept else {}
        )
        assert status in (200, 406), accept


@pytest.mark.parametrize(
    "path", ["/sparql", "/", "/action/31/labo-binette/jardin-collectif", "/donnees/graph.ttl"]
)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND"])
def test_methods_that_write_or_probe_are_refused(served_seed: str, path: str, method: str) -> None:
    status, _, _ = http(served_seed + path, data=b"x" if method in ("PUT", "PATCH") else None, method=method)
    assert status in (400, 405, 501), (method, path, status)


def test_method_override_headers_change_nothing(served_seed: str) -> None:
    before = triples(served_seed)
    for header in ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"]:
        status, _, _ = http(
            f"{served_seed}/sparql",
            data=urllib.parse.urlencode({"update": "DROP ALL"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", header: "GET"},
        )
        assert status == 403
    assert triples(served_seed) == before


TRAVERSALS = [
    "../build.json",
    "..%2fbuild.json",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252fbuild.json",
    "..%5cbuild.json",
    "....//build.json",
    "%c0%ae%c0%ae/build.json",
    "store/",
    "store/CURRENT",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "build.json%00.ttl",
]
ROUTES = [
    "/donnees/",
    "/static/",
    "/ontologie/",
    "/action/",
    "/structure/31/",
    "/",
    "/reseau/export.",
    "/fiche/31/",
]


@pytest.mark.parametrize("route", ROUTES)
def test_path_traversal_reads_nothing_outside_the_data(served_seed: str, route: str) -> None:
    host = urllib.parse.urlsplit(served_seed)
    for attempt in TRAVERSALS:
        connection = HTTPConnection(host.hostname, host.port, timeout=30)
        connection.request("GET", route + attempt)  # sent as is: no client-side normalisation
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status in (301, 302, 303, 308, 400, 404), (route + attempt, response.status)
        assert b"root:" not in body and b'"base_iri"' not in body and b"MANIFEST" not in body, route + attempt


def test_oversized_headers_are_refused_and_the_server_goes_on(served_seed: str) -> None:
    host = urllib.parse.urlsplit(served_seed)
    connection = HTTPConnection(host.hostname, host.port, timeout=30)
    connection.putrequest("GET", "/")
    connection.putheader("X-Big", "a" * 300_000)
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 431
    connection.close()
    assert alive(served_seed)


def test_a_query_past_its_memory_allowance_is_stopped(start_server) -> None:
    """A GROUP_CONCAT over a cartesian product claims gigabytes within seconds: the cap stops it first."""
    base = start_server("--query-memory", "200", "--time-limit", "60", "--workers", "1")
    bomb = (
        'SELECT (GROUP_CONCAT(CONCAT(STR(?c), STR(?f), STR(?c)); separator="-----------------") AS ?x) '
        "WHERE { ?a ?b ?c . ?d ?e ?f }"
    )
    status, _, body = get(base, bomb, accept=JSON_RESULTS)
    assert status == 503 and b"memory allowance of 200 MB" in body, (status, body[:200])
    assert alive(base)  # a fresh worker took over
