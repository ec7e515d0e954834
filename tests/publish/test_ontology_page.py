"""The ontology's documentation page: every term IRI lands on an anchor with its French and English labels,
every link inside the page leads somewhere the site has, nothing from the Turtle can become markup, and the
same Turtle gives the same bytes (the static site must not change when the ontology does not)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph
import pytest

from maillage.ontology import concept_files, ontology_file
from maillage.publish.ontology_page import DOWNLOADS, PAGE_PATH, ontology_html

NAMESPACE = "https://w3id.org/maillage/ontologie#"
STATIC = Path(__file__).resolve().parents[2] / "publish" / "static"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: The section each kind of term is listed in (the page's ids).
SECTIONS = {
    "http://www.w3.org/2002/07/owl#Class": "classes",
    "http://www.w3.org/2002/07/owl#ObjectProperty": "proprietes-objet",
    "http://www.w3.org/2002/07/owl#DatatypeProperty": "proprietes-donnees",
    "http://www.w3.org/2002/07/owl#AnnotationProperty": "proprietes-annotation",
}
DOWNLOAD_PATHS = {"ontologie.ttl", "ontologie/formes.ttl", "ontologie/contexte.jsonld"}
SCHEMES = {path.stem for path in concept_files()}


class Page(HTMLParser):
    """What the tests look at: ids (with their ancestors' ids and their text), links, scripts, styles."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.ids: Counter[str] = Counter()
        self.ancestors: dict[str, list[str]] = {}
        self.texts: dict[str, list[str]] = {}
        #: (tag, attributes, inside <main>)
        self.links: list[tuple[str, dict[str, str | None], bool]] = []
        self.scripts: list[tuple[dict[str, str | None], list[str]]] = []
        self.inline: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, dict(attrs))
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("id")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, dict(attrs))

    def _open(self, tag: str, attributes: dict[str, str | None]) -> None:
        inside_main = any(name == "main" for name, _ in self.stack)
        if attributes.get("id"):
            ident = attributes["id"]
            self.ids[ident] += 1
            self.ancestors[ident] = [i for _, i in self.stack if i]
            self.texts[ident] = []
        if "href" in attributes or "src" in attributes:
            self.links.append((tag, attributes, inside_main))
        if tag == "script":
            self.scripts.append((attributes, []))
        if tag == "style" or "style" in attributes:
            self.inline.append(f"style on <{tag}>")
        self.inline.extend(f"{name} on <{tag}>" for name in attributes if name.startswith("on"))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self.stack:
            if ident:
                self.texts[ident].append(data)
        if self.stack and self.stack[-1][0] == "script":
            self.scripts[-1][1].append(data)

    def text(self, ident: str) -> str:
        return " ".join("".join(self.texts[ident]).split())

    def hrefs(self, *, inside_main: bool = True) -> list[str]:
        return [
            str(attributes["href"])
            for _, attributes, main in self.links
            if "href" in attributes and main == inside_main
        ]


def declared_terms() -> list[tuple[str, str, str, str]]:
    """(IRI, kind, French label, English label) of every class and property, read with pyoxigraph."""
    store = pyoxigraph.Store()
    store.load(path=str(ontology_file()), format=pyoxigraph.RdfFormat.TURTLE)
    query = f"""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?term ?kind ?fr ?en WHERE {{
          VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
          ?term a ?kind .
          FILTER(STRSTARTS(STR(?term), "{NAMESPACE}"))
          OPTIONAL {{ ?term rdfs:label ?fr FILTER(LANG(?fr) = "fr") }}
          OPTIONAL {{ ?term rdfs:label ?en FILTER(LANG(?en) = "en") }}
        }}"""
    rows = []
    for solution in store.query(query):
        term, kind, fr, en = (solution[name] for name in ("term", "kind", "fr", "en"))
        assert fr is not None and en is not None, f"{term.value} lacks a French or an English label"
        rows.append((term.value, kind.value, fr.value, en.value))
    return rows


@pytest.fixture(scope="module")
def html() -> str:
    return ontology_html(static_site=True, endpoint=None)


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


def test_every_declared_term_has_its_anchor_labels_and_iri(page: Page) -> None:
    terms = declared_terms()
    assert len(terms) > 30
    for iri, kind, fr, en in terms:
        local = iri[len(NAMESPACE) :]
        assert page.ids[local] == 1, f"no single element id={local!r}"
        assert SECTIONS[kind] in page.ancestors[local], f"{local} is not in the section {SECTIONS[kind]}"
        text = page.text(local)
        assert " ".join(fr.split()) in text and " ".join(en.split()) in text, local
        assert iri in text


def test_ids_are_unique(page: Page) -> None:
    assert [ident for ident, count in page.ids.items() if count > 1] == []


def test_links_inside_the_page_lead_to_anchors_downloads_or_schemes(page: Page) -> None:
    downloads, schemes, formats = set(), set(), set()
    hrefs = page.hrefs()
    assert hrefs
    for href in hrefs:
        if urlsplit(href).scheme:
            assert urlsplit(href).scheme in {"http", "https"}, href
        elif href.startswith("#"):
            assert page.ids[href[1:]] == 1, f"{href} leads to no element"
        elif href in DOWNLOAD_PATHS:
            downloads.add(href)
        elif re.fullmatch(r"ontologie\.(jsonld|nt|rdf)", href):
            formats.add(href)  # the ontology's document in the other RDF formats
        else:
            match = re.fullmatch(r"concept/([a-z0-9-]+)\.html", href)
            assert match, f"unexpected relative link {href}"
            assert match.group(1) in SCHEMES, f"{href}: no such scheme in ontology/concepts"
            schemes.add(match.group(1))
    assert downloads == DOWNLOAD_PATHS
    assert schemes == SCHEMES
    assert formats == {"ontologie.jsonld", "ontologie.nt", "ontologie.rdf"}


def test_the_downloads_name_packaged_files() -> None:
    assert {download.path for download in DOWNLOADS} == DOWNLOAD_PATHS
    assert all(download.source().is_file() for download in DOWNLOADS)
    assert PAGE_PATH == "ontologie.html"


def test_no_inline_code_and_nothing_remote(page: Page) -> None:
    assert page.inline == []
    for attributes, content in page.scripts:
        assert attributes.get("src") and "".join(content).strip() == "", "inline script"
    for tag, attributes, _ in page.links:
        is_resource = tag == "script" or (tag == "link" and attributes.get("rel") == "stylesheet")
        if is_resource:
            address = str(attributes.get("src") or attributes.get("href"))
            assert not re.match(r"^(https?:)?//", address), f"remote resource {address}"
            assert (STATIC / address.removeprefix("static/")).is_file(), address


def test_the_nav_marks_the_ontology(page: Page) -> None:
    nav = [attributes for tag, attributes, main in page.links if not main and tag == "a"]
    current = [attributes["href"] for attributes in nav if attributes.get("aria-current") == "page"]
    assert current == ["ontologie.html"]


def test_same_turtle_same_bytes_whatever_the_hash_seed(html: str, tmp_path: Path) -> None:
    assert ontology_html(static_site=True, endpoint=None) == html
    script = (
        "import sys\nfrom maillage.publish.ontology_page import ontology_html\n"
        "open(sys.argv[1], 'w', encoding='utf-8').write(ontology_html(static_site=True, endpoint=None))\n"
    )
    for seed in ("1", "2"):
        out = tmp_path / f"page-{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env)
        assert out.read_text(encoding="utf-8") == html


def test_static_site_and_server_differ_only_in_the_nav() -> None:
    static = ontology_html(static_site=True, endpoint=None)
    served = ontology_html(static_site=False, endpoint="sparql")
    assert static != served

    def without_nav(html: str) -> str:
        return re.sub(r'<nav class="site-nav".*?</nav>', "", html, flags=re.S)

    assert without_nav(static) == without_nav(served)


HOSTILE = """
@prefix ex:   <https://example.org/voc#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix vann: <http://purl.org/vocab/vann/> .

<https://example.org/voc> a owl:Ontology ;
    dct:title "Titre <b>gras</b>"@fr ;
    vann:preferredNamespacePrefix "ex" ;
    vann:preferredNamespaceUri "https://example.org/voc#" .

ex:Piege a owl:Class ;
    rdfs:label "<script>alert('fr')</script>"@fr , "<img src=x onerror=alert(1)>"@en ;
    rdfs:comment "Voir ex:Autre & <i>ceci</i> \\" onmouseover=\\"x"@fr ;
    rdfs:seeAlso <javascript:alert(1)> .

ex:Autre a owl:Class ;
    rdfs:label "Autre"@fr , "Other"@en ;
    rdfs:subClassOf ex:Piege .

ex:lien a rdf:Property ;
    rdfs:label "lien"@fr ;
    rdfs:range [ a owl:Class ; owl:unionOf ( ex:Piege ex:Autre ) ] .

ex:unique a owl:NamedIndividual , ex:Autre ;
    rdfs:label "unique"@fr ;
    owl:deprecated true .
"""


def test_text_from_the_turtle_is_escaped(tmp_path: Path) -> None:
    turtle = tmp_path / "piege.ttl"
    turtle.write_text(HOSTILE, encoding="utf-8")
    html = ontology_html(static_site=True, endpoint=None, ontology=turtle, concepts=[])
    page = Page(html)
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "<img" not in html and "<b>" not in html and "<i>" not in html
    assert page.scripts == [] and page.inline == []
    assert not [href for href in page.hrefs() if href.lower().startswith("javascript:")]
    assert "javascript:alert(1)" in page.text("Piege")  # shown as text, not as a link
    assert "<script>alert('fr')</script>" in page.text("Piege")
    assert "#Autre" in page.hrefs() and "#Piege" in page.hrefs()
    # Every kind gets its section, and a union shows its members.
    assert "autres-proprietes" in page.ancestors["lien"] and "individus" in page.ancestors["unique"]
    assert "ex:Piege" in page.text("lien") and "ex:Autre" in page.text("lien")
    assert "obsolète" in page.text("unique")
    assert "schemas-concepts" not in page.ids


def test_a_term_named_like_a_section_is_refused(tmp_path: Path) -> None:
    turtle = tmp_path / "conflit.ttl"
    turtle.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/voc> a owl:Ontology .\n"
        "<https://example.org/voc#sommaire> a owl:Class .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="sommaire"):
        ontology_html(static_site=True, endpoint=None, ontology=turtle, concepts=[])
