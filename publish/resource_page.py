"""The HTML page of one resource: its properties, its parts and what points to it, in French.

Built from a :class:`~maillage.graph.resources.Document` alone, outside any request, so that the server
and the static site write the same page. Labels come from the graph, then from ``ontology/libelles.ttl``
(French names of the reused vocabularies' terms); a link is made only to a resource that has a page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox

from maillage import ontology
from maillage.graph.dump import DOCUMENT_FORMATS, PREFIXES
from maillage.graph.iris import ONTOLOGY
from maillage.graph.resources import RDF_TYPE, Document, first_incoming

from .pages import render, root_of

ONTOLOGY_IRI = ONTOLOGY.rstrip("#")
INVERSE = ONTOLOGY + "libelleInverse"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: The path of a resource under the base IRI: slug segments (its documents add an extension).
STEM = re.compile(r"[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*")
#: The server's own routes, which the description names (the endpoint): a static site has no such page.
SERVER_ONLY = frozenset({"sparql", "reseau"})
#: Pages and files that the server and the static site both publish under those names.
SITE_FILE = re.compile(r"(?:catalogue|ontologie)\.html|donnees/[A-Za-z0-9][A-Za-z0-9.-]*")
#: Properties shown first, in this order; the others follow by French label.
FIRST = [
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    ONTOLOGY + "structureOrganisatrice",
    ONTOLOGY + "departement",
    ONTOLOGY + "annee",
    ONTOLOGY + "statut",
    ONTOLOGY + "dimension",
    ONTOLOGY + "motCle",
    ONTOLOGY + "public",
    ONTOLOGY + "initiateur",
    ONTOLOGY + "echelleTerritoriale",
    ONTOLOGY + "typePartenaire",
    ONTOLOGY + "partenaire",
    "http://purl.org/dc/terms/abstract",
]
FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}


@cache
def display_labels() -> tuple[dict[str, str], dict[str, str]]:
    """French labels and inverse labels of the terms the pages name (ontology, then libelles.ttl)."""
    labels: dict[str, str] = {}
    inverse: dict[str, str] = {}
    for path in (ontology.ontology_file(), ontology.labels_file()):
        for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
            obj, predicate = quad.object, quad.predicate.value
            if isinstance(obj, ox.Literal) and obj.language == "fr":
                if predicate == LABEL:
                    labels.setdefault(quad.subject.value, obj.value)
                elif predicate == INVERSE:
                    inverse.setdefault(quad.subject.value, obj.value)
    return labels, inverse


def prefixed(iri: str) -> str:
    """``dct:title`` for a term of a known namespace, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


@dataclass(frozen=True)
class Value:
    """One value on the page: a text, or a link (``href``) to a page or an external IRI."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None


@dataclass
class Row:
    """A property and its values (or, for incoming links, the resources that use it toward this one)."""

    label: str
    iri: str
    href: str | None
    values: list[Value] = field(default_factory=list)
    total: int = 0


@dataclass
class Linker:
    """Turns IRIs into links relative to the page at ``path``; IRIs without a page stay text."""

    base_iri: str
    path: str
    document: Document

    def page_path(self, iri: str) -> str | None:
        """The site path of the page describing ``iri`` (with its fragment), or None."""
        doc, _, fragment = iri.partition("#")
        anchor = f"#{fragment}" if fragment else ""
        if doc == ONTOLOGY_IRI:
            return f"ontologie.html{anchor}"
        if not doc.startswith(self.base_iri):
            return None
        path = doc[len(self.base_iri) :]
        if STEM.fullmatch(path) and doc in self.document.pages and path not in SERVER_ONLY:
            return f"{path}.html{anchor}"
        # The site's own pages and files that the description names (landing page, downloads).
        if path in ("", "index.html") or SITE_FILE.fullmatch(path):
            return (path or "index.html") + anchor
        return None

    def href(self, iri: str) -> str | None:
        path = self.page_path(iri)
        if path is not None:
            return root_of(self.path) + path
        if iri.startswith(("http://", "https://")) and not iri.startswith(self.base_iri):
            return iri
        return None

    def label(self, iri: str) -> str:
        labels, _ = display_labels()
        return self.document.labels.get(iri) or labels.get(iri) or prefixed(iri)

    def value(self, term: ox.Term) -> Value:
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value if term.datatype and not term.language else None
            if datatype == "http://www.w3.org/2001/XMLSchema#string":
                datatype = None
            return Value(
                term.value, language=term.language, datatype=prefixed(datatype) if datatype else None
            )
        return Value(self.label(term.value), href=self.href(term.value), iri=term.value)


def _order(iri: str, label: str) -> tuple[int, str]:
    return (FIRST.index(iri) if iri in FIRST else len(FIRST), label.casefold())


def _rows(linker: Linker, triples: list[ox.Triple]) -> list[Row]:
    rows: dict[str, Row] = {}
    for triple in triples:
        predicate = triple.predicate.value
        if predicate == RDF_TYPE:
            continue
        row = rows.get(predicate)
        if row is None:
            row = rows[predicate] = Row(linker.label(predicate), predicate, linker.href(predicate))
        row.values.append(linker.value(triple.object))
    for row in rows.values():
        row.values.sort(key=lambda v: (v.text.casefold(), v.iri or ""))
        row.total = len(row.values)
    return sorted(rows.values(), key=lambda row: _order(row.iri, row.label))


def _incoming(linker: Linker, triples: list[ox.Triple]) -> list[Row]:
    """Links toward the resource by property, sorted by label; a property with more than
    ``INCOMING_LABELLED`` shows that many, the first by IRI (the ones the document has labels for)."""
    _, inverse = display_labels()
    rows: dict[str, Row] = {}
    for triple in first_incoming(triples):
        predicate = triple.predicate.value
        row = rows.get(predicate)
        if row is None:
            label = inverse.get(predicate) or f"{linker.label(predicate)} (lien entrant)"
            row = rows[predicate] = Row(label, predicate, linker.href(predicate))
        row.values.append(linker.value(triple.subject))
    totals = Counter(triple.predicate.value for triple in triples)
    for predicate, row in rows.items():
        row.values.sort(key=lambda v: (v.text.casefold(), v.iri or ""))
        row.total = totals[predicate]
    return sorted(rows.values(), key=lambda row: row.label.casefold())


def _types(linker: Linker, triples: list[ox.Triple]) -> list[Value]:
    found = [linker.value(t.object) for t in triples if t.predicate.value == RDF_TYPE]
    return sorted(found, key=lambda v: v.text.casefold())


def page_path(iri: str, base_iri: str) -> str:
    """The site path of the HTML page of a document IRI under the base (``action/31/x/y.html``)."""
    return f"{iri[len(base_iri) :]}.html"


def resource_html(
    document: Document, *, base_iri: str, static_site: bool, endpoint: str | None, path: str | None = None
) -> str:
    """The page of ``document``, for the site path ``path`` (by default its own page's path)."""
    path = path or page_path(document.iri, base_iri)
    linker = Linker(base_iri, path, document)
    stem = path.rsplit("/", 1)[-1].removesuffix(".html")
    parts = [
        {
            "anchor": iri.partition("#")[2],
            "label": linker.label(iri),
            "iri": iri,
            "types": _types(linker, triples),
            "rows": _rows(linker, triples),
        }
        for iri, triples in sorted(document.parts.items(), key=lambda item: _part_order(item[0]))
    ]
    return render(
        "resource.html",
        path=path,
        static_site=static_site,
        endpoint=endpoint,
        section=None,
        title=linker.label(document.iri) if document.iri in document.labels else stem,
        iri=document.iri,
        types=_types(linker, document.outgoing),
        rows=_rows(linker, document.outgoing),
        parts=parts,
        incoming=_incoming(linker, document.incoming),
        formats=[(f"{stem}.{ext}", FORMAT_NAMES[ext], DOCUMENT_FORMATS[ext][0]) for ext in FORMAT_NAMES],
    )


def _part_order(iri: str) -> tuple:
    """Extracts ``#line=10,11`` in line order, other parts by name."""
    fragment = iri.partition("#")[2]
    numbers = [int(n) for n in fragment.removeprefix("line=").split(",") if n.isdigit()]
    return (0, numbers, fragment) if fragment.startswith("line=") and numbers else (1, [], fragment)
