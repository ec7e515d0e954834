"""What the graph says about one resource: the triples of its document, with the labels to show them.

Every IRI the build mints under the base IRI names a thing (an action, a structure, a concept…) whose
description is one document. The document holds the thing's own triples, those of the hash IRIs that
belong to it (the extracts ``source/x#line=…`` of a source file), and the links that point to it from
elsewhere (except ``rdf:type``, whose fan-in is a whole class): a structure's document lists its actions,
a concept's the actions that use it. Triples are sorted, so a document is the same bytes on every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .iris import ONTOLOGY

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Label properties, best first: a concept's preferred label before a title before a plain label.
LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2006/vcard/ns#fn",
)
#: Incoming links labelled per property: a concept used by 13,000 actions would otherwise cost seconds of
#: label lookups for a page that shows this many (the first by IRI); its RDF documents keep every link.
INCOMING_LABELLED = 200


@dataclass(frozen=True)
class Document:
    """The triples about ``iri`` and, for every IRI they mention, its French label and whether it has a page.

    ``pages`` holds the IRIs (without fragment) that are resources of the graph: a link to any other IRI
    under the base would lead nowhere, so pages show those as text.
    """

    iri: str
    triples: tuple[ox.Triple, ...]
    labels: dict[str, str] = field(default_factory=dict)
    pages: frozenset[str] = frozenset()

    @property
    def outgoing(self) -> list[ox.Triple]:
        """The triples whose subject is the resource itself."""
        return [t for t in self.triples if t.subject.value == self.iri]

    @property
    def parts(self) -> dict[str, list[ox.Triple]]:
        """The triples of the hash IRIs of the document (``iri#…``), by subject."""
        found: dict[str, list[ox.Triple]] = {}
        for triple in self.triples:
            if triple.subject.value.startswith(self.iri + "#"):
                found.setdefault(triple.subject.value, []).append(triple)
        return found

    @property
    def incoming(self) -> list[ox.Triple]:
        """The triples from other resources that point to the resource or its parts."""
        prefix = self.iri + "#"
        return [
            t
            for t in self.triples
            if t.subject.value != self.iri
            and not t.subject.value.startswith(prefix)
            and isinstance(t.object, ox.NamedNode)
        ]


def document_iri(iri: str) -> str:
    """The IRI of the document describing ``iri``: itself without its fragment."""
    return iri.split("#", 1)[0]


def _sorted(triples: Iterable[ox.Triple]) -> tuple[ox.Triple, ...]:
    return tuple(sorted(set(triples), key=str))


def _triples(store: ox.Store, subject: ox.NamedNode | None, obj: ox.NamedNode | None) -> Iterator[ox.Triple]:
    for quad in store.quads_for_pattern(subject, None, obj, ox.DefaultGraph()):
        yield quad.triple


def describe(store: ox.Store, iri: str) -> Document | None:
    """The document about ``iri`` (a fragment-less IRI), or None when the graph knows nothing of it.

    Parts are found transitively: a dataset's description reaches its distributions through the
    dataset node, itself a part of the catalogue's document.
    """
    node = ox.NamedNode(iri)
    own = list(_triples(store, node, None))
    incoming = [t for t in _triples(store, None, node) if t.predicate.value != RDF_TYPE]
    seen: set[str] = set()
    frontier = _parts_in([*(t.object for t in own), *(t.subject for t in incoming)], iri)
    while frontier:
        part = min(frontier)
        frontier.discard(part)
        seen.add(part)
        found = list(_triples(store, ox.NamedNode(part), None))
        own.extend(found)
        frontier |= _parts_in((t.object for t in found), iri) - seen
    if not own:
        return None
    triples = _sorted([*own, *incoming])
    mentioned = _mentioned([*own, *first_incoming(incoming)])
    return Document(iri, triples, labels(store, mentioned), _pages(store, mentioned))


def first_incoming(incoming: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Per property, every incoming link, or the first ``INCOMING_LABELLED`` by subject IRI when more."""
    by_property: dict[str, list[ox.Triple]] = {}
    for triple in incoming:
        by_property.setdefault(triple.predicate.value, []).append(triple)
    kept: list[ox.Triple] = []
    for links in by_property.values():
        if len(links) > INCOMING_LABELLED:
            links = sorted(links, key=lambda t: t.subject.value)[:INCOMING_LABELLED]
        kept.extend(links)
    return kept


def _parts_in(terms: Iterable[ox.Term], iri: str) -> set[str]:
    """The hash IRIs of the document ``iri`` among ``terms``."""
    return {t.value for t in terms if isinstance(t, ox.NamedNode) and t.value.startswith(iri + "#")}


def _mentioned(triples: Iterable[ox.Triple]) -> set[str]:
    terms = (term for t in triples for term in (t.subject, t.predicate, t.object))
    return {term.value for term in terms if isinstance(term, ox.NamedNode)}


def labels(store: ox.Store, iris: Iterable[str], extra: ox.Store | None = None) -> dict[str, str]:
    """The best French label of each IRI that has one (a French label first, then an untagged one)."""
    best: dict[str, tuple[int, int, str]] = {}
    for source in (store, extra) if extra is not None else (store,):
        for iri in iris:
            node = ox.NamedNode(iri)
            for rank, prop in enumerate(LABEL_PROPERTIES):
                for quad in source.quads_for_pattern(node, ox.NamedNode(prop), None, ox.DefaultGraph()):
                    literal = quad.object
                    if not isinstance(literal, ox.Literal):
                        continue
                    language = {"fr": 0, None: 1, "en": 2}.get(literal.language, 3)
                    candidate = (language, rank, literal.value)
                    if iri not in best or candidate < best[iri]:
                        best[iri] = candidate
    return {iri: value for iri, (_, _, value) in best.items()}


def _pages(store: ox.Store, iris: Iterable[str]) -> frozenset[str]:
    """The IRIs among ``iris`` (fragments stripped) that are subjects of the graph."""
    found = set()
    for iri in {document_iri(i) for i in iris}:
        if iri.startswith(ONTOLOGY.split("#")[0]) or next(
            store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph()), None
        ):
            found.add(iri)
    return frozenset(found)


def resource_iris(store: ox.Store, base_iri: str) -> list[str]:
    """Every document IRI under the base: the subjects of the graph, fragments stripped, sorted."""
    query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {_string(base_iri)})) }}"
    return sorted({document_iri(row["s"].value) for row in store.query(query)})


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
