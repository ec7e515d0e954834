"""The SPARQL 1.1 Protocol over real HTTP, with real clients (SPARQLWrapper, rdflib's SPARQLStore)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import rdflib
from http_helpers import get, http
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

PREFIXES = """PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
COUNT_ACTIONS = PREFIXES + "SELECT (COUNT(?a) AS ?n) WHERE { ?a a mlg:Action }"
TITLES = PREFIXES + "SELECT ?title WHERE { ?a a mlg:Action ; dct:title ?title } ORDER BY ?title LIMIT 3"
FIRST_TITLES = [
    '"Fête en Plein Air : Jeux, Repas et Loto"',
    '"Ta spécialité presque parfait"',
    "ATELIER DECOUVERTE DU THEÂTRE",
]


def wrapper(base: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(f"{base}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json_and_xml(served_seed: str, method: str) -> None:
    result = wrapper(served_seed, COUNT_ACTIONS, JSON, method).query().convert()
    assert result["results"]["bindings"][0]["n"]["value"] == "25"
    document = wrapper(served_seed, TITLES, XML, method).query().convert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == FIRST_TITLES


def test_sparqlwrapper_csv_and_tsv(served_seed: str) -> None:
    text = wrapper(served_seed, TITLES, CSV).query().convert().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["title"],
        ['"Fête en Plein Air : Jeux, Repas et Loto"'],
        ['"Ta spécialité presque parfait"'],
        ["ATELIER DECOUVERTE DU THEÂTRE"],
    ]
    tsv = wrapper(served_seed, TITLES, TSV).query().convert().decode().splitlines()
    assert tsv[0] == "?title"
    assert tsv[3] == '"ATELIER DECOUVERTE DU THEÂTRE"@fr'


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rdflib_sparqlstore_reads_the_endpoint(served_seed: str, fmt: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(f"{served_seed}/sparql", returnFormat=fmt))
    rows = list(graph.query(COUNT_ACTIONS))
    assert int(rows[0][0]) == 25
    titles = [str(row.title) for row in graph.query(TITLES)]
    assert titles == FIRST_TITLES
    graph.close()


@pytest.mark.parametrize(
    ("fmt", "media", "rdflib_format"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("nt", "application/n-triples", "nt"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdfxml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_in_every_rdf_format(served_seed: str, fmt: str, media: str, rdflib_format: str) -> None:
    query = PREFIXES + """CONSTRUCT { ?a dct:title ?t } WHERE { ?a a mlg:Action ; dct:title ?t }"""
    for status, headers, body in (get(served_seed, query, format=fmt), get(served_seed, query, accept=media)):
        assert status == 200
        assert headers["Content-Type"].startswith(media)
        graph = rdflib.Graph().parse(data=body, format=rdflib_format)
        assert len(graph) == 25
        assert rdflib.Literal("Jardin collectif", lang="fr") in set(graph.objects())


def test_describe_answers_turtle_by_default(served_seed: str) -> None:
    iri = "https://w3id.org/maillage/action/31/labo-binette/jardin-collectif"
    status, headers, body = get(served_seed, f"DESCRIBE <{iri}>")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert (rdflib.URIRef(iri), rdflib.DCTERMS.title, rdflib.Literal("Jardin collectif", lang="fr")) in graph


def test_ask_and_post_sparql_query_body(served_seed: str) -> None:
    status, _, body = http(
        f"{served_seed}/sparql",
        data=b"ASK { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert status == 200
    assert json.loads(body) == {"head": {}, "boolean": True}


def test_accept_negotiation_and_format_parameter(served_seed: str) -> None:
    for accept, media in [
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ]:
        status, headers, _ = get(served_seed, COUNT_ACTIONS, accept=accept)
        assert status == 200, accept
        assert headers["Content-Type"].startswith(media), accept
        assert "Accept" in headers["Vary"]
    status, headers, _ = get(
        served_seed, COUNT_ACTIONS, format="csv", accept="application/sparql-results+xml"
    )
    assert headers["Content-Type"].startswith("text/csv")


def test_unsupported_accept_is_406(served_seed: str) -> None:
    status, _, body = get(served_seed, COUNT_ACTIONS, accept="image/png")
    assert status == 406
    assert b"application/sparql-results+json" in body
    status, _, _ = get(served_seed, COUNT_ACTIONS, format="png")
    assert status == 400


def test_malformed_query_is_400_with_the_parser_message(served_seed: str) -> None:
    status, headers, body = get(served_seed, "SELECT ?x WHERE { ?x ?y }")
    assert status == 400
    assert headers["Content-Type"].startswith("text/plain")
    assert b"not valid SPARQL" in body and b"line 1" in body


def test_cors_is_open_for_reads(served_seed: str) -> None:
    _, headers, _ = get(served_seed, COUNT_ACTIONS, accept="application/sparql-results+json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = http(
        f"{served_seed}/sparql",
        method="OPTIONS",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] in ("*", "https://yasgui.example")
    assert "POST" in headers["Access-Control-Allow-Methods"]


def test_unsupported_body_type_and_missing_query(served_seed: str) -> None:
    status, _, _ = http(f"{served_seed}/sparql", data=b"<x/>", headers={"Content-Type": "application/xml"})
    assert status == 415
    status, _, body = http(f"{served_seed}/sparql", headers={"Accept": "application/sparql-results+json"})
    assert status == 400 and b"no query" in body


def test_the_browser_gets_the_query_page(served_seed: str) -> None:
    status, headers, body = http(f"{served_seed}/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert '<html lang="fr">' in page
    assert "PREFIX mlg:" in page
    assert "/static/vendor/codemirror/codemirror.js" in page
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)=[\"']?(https?:)?//", page)
