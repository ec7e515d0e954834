"""Every IRI of the seed answers from the running server, in every format, and pages only link to pages.

The server is `maillage serve` on the seed (the session's `served_seed`); every resource the graph mints is
requested, not a sample: its IRI (303 to a document chosen by Accept) and each of its five documents,
whose RDF must parse and hold the resource's own triples as the store has them.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path

import pytest
import rdflib
from http_helpers import http

from maillage.graph.downloads import PUBLISHED
from maillage.graph.resources import resource_iris
from maillage.graph.store import open_store

FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}


class Links(HTMLParser):
    """The targets of a page's links and resources, and its element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        for name in ("href", "src", "action"):
            if found.get(name) is not None and not (tag == "form" and name != "action"):
                self.targets.append(found[name] or "")


def links_of(html: bytes) -> Links:
    parser = Links()
    parser.feed(html.decode())
    return parser


def raw_get(base: str, path: str, accept: str | None = None) -> HTTPResponse:
    """A GET of ``path`` sent as is (no redirect followed, no normalisation of '..' or '%2e')."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers={"Accept": accept} if accept else {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


@cache
def seed_resources(dataset: Path) -> tuple[str, list[str]]:
    """The base IRI and every resource IRI of the built seed, read from its store."""
    from maillage.graph.build import read_metadata

    base = read_metadata(dataset).base_iri
    return base, resource_iris(open_store(dataset, "disk"), base)


@pytest.fixture(scope="module")
def resources(seed_dataset: Path) -> tuple[str, list[str]]:
    return seed_resources(seed_dataset)


@pytest.fixture(scope="module")
def full_graph(seed_dataset: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(seed_dataset / "graph.nt", format="nt")
    return graph


def test_the_seed_mints_every_kind_of_resource(resources: tuple[str, list[str]]) -> None:
    base, iris = resources
    kinds = {iri[len(base) :].split("/", 1)[0] for iri in iris}
    assert {"action", "structure", "organisation", "concept", "territoire", "source", "fiche"} <= kinds
    assert len(iris) > 100


@pytest.mark.parametrize("ext", list(FORMATS))
def test_every_iri_redirects_to_its_document(served_seed: str, resources, ext: str) -> None:
    base, iris = resources
    failures = []
    for iri in iris:
        path = "/" + iri[len(base) :]
        response = raw_get(served_seed, path, accept=f"{FORMATS[ext]}, */*;q=0.1")
        location = response.getheader("Location")
        expected = path.rsplit("/", 1)[-1] + "." + ext
        if (
            response.status != 303
            or location != expected
            or "Accept" not in (response.getheader("Vary") or "")
        ):
            failures.append((path, response.status, location))
    assert not failures, failures[:5]


@pytest.mark.parametrize("ext", [ext for ext in FORMATS if ext != "html"])
def test_every_document_parses_and_holds_the_resource_triples(
    served_seed: str, resources, full_graph: rdflib.Graph, ext: str
) -> None:
    base, iris = resources
    failures = []
    for iri in iris:
        status, headers, body = http(f"{served_seed}/{iri[len(base) :]}.{ext}")
        if status != 200 or not headers["Content-Type"].startswith(FORMATS[ext]):
            failures.append((iri, status, headers.get("Content-Type")))
            continue
        document = rdflib.Graph()
        document.parse(data=body, format=RDFLIB_FORMATS[ext])
        subject = rdflib.URIRef(iri)
        # Its own triples and those of its hash IRIs (a source file's extracts), datatypes as built.
        expected = {t for t in full_graph if t[0] == subject or str(t[0]).startswith(iri + "#")}
        missing = expected - set(document)
        pointing = set(full_graph.triples((None, None, subject))) - set(
            full_graph.triples((None, rdflib.RDF.type, subject))
        )
        if not expected or missing or pointing - set(document):
            failures.append((iri, len(expected), len(missing), len(pointing - set(document))))
    assert not failures, failures[:5]


def test_documents_name_their_alternates(served_seed: str, resources) -> None:
    base, iris = resources
    iri = next(i for i in iris if "/action/" in i)
    name = iri.rsplit("/", 1)[-1]
    status, headers, _ = http(f"{served_seed}/{iri[len(base) :]}.ttl")
    assert status == 200
    for ext, media in FORMATS.items():
        assert f'<{name}.{ext}>; rel="alternate"; type="{media}"' in headers["Link"]


def test_html_is_the_default_and_unknown_media_types_get_406(served_seed: str, resources) -> None:
    base, iris = resources
    path = "/" + iris[0][len(base) :]
    assert raw_get(served_seed, path).getheader("Location", "").endswith(".html")
    assert (
        raw_get(served_seed, path, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
        .getheader("Location", "")
        .endswith(".html")
    )
    response = raw_get(served_seed, path, accept="image/png")
    assert response.status == 406
    assert b"text/turtle" in response.body  # type: ignore[attr-defined]


def _crawl_pages(served_seed: str, base: str, iris: list[str]) -> Iterator[tuple[str, bytes]]:
    """The landing page, the fixed pages and every resource page, as (path, body)."""
    fixed = ["index.html", "donnees/index.html", "ontologie.html", "catalogue.html"]
    for path in fixed + [iri[len(base) :] + ".html" for iri in iris]:
        status, headers, body = http(f"{served_seed}/{path}")
        assert status == 200, path
        assert headers["Content-Type"].startswith("text/html")
        yield path, body


def test_html_pages_link_only_to_existing_pages(served_seed: str, resources) -> None:
    base, iris = resources
    checked: dict[str, int] = {}
    anchors: dict[str, set[str]] = {}
    broken = []
    fragments: list[tuple[str, str, str]] = []
    for path, body in _crawl_pages(served_seed, base, iris):
        links = links_of(body)
        anchors[path] = links.ids
        for target in links.targets:
            split = urllib.parse.urlsplit(target)
            if target.startswith("#"):
                fragments.append((path, path, target[1:]))
                continue
            if split.scheme in ("http", "https", "mailto"):
                continue
            assert not split.scheme and not split.netloc, f"{path}: absolute link {target}"
            resolved = urllib.parse.urljoin(f"{served_seed}/{path}", split.path)
            local = resolved[len(served_seed) + 1 :]
            if split.fragment:
                fragments.append((path, local, split.fragment))
            if resolved not in checked:  # as a browser asks: the query page answers HTML to it
                checked[resolved] = http(resolved, headers={"Accept": "text/html,*/*;q=0.8"})[0]
            if checked[resolved] != 200:
                broken.append((path, target, checked[resolved]))
    assert not broken, broken[:10]
    missing = []
    for page, local, fragment in fragments:
        if local not in anchors:
            status, _, body = http(f"{served_seed}/{local}")
            anchors[local] = links_of(body).ids if status == 200 else set()
        if fragment not in anchors[local]:
            missing.append((page, local, fragment))
    assert not missing, missing[:10]
    assert len(checked) > len(iris)


def test_pages_show_labels_types_and_incoming_links(served_seed: str, resources) -> None:
    base, iris = resources
    structure = next(i for i in iris if "/structure/" in i)
    status, _, body = http(f"{served_seed}/{structure[len(base) :]}.html")
    page = body.decode()
    assert status == 200
    assert '<html lang="fr"' in page
    assert "Structure" in page and "Liens vers cette ressource" in page
    graph = rdflib.Graph().parse(data=http(f"{served_seed}/{structure[len(base) :]}.ttl")[2], format="turtle")
    actions = set(graph.subjects(rdflib.URIRef("https://w3id.org/maillage/ontologie#structureOrganisatrice")))
    assert actions
    for action in actions:
        name = str(action).rsplit("/", 1)[-1]
        assert f"{name}.html" in page


def test_ontology_terms_resolve_into_the_ontology_page(served_seed: str) -> None:
    response = raw_get(served_seed, "/ontologie", accept="text/turtle")
    assert response.status == 303 and response.getheader("Location") == "ontologie.ttl"
    status, _, turtle = http(f"{served_seed}/ontologie.ttl")
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    mlg = rdflib.Namespace("https://w3id.org/maillage/ontologie#")
    assert (mlg.Action, rdflib.RDF.type, rdflib.OWL.Class) in graph
    ids = links_of(http(f"{served_seed}/ontologie.html")[2]).ids
    terms = {str(s)[len(str(mlg)) :] for s in graph.subjects(rdflib.RDF.type, None) if str(s).startswith(mlg)}
    assert terms and terms <= ids
    for name in ("formes.ttl", "contexte.jsonld"):
        status, _, body = http(f"{served_seed}/ontologie/{name}")
        assert status == 200 and body


def test_unknown_iris_get_a_french_404_page(served_seed: str) -> None:
    status, headers, body = http(
        f"{served_seed}/action/31/inconnue/nulle-part", headers={"Accept": "text/html"}
    )
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert "introuvable" in body.decode().lower()
    status, headers, _ = http(
        f"{served_seed}/action/31/inconnue/nulle-part.ttl", headers={"Accept": "text/turtle"}
    )
    assert status == 404 and headers["Content-Type"].startswith("text/plain")


TRAVERSALS = [
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/donnees/..%2fbuild.json",
    "/donnees/%2e%2e%2fbuild.json",
    "/donnees/build.json",
    "/donnees/graph.nt",
    "/donnees/store",
    "/donnees/.",
    "/ontologie/..%2f..%2fpyproject.toml",
    "/ontologie/maillage.ttl",
    "/action/..%2f..%2fbuild.json",
    "/action/31/%2e%2e/%2e%2e/build.json",
    "/build.json",
    "/fiches.jsonl",
    "/store/CURRENT",
    "/static/../../../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/%2fetc%2fpasswd",
    "/action/31/x%00.ttl",
    "/graph.ttl",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_nothing_outside_the_published_data_is_readable(
    served_seed: str, seed_dataset: Path, path: str
) -> None:
    response = raw_get(served_seed, path)
    body: bytes = response.body  # type: ignore[attr-defined]
    assert response.status in (400, 404), (path, response.status)
    assert b"root:" not in body
    assert b"[project]" not in body
    assert (seed_dataset / "build.json").read_bytes() not in body


def test_every_published_file_downloads_with_its_checksum(served_seed: str, seed_dataset: Path) -> None:
    sums = dict(
        reversed(line.split("  ", 1)) for line in (seed_dataset / "SHA256SUMS").read_text().splitlines()
    )
    for published in PUBLISHED:
        status, headers, body = http(f"{served_seed}/donnees/{published.name}")
        assert status == 200, published.name
        assert headers["Content-Type"].split(";")[0] == published.media_type
        assert body == (seed_dataset / published.name).read_bytes()
        if published.name != "SHA256SUMS":
            assert hashlib.sha256(body).hexdigest() == sums[published.name]


def test_void_answers_at_its_well_known_address(served_seed: str, seed_dataset: Path) -> None:
    status, headers, body = http(f"{served_seed}/.well-known/void", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    datasets = set(graph.subjects(rdflib.RDF.type, void.Dataset))
    assert datasets
    triples = {int(o) for d in datasets for o in graph.objects(d, void.triples)}
    assert len((seed_dataset / "graph.nt").read_text().splitlines()) in triples
    response = raw_get(served_seed, "/.well-known/void", accept="text/html")
    assert response.status == 303 and response.getheader("Location") == "../catalogue.html"


def test_the_landing_page_says_what_the_dataset_is(served_seed: str) -> None:
    status, _, body = http(f"{served_seed}/")
    page = body.decode()
    assert status == 200
    assert '<html lang="fr"' in page
    assert "25" in page  # actions of the seed
    targets = links_of(body).targets
    for expected in ("sparql", "reseau", "donnees/index.html", "catalogue.html", "ontologie.html"):
        assert any(t == expected or t.endswith("/" + expected) for t in targets), expected
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block is not None
    dataset = json.loads(block.group(1))
    assert dataset["@type"] == "Dataset"
    assert dataset["license"].startswith("https://www.etalab.gouv.fr/")
    assert any(d["contentUrl"].endswith("graph.ttl") for d in dataset["distribution"])
    assert http(f"{served_seed}/index.html")[2] == body


def test_the_search_index_leads_to_every_action(served_seed: str, resources) -> None:
    base, iris = resources
    status, _, body = http(f"{served_seed}/recherche.json")
    entries = json.loads(body)
    actions = {iri[len(base) :] + ".html" for iri in iris if iri[len(base) :].startswith("action/")}
    assert status == 200
    assert {entry[3] for entry in entries} == actions
    assert len(entries) == 25


@pytest.mark.slow
def test_data_built_under_another_base_iri_is_served_at_the_same_paths(tmp_path: Path, serve_dataset) -> None:
    """Behind a proxy, the request path is read as base IRI + path, whatever the host the request names."""
    from maillage.graph.build import build_dataset
    from maillage.graph.export import read_export
    from maillage.graph.record import Fiche

    base = "https://donnees.example.org/reseaux/maillage/"
    sample = Path(__file__).parents[1] / "data" / "sample-export.txt"
    build_dataset((f for f in read_export(sample) if isinstance(f, Fiche)), tmp_path, base, [str(sample)])
    iris = resource_iris(open_store(tmp_path, "disk"), base)
    action = next(iri for iri in iris if iri.startswith(base + "action/"))
    served = serve_dataset(tmp_path)
    response = raw_get(served, "/" + action[len(base) :], accept="text/turtle")
    assert response.status == 303
    status, _, body = http(f"{served}/{action[len(base) :]}.ttl")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert status == 200 and (rdflib.URIRef(action), None, None) in graph
    assert "w3id.org/maillage/action" not in body.decode()
