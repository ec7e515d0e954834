"""`maillage publish`: the static site of a dataset, served by a plain file server under a sub-path.

The site is published once per module through the real console script, then served with the standard
library's static file server from the folder *above* it, so that it lives at ``/site/``: a link that only
works at a host's root would break here. The crawl follows every ``href`` and ``src`` from the landing
page, fetches only what the loopback server holds, and collects external links without fetching them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urldefrag, urljoin, urlsplit

import pyoxigraph as ox
import pytest
import rdflib

from maillage.graph.build import build_dataset, read_metadata
from maillage.graph.downloads import published_files
from maillage.graph.export import read_export
from maillage.graph.record import Fiche
from maillage.graph.resources import resource_iris
from maillage.graph.store import StoreMode, open_store
from maillage.publish import static_site
from maillage.publish.linked_data import Site
from maillage.publish.ontology_page import DOWNLOADS
from maillage.publish.static_site import (
    MARKER,
    PublishError,
    Writer,
    publish_site,
    sitemap_files,
)

MAILLAGE = str(Path(sys.executable).with_name("maillage"))
DATA = Path(__file__).resolve().parents[1] / "data"
OTHER_BASE = "https://data.example.org/maillage/"
#: The hosts the site links to without serving them: licences, vocabularies, INSEE, EU authority tables.
KNOWN_HOSTS = {
    "id.insee.fr",
    "publications.europa.eu",
    "purl.org",
    "rdf.insee.fr",
    "rdfs.org",
    "schema.org",
    "spdx.org",
    "w3id.org",
    "www.etalab.gouv.fr",
    "www.iana.org",
    "www.w3.org",
    "xmlns.com",
}
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
#: Files of the site that no page links to, on purpose: read by scripts, hosts and crawlers.
UNLINKED = {MARKER, ".nojekyll", "404.html", "recherche.json", "robots.txt", "sitemap.xml"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAILLAGE, *args], capture_output=True, text=True, timeout=600)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (dotfiles included) by relative path, with its SHA-256."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# ---- A static file server on loopback ------------------------------------------------------------


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Serve ``root`` as plain files on a free loopback port; yields the server's URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


#: No proxy from the environment: every request goes straight to the loopback server.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> tuple[int, bytes]:
    assert urlsplit(url).hostname == "127.0.0.1", f"request leaving loopback: {url}"
    try:
        with OPENER.open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


# ---- Crawling -------------------------------------------------------------------------------------


class Links(HTMLParser):
    """The link targets (href/src of a, link, script, img, iframe) and the ids of one page."""

    ATTRIBUTES: ClassVar[dict[str, str]] = {
        "a": "href",
        "link": "href",
        "script": "src",
        "img": "src",
        "iframe": "src",
    }

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value for name, value in attrs if value is not None}
        if "id" in attributes:
            self.ids.add(attributes["id"])
        name = self.ATTRIBUTES.get(tag)
        if name and name in attributes:
            self.refs.append(attributes[name])


@dataclass
class Crawl:
    """What a crawl found: statuses of local URLs, external links, and every problem."""

    statuses: dict[str, int] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    external: set[str] = field(default_factory=set)
    absolute: list[tuple[str, str]] = field(default_factory=list)
    outside: list[tuple[str, str]] = field(default_factory=list)
    anchors: list[tuple[str, str]] = field(default_factory=list)


def crawl(start: str, prefix: str) -> Crawl:
    """Every URL reachable from ``start`` under ``prefix``; other hosts collected, never fetched."""
    found = Crawl()
    host = urlsplit(start).netloc
    queue = [start]
    fragments: list[tuple[str, str, str]] = []
    while queue:
        url = queue.pop()
        if url in found.statuses:
            continue
        status, body = fetch(url)
        found.statuses[url] = status
        if status != 200 or not url.endswith(".html"):
            continue
        parser = Links()
        parser.feed(body.decode("utf-8"))
        found.ids[url] = parser.ids
        for ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme in ("mailto", "tel"):
                continue
            target, fragment = urldefrag(urljoin(url, ref))
            if urlsplit(target).netloc != host:
                found.external.add(target)
                continue
            if parts.scheme or parts.netloc or ref.startswith("/"):
                found.absolute.append((url, ref))
            if not target.startswith(prefix):
                found.outside.append((url, ref))
                continue
            if fragment:
                fragments.append((url, target, fragment))
            queue.append(target)
    for page, target, fragment in fragments:
        if target.endswith(".html") and fragment not in found.ids.get(target, set()):
            found.anchors.append((page, f"{target}#{fragment}"))
    return found


# ---- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(seed_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's site, published once through the console script (the host folder is its parent)."""
    site = tmp_path_factory.mktemp("host") / "site"
    done = run("publish", "--data", str(seed_dataset), "--out", str(site))
    assert done.returncode == 0, done.stderr
    assert re.search(r"wrote .*/site/: \d+ pages, \d+ files, [\d,]+ bytes", done.stderr), done.stderr
    return site


@pytest.fixture(scope="module")
def served(published: Path) -> Iterator[str]:
    """The site's URL, served from the folder above it: the site lives at /site/."""
    with static_server(published.parent) as url:
        yield f"{url}/{published.name}/"


@pytest.fixture(scope="module")
def crawled(served: str) -> Crawl:
    return crawl(served + "index.html", served)


# ---- The site served under a prefix --------------------------------------------------------------


@pytest.mark.slow
def test_no_link_is_broken_under_a_sub_path(crawled: Crawl) -> None:
    broken = {url: status for url, status in crawled.statuses.items() if status != 200}
    assert not broken
    assert not crawled.outside, crawled.outside[:5]
    assert not crawled.anchors, crawled.anchors[:5]
    assert len(crawled.statuses) > 600


@pytest.mark.slow
def test_links_are_relative_and_nothing_leaves_loopback(crawled: Crawl) -> None:
    assert not crawled.absolute, crawled.absolute[:5]
    hosts = {urlsplit(url).hostname for url in crawled.external}
    assert hosts <= KNOWN_HOSTS, hosts - KNOWN_HOSTS
    assert {urlsplit(url).scheme for url in crawled.external} <= {"http", "https"}
    assert "https://www.etalab.gouv.fr/licence-ouverte-open-licence/" in crawled.external


@pytest.mark.slow
def test_every_file_is_reached_from_the_landing_page(published: Path, served: str, crawled: Crawl) -> None:
    """A crawler that starts at index.html finds every page, document and download."""
    reached = {url[len(served) :] for url in crawled.statuses}
    assert set(tree_digest(published)) - reached == UNLINKED


@pytest.mark.slow
def test_the_search_index_names_pages_of_the_site(served: str, seed_dataset: Path) -> None:
    status, body = fetch(served + "recherche.json")
    assert status == 200
    rows = json.loads(body)
    assert len(rows) == read_metadata(seed_dataset).actions
    for _title, _structure, _code, page in rows:
        assert fetch(served + page)[0] == 200, page


@pytest.mark.slow
def test_the_site_needs_no_server_route(published: Path) -> None:
    """No page links the server's own routes (query page, network form) nor loads a CDN."""
    for page in published.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(?:href|src)="(?:\.\./)*(?:sparql|reseau)["?#]', html), page
        assert not re.search(r'(?:href|src)="(?:https?:)?//[^"]*\.(?:js|css)"', html), page


# ---- Documents --------------------------------------------------------------------------------------


def own_triples(store: ox.Store, iri: str) -> rdflib.Graph:
    """The store's triples whose subject is ``iri``, as an rdflib graph."""
    lines = "".join(f"{quad.triple} .\n" for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None))
    return rdflib.Graph().parse(data=lines, format="nt")


@pytest.mark.slow
def test_every_resource_has_its_page_and_four_rdf_documents(published: Path, seed_dataset: Path) -> None:
    store = open_store(seed_dataset, StoreMode.DISK)
    base = read_metadata(seed_dataset).base_iri
    iris = resource_iris(store, base)
    assert len(iris) > 100
    assert {f"{base}concept/{scheme}" for scheme in ("mots-cles", "types-partenaires", "publics")} <= set(
        iris
    )
    for iri in iris:
        stem = iri[len(base) :]
        assert (published / f"{stem}.html").is_file(), stem
        own = own_triples(store, iri)
        for ext, fmt in RDF_FORMATS.items():
            document = rdflib.Graph().parse(published / f"{stem}.{ext}", format=fmt)
            if stem == "ontologie":  # the ontology's document is the packaged ontology (see linked_data)
                assert (rdflib.URIRef(iri), None, None) in document, ext
                continue
            missing = [triple for triple in own if triple not in document]
            assert not missing, (stem, ext, missing[:3])


@pytest.mark.slow
def test_ontology_description_and_downloads_are_copied_byte_for_byte(
    published: Path, seed_dataset: Path
) -> None:
    for download in DOWNLOADS:
        assert (published / download.path).read_bytes() == download.source().read_bytes()
    catalogue = (seed_dataset / "catalogue.ttl").read_bytes()
    assert (published / "catalogue.ttl").read_bytes() == catalogue
    assert (published / ".well-known/void").read_bytes() == catalogue
    for ext, fmt in RDF_FORMATS.items():
        assert len(rdflib.Graph().parse(published / f"catalogue.{ext}", format=fmt)) > 100
        assert len(rdflib.Graph().parse(published / f"ontologie.{ext}", format=fmt)) > 100
    files = published_files(seed_dataset)
    assert len(files) >= 10
    for file in files:
        assert (published / "donnees" / file.name).read_bytes() == (seed_dataset / file.name).read_bytes()
    assert 'href="graph.nt.gz"' in (published / "donnees/index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_network_views_are_standalone_pages(published: Path) -> None:
    listing = (published / "reseau.html").read_text(encoding="utf-8")
    for network in static_site.NETWORK_VIEWS:
        assert f'href="reseau/{network.name}.html"' in listing
        view = (published / f"reseau/{network.name}.html").read_text(encoding="utf-8")
        assert 'id="reseau-donnees"' in view and "<script src" not in view
        for ext in static_site.NETWORK_EXPORTS:
            assert (published / f"reseau/{network.name}.{ext}").stat().st_size > 0


def test_a_network_too_large_is_listed_not_published(
    seed_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(static_site, "NETWORK_MAX_EDGES", 20)
    writer = Writer(tmp_path)
    static_site.write_networks(Site(seed_dataset), writer)
    listing = (tmp_path / "reseau.html").read_text(encoding="utf-8")
    assert "trop grand pour être publié ici (32\u00a0nœuds et 31\u00a0liens)" in listing
    assert 'href="reseau/partenaires-types.html"' in listing  # 14 edges
    assert 'href="reseau/structures-partenaires' not in listing
    assert not (tmp_path / "reseau/structures-partenaires.html").exists()
    assert {path for path in writer.written if path.startswith("reseau/partenaires-types.")} == {
        f"reseau/partenaires-types.{ext}" for ext in ("html", *static_site.NETWORK_EXPORTS)
    }


# ---- Sitemap ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sitemap_lists_every_page(published: Path, seed_dataset: Path) -> None:
    site_url = read_metadata(seed_dataset).base_iri
    root = ElementTree.parse(published / "sitemap.xml").getroot()
    namespace = {"s": static_site.SITEMAP_NS}
    assert root.tag == f"{{{static_site.SITEMAP_NS}}}urlset"
    listed = {loc.text for loc in root.findall("s:url/s:loc", namespace)}
    pages = {path.relative_to(published).as_posix() for path in published.rglob("*.html")} - {"404.html"}
    assert listed == {static_site.url_of(site_url, page) for page in pages}
    assert site_url in listed and f"{site_url}donnees/" in listed
    assert f"Sitemap: {site_url}sitemap.xml" in (published / "robots.txt").read_text(encoding="utf-8")


def test_a_large_sitemap_becomes_an_index() -> None:
    urls = [f"https://example.org/s/p{number}.html" for number in range(5)]
    files = sitemap_files(urls, "https://example.org/s/", limit=2)
    assert sorted(files) == [
        "sitemap.xml",
        "sitemaps/sitemap-00001.xml",
        "sitemaps/sitemap-00002.xml",
        "sitemaps/sitemap-00003.xml",
    ]
    index = ElementTree.fromstring(files["sitemap.xml"])
    assert index.tag == f"{{{static_site.SITEMAP_NS}}}sitemapindex"
    locs = [element.text for element in index.iter(f"{{{static_site.SITEMAP_NS}}}loc")]
    assert locs == [f"https://example.org/s/sitemaps/sitemap-{n:05d}.xml" for n in (1, 2, 3)]
    listed = [
        element.text
        for name in sorted(files)[1:]
        for element in ElementTree.fromstring(files[name]).iter(f"{{{static_site.SITEMAP_NS}}}loc")
    ]
    assert listed == urls


# ---- Same inputs, same bytes; another base IRI ---------------------------------------------------


@pytest.mark.slow
def test_publishing_twice_gives_the_same_bytes(published: Path, seed_dataset: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    publish_site(seed_dataset, again)
    assert tree_digest(again) == tree_digest(published)
    (again / "stale.html").write_text("left by a previous publication", encoding="utf-8")
    publish_site(seed_dataset, again)  # a previous site is replaced whole
    assert tree_digest(again) == tree_digest(published)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["again"]


@pytest.mark.slow
def test_another_base_iri_rebuilds_the_dataset_under_it(seed_dataset: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    shutil.copytree(seed_dataset, dataset)
    metadata = json.loads((dataset / "build.json").read_text(encoding="utf-8"))
    metadata["built"] = "2020-01-02"  # the rebuild keeps the dataset's build day, not today
    (dataset / "build.json").write_text(json.dumps(metadata), encoding="utf-8")
    site = tmp_path / "site"
    done = run("publish", "--data", str(dataset), "--out", str(site), "--base-iri", OTHER_BASE)
    assert done.returncode == 0, done.stderr
    assert f"base IRI {OTHER_BASE}" in done.stderr

    action = "action/31/labo-binette/jardin-collectif"
    old_base = re.compile(r"https://w3id\.org/maillage/(?!ontologie)")
    for ext in ("html", *RDF_FORMATS):
        text = (site / f"{action}.{ext}").read_text(encoding="utf-8")
        assert OTHER_BASE + "action/" in text or ext == "ttl", ext
        assert not old_base.search(text), ext
    turtle = rdflib.Graph().parse(site / f"{action}.ttl", format="turtle")
    assert (rdflib.URIRef(OTHER_BASE + action), None, None) in turtle
    packaged = {site / download.path for download in DOWNLOADS}  # the ontology's own files
    for path in site.rglob("*"):
        if path.is_file() and path.suffix != ".gz" and path not in packaged:
            assert not old_base.search(path.read_text(encoding="utf-8")), path
    catalogue = (site / "catalogue.ttl").read_text(encoding="utf-8")
    assert '"2020-01-02"' in catalogue
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{OTHER_BASE}{action}.html</loc>" in sitemap


# ---- Safety -----------------------------------------------------------------------------------------


def test_refuses_a_folder_it_did_not_write(seed_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.odt").write_text("precious", encoding="utf-8")
    done = run("publish", "--data", str(seed_dataset), "--out", str(out))
    assert done.returncode != 0
    assert "not a site written by `maillage publish`" in done.stderr
    assert [path.name for path in out.iterdir()] == ["thesis.odt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["documents"]


def test_refuses_a_file_a_non_dataset_and_a_folder_holding_the_data(
    seed_dataset: Path, tmp_path: Path
) -> None:
    target = tmp_path / "file.html"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(PublishError, match="not a folder"):
        publish_site(seed_dataset, target)
    with pytest.raises(PublishError, match="not a Maillage dataset folder"):
        publish_site(tmp_path, tmp_path / "site")
    previous = tmp_path / "site"
    previous.mkdir()
    (previous / MARKER).write_text("", encoding="utf-8")
    with pytest.raises(PublishError, match="inside"):
        static_site.check_out(previous, previous / "dataset")


def test_two_different_files_never_share_a_path(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write("index.html", "landing")
    writer.write("index.html", "landing")  # the same bytes again: one file
    with pytest.raises(PublishError, match=r"index\.html"):
        writer.write("index.html", "a resource named index")
    with pytest.raises(PublishError, match="not a site path"):
        writer.write("../escape.html", "x")
    assert writer.written == {"index.html": len("landing")}


@pytest.mark.slow
def test_a_failed_publication_leaves_the_previous_site(
    published: Path, seed_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    publish_site(seed_dataset, out)
    before = tree_digest(out)

    def fail(writer: Writer) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(static_site, "write_not_found", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        publish_site(seed_dataset, out)
    assert tree_digest(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]


@pytest.mark.slow
def test_data_is_escaped_on_every_page(tmp_path: Path) -> None:
    """A fiche whose texts are markup shows them as text on every page of the site."""
    fiches = [item for item in read_export(DATA / "sample-export.txt") if isinstance(item, Fiche)]
    attack = '<script>alert("titre")</script> & <b>gras</b>'
    fiches[0] = replace(fiches[0], titre=attack, resume='<img src=x onerror="alert(1)">')
    dataset = tmp_path / "dataset"
    build_dataset(iter(fiches), dataset, files=["sample-export.txt"])
    site = tmp_path / "site"
    publish_site(dataset, site)
    seen = 0
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>gras" not in html, page
        seen += "&lt;script&gt;alert(" in html
    assert seen >= 2  # the action's page and its structure's, at least
