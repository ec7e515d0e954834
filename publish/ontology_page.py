"""The ontology's HTML documentation page (``ontologie.html``), generated from the Turtle it documents.

The ontology IRI (``https://w3id.org/maillage/ontologie``) must answer a person with a readable page, and
every term IRI (``…/ontologie#Action``) must land on that term: browsers strip the fragment before asking, so
the page carries an element ``id="<local name>"`` for each term. pyLODE could write such a page, but it would
be another dependency, another look and, by default, resources from CDNs; the page is small enough to build
here from the same Turtle the graph uses, so it cannot drift from it, is rendered offline through the site's
templates (autoescaped: a label is text, never markup) and follows the site's stylesheet.

What the page says is read from the files, never repeated in code: the header (titles, description, version,
licence, creators, namespace and preferred prefix), each term with its French and English labels side by
side, its comments and definitions, its place in the hierarchy, domain and range, its alignments to external
vocabularies, the properties that use a class, and the SKOS concept schemes of ``ontology/concepts``. Those
files use relative IRIs; they are parsed against a placeholder base and only the path relative to it is kept,
which is also where the site publishes each scheme (``concept/<scheme>.html``).

**Deterministic.** Terms are sorted by local name, every list of values by its text, and prefixes come from
the Turtle's own declarations (never rdflib's default bindings, never an invented ``ns1``): the same Turtle
gives the same bytes, whatever Python's hash seed, so a rebuilt static site only changes when the ontology
does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN
from rdflib.term import Node

from maillage.ontology import concept_files, context_file, ontology_file, shapes_file

from .pages import render, root_of

#: The page's site path: the ontology IRI is published there (and so is every term IRI, through its anchor).
PAGE_PATH = "ontologie.html"
TEMPLATE = "ontologie.html"


@dataclass(frozen=True)
class Download:
    """A file of the ontology the page offers for download, and the packaged file the site must copy there.

    The site generator and the page share this list, so that the page never links a file the site lacks.
    """

    path: str  #: site path, relative to the site's root
    source: Callable[[], Path]  #: the packaged file (see ``maillage.ontology``)
    media_type: str
    label: str  #: French
    note: str  #: French


#: The three downloads, in the order the page lists them.
DOWNLOADS: tuple[Download, ...] = (
    Download(
        "ontologie.ttl",
        ontology_file,
        "text/turtle",
        "Ontologie (Turtle)",
        "les classes et propriétés en OWL",
    ),
    Download(
        "ontologie/formes.ttl",
        shapes_file,
        "text/turtle",
        "Formes SHACL (Turtle)",
        "ce que le graphe doit respecter, avec des messages en français",
    ),
    Download(
        "ontologie/contexte.jsonld",
        context_file,
        "application/ld+json",
        "Contexte JSON-LD",
        "les noms français des termes pour lire le graphe en JSON-LD",
    ),
)

#: Relative IRIs of the concept files resolve against this placeholder; only the path after it is kept.
_SCHEME_BASE = "https://base.invalid/"
#: IRIs the page may turn into links: anything else (``javascript:``, ``data:``, ``file:``…) stays text.
_LINKABLE = re.compile(r"^https?://", re.IGNORECASE)


# ---- What the template receives ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """One value shown on the page: an internal term (``#local`` link), an external IRI (plain link) or text.

    ``parts`` holds the members of an anonymous class expression (a union, an intersection…), ``text`` being
    its French connective then; the template renders them recursively.
    """

    text: str
    href: str | None = None
    title: str | None = None
    code: bool = True
    lang: str | None = None
    external: bool = False
    parts: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Row:
    """A labelled list of values (a line of a ``<dl>``): "Sous-classe de", "Domaine", "Voir aussi"…"""

    label: str
    refs: tuple[Ref, ...]


def _order(ref: Ref) -> tuple[object, ...]:
    """A total order on values (our terms first, then by text), so that no list depends on triple order."""
    internal = ref.href is not None and ref.href.startswith("#")
    return (
        not internal,
        ref.text,
        ref.href or "",
        ref.lang or "",
        ref.title or "",
        [_order(p) for p in ref.parts],
    )


#: A paragraph, as (text, href) segments: ``mlg:x`` mentions in comments become links to their anchors.
Paragraph = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Texts:
    """A kind of explanation (comment, definition…) in French and in English, shown side by side."""

    label: str
    fr: tuple[Paragraph, ...]
    en: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Kind:
    """A kind of term and its section: the first kind whose types a term has decides its section."""

    key: str  #: the section's id
    title: str  #: plural, French
    singular: str
    types: tuple[URIRef, ...]


@dataclass(frozen=True)
class Term:
    """A term of the ontology's namespace, as its section shows it."""

    local: str
    iri: str
    curie: str
    kind: Kind
    label_fr: str | None
    label_en: str | None
    texts: tuple[Texts, ...]
    rows: tuple[Row, ...]
    deprecated: bool


@dataclass(frozen=True)
class Section:
    kind: Kind
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Scheme:
    """A SKOS concept scheme of ``ontology/concepts``: its labels, description, classes and size."""

    path: str  #: relative to the base IRI (``concept/mots-cles``), or the absolute IRI if it had none
    href: str | None
    label_fr: str | None
    label_en: str | None
    description_fr: tuple[Paragraph, ...]
    description_en: tuple[Paragraph, ...]
    classes: tuple[Ref, ...]
    size: int


@dataclass(frozen=True)
class Header:
    """The ``owl:Ontology`` resource: titles, description and the metadata table."""

    iri: str
    title_fr: str | None
    title_en: str | None
    description_fr: tuple[Paragraph, ...]
    description_en: tuple[Paragraph, ...]
    rows: tuple[Row, ...]
    namespace: str
    prefix: str | None


# ---- Kinds and relations, in the order the page shows them -----------------------------------------------

KINDS: tuple[Kind, ...] = (
    Kind("classes", "Classes", "Classe", (OWL.Class, RDFS.Class)),
    Kind("proprietes-objet", "Propriétés d'objet", "Propriété d'objet", (OWL.ObjectProperty,)),
    Kind("proprietes-donnees", "Propriétés de données", "Propriété de données", (OWL.DatatypeProperty,)),
    Kind(
        "proprietes-annotation",
        "Propriétés d'annotation",
        "Propriété d'annotation",
        (OWL.AnnotationProperty,),
    ),
    Kind("autres-proprietes", "Autres propriétés", "Propriété", (RDF.Property, OWL.OntologyProperty)),
    Kind("individus", "Individus", "Individu", (OWL.NamedIndividual,)),
)
#: Whatever else the namespace declares (a concept, a datatype…) still gets its section and its anchor.
OTHER_KIND = Kind("autres-termes", "Autres termes", "Terme", ())

#: Ids the page uses for itself: a term with one of these local names would make its anchor ambiguous.
RESERVED_IDS = frozenset({"contenu", "metadonnees", "telechargements", "sommaire", "schemas-concepts"}) | {
    kind.key for kind in (*KINDS, OTHER_KIND)
}

#: (predicate, French label): values the term points to.
OUTGOING: tuple[tuple[URIRef, str], ...] = (
    (RDFS.subClassOf, "Sous-classe de"),
    (RDFS.subPropertyOf, "Sous-propriété de"),
    (RDFS.domain, "Domaine"),
    (RDFS.range, "Co-domaine"),
    (OWL.equivalentClass, "Classe équivalente"),
    (OWL.equivalentProperty, "Propriété équivalente"),
    (OWL.sameAs, "Identique à"),
    (OWL.inverseOf, "Inverse de"),
    (OWL.disjointWith, "Disjointe de"),
    (OWL.propertyDisjointWith, "Disjointe de"),
    (SKOS.exactMatch, "Correspondance exacte"),
    (SKOS.closeMatch, "Correspondance proche"),
    (SKOS.broadMatch, "Correspondance plus large"),
    (SKOS.narrowMatch, "Correspondance plus étroite"),
    (SKOS.relatedMatch, "Correspondance apparentée"),
    (RDFS.seeAlso, "Voir aussi"),
    (DCTERMS.isReplacedBy, "Remplacé par"),
)
#: (predicate, French label): terms of the namespace that point to this one ("utilisée par"…).
INCOMING: tuple[tuple[URIRef, str], ...] = (
    (RDFS.subClassOf, "Sous-classes"),
    (RDFS.subPropertyOf, "Sous-propriétés"),
    (RDFS.domain, "Domaine de"),
    (RDFS.range, "Utilisée par (co-domaine de)"),
)
#: Relations that hold both ways: a term shows them whichever side states them.
SYMMETRIC = frozenset(
    {OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith, OWL.propertyDisjointWith}
)
#: (predicate, French label): explanations, each shown in French and English side by side.
EXPLANATIONS: tuple[tuple[URIRef, str], ...] = (
    (RDFS.comment, "Description"),
    (SKOS.definition, "Définition"),
    (SKOS.scopeNote, "Note d'application"),
    (VANN.usageNote, "Note d'usage"),
    (SKOS.example, "Exemple"),
)
#: (predicate, French label): the header's metadata, after the version.
METADATA: tuple[tuple[URIRef, str], ...] = (
    (OWL.versionInfo, "Version"),
    (OWL.versionIRI, "IRI de version"),
    (OWL.priorVersion, "Version précédente"),
    (DCTERMS.created, "Créée le"),
    (DCTERMS.issued, "Publiée le"),
    (DCTERMS.modified, "Modifiée le"),
    (DCTERMS.license, "Licence"),
    (DCTERMS.rights, "Droits"),
    (DCTERMS.creator, "Auteurs"),
    (DCTERMS.contributor, "Contributeurs"),
    (DCTERMS.publisher, "Éditeur"),
    (OWL.imports, "Importe"),
)
_CONNECTIVES = {
    OWL.unionOf: "l'un de",
    OWL.intersectionOf: "à la fois",
    OWL.oneOf: "parmi",
}


# ---- Reading the Turtle ------------------------------------------------------------------------------------


def _matches(literal: Literal, lang: str | None) -> bool:
    if lang is None:
        return literal.language is None
    return literal.language is not None and literal.language.lower().split("-")[0] == lang


def _texts(graph: Graph, subject: Node, predicate: URIRef, lang: str | None) -> list[str]:
    """The literals of ``subject predicate`` in ``lang`` (None: untagged), sorted: order must never vary."""
    return sorted(
        str(value)
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal) and _matches(value, lang)
    )


def _french(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    """The French values, or the untagged ones when there is no French: the page's language is French."""
    return _texts(graph, subject, predicate, "fr") or _texts(graph, subject, predicate, None)


def _first(values: Sequence[str]) -> str | None:
    return values[0] if values else None


class _Reader:
    """Turns the graph's nodes into what the template shows, knowing the namespace, its terms and prefixes."""

    def __init__(self, graph: Graph, namespace: str, locals_: Iterable[str], root: str) -> None:
        self.graph = graph
        self.namespace = namespace
        self.locals = frozenset(locals_)
        self.root = root
        # Declared prefixes only; the longest namespace wins, then the alphabetically first prefix.
        self.prefixes = sorted(
            ((str(ns), prefix) for prefix, ns in graph.namespaces() if prefix),
            key=lambda item: (-len(item[0]), item[1]),
        )
        own = [prefix for ns, prefix in self.prefixes if ns == namespace]
        self.prefix = own[0] if own else None
        self.mention = (
            re.compile(rf"(?<![\w:/.-]){re.escape(self.prefix)}:([A-Za-z_][A-Za-z0-9_]*)")
            if self.prefix
            else None
        )

    def local(self, iri: str) -> str | None:
        """The local name of an IRI of the namespace, if it is a term the page documents."""
        if iri.startswith(self.namespace) and iri[len(self.namespace) :] in self.locals:
            return iri[len(self.namespace) :]
        return None

    def curie(self, iri: str) -> str:
        for ns, prefix in self.prefixes:
            rest = iri[len(ns) :]
            if iri.startswith(ns) and rest and re.fullmatch(r"[A-Za-z_][\w.-]*", rest):
                return f"{prefix}:{rest}"
        return iri

    def label(self, node: Node) -> str | None:
        return _first(_french(self.graph, node, RDFS.label))

    def ref(self, node: Node, depth: int = 0) -> Ref:
        """A value as the page shows it: ``#local`` for our terms, the IRI for others, text for literals."""
        if isinstance(node, Literal):
            return Ref(str(node), code=False, lang=node.language)
        if isinstance(node, BNode):
            return self._expression(node, depth)
        iri = str(node)
        curie = self.curie(iri)
        local = self.local(iri)
        if local is not None:
            return Ref(curie, href=f"#{local}", title=self.label(node))
        if _LINKABLE.match(iri):
            return Ref(curie, href=iri, title=iri if curie != iri else None, external=True)
        return Ref(curie, title=iri if curie != iri else None)

    def _expression(self, node: BNode, depth: int) -> Ref:
        """An anonymous class expression: its members for a union/intersection/enumeration, else a mention."""
        if depth < 3:
            for predicate, connective in _CONNECTIVES.items():
                head = self.graph.value(node, predicate)
                if head is not None:
                    members = tuple(self.ref(item, depth + 1) for item in Collection(self.graph, head))
                    return Ref(connective, code=False, parts=members)
            complement = self.graph.value(node, OWL.complementOf)
            if complement is not None:
                return Ref("tout sauf", code=False, parts=(self.ref(complement, depth + 1),))
            on_property = self.graph.value(node, OWL.onProperty)
            if on_property is not None:
                return Ref("restriction sur", code=False, parts=(self.ref(on_property, depth + 1),))
        return Ref("expression anonyme", code=False)

    def refs(self, nodes: Iterable[Node]) -> tuple[Ref, ...]:
        """Distinct values, our terms first, then by text, so that the page never depends on triple order."""
        return tuple(sorted({self.ref(node) for node in nodes}, key=_order))

    def paragraphs(self, texts: Iterable[str]) -> tuple[Paragraph, ...]:
        """Texts split at blank lines, mentions of our terms (``mlg:extrait``) made links to their anchors."""
        result: list[Paragraph] = []
        for text in texts:
            for block in re.split(r"\n\s*\n", text.strip()):
                if block.strip():
                    result.append(self._segments(" ".join(block.split())))
        return tuple(result)

    def _segments(self, text: str) -> Paragraph:
        if self.mention is None:
            return ((text, None),)
        segments: list[tuple[str, str | None]] = []
        position = 0
        for match in self.mention.finditer(text):
            if match.group(1) not in self.locals:
                continue
            if match.start() > position:
                segments.append((text[position : match.start()], None))
            segments.append((match.group(0), f"#{match.group(1)}"))
            position = match.end()
        if position < len(text):
            segments.append((text[position:], None))
        return tuple(segments)


def _kind_of(graph: Graph, subject: URIRef) -> Kind:
    types = set(graph.objects(subject, RDF.type))
    for kind in KINDS:
        if types.intersection(kind.types):
            return kind
    return OTHER_KIND


def _ontology_iri(graph: Graph) -> URIRef:
    candidates = sorted(s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
    if not candidates:
        raise ValueError("the Turtle declares no owl:Ontology: there is no ontology to document")
    return candidates[0]


def _namespace(graph: Graph, ontology: URIRef) -> str:
    """The terms' namespace: ``vann:preferredNamespaceUri`` when given, else the ontology IRI and ``#``."""
    declared = graph.value(ontology, VANN.preferredNamespaceUri)
    if declared is not None:
        return str(declared)
    iri = str(ontology)
    return iri if iri.endswith(("#", "/")) else f"{iri}#"


def _term(reader: _Reader, subject: URIRef, local: str, kind: Kind, schemes: dict[str, list[Ref]]) -> Term:
    graph = reader.graph
    rows: list[Row] = []
    other_types = [t for t in graph.objects(subject, RDF.type) if t not in kind.types]
    if other_types:
        label = "Instance de" if kind.key == "individus" else "Autres types"
        rows.append(Row(label, reader.refs(other_types)))
    outgoing: dict[str, list[Node]] = {}
    for predicate, label in OUTGOING:
        values = outgoing.setdefault(label, [])
        values.extend(graph.objects(subject, predicate))
        if predicate in SYMMETRIC:  # stated on either side, shown on both
            values.extend(s for s in graph.subjects(predicate, subject) if reader.local(str(s)) is not None)
    for predicate, label in INCOMING:
        outgoing.setdefault(label, []).extend(
            s for s in graph.subjects(predicate, subject) if reader.local(str(s)) is not None
        )
    rows.extend(Row(label, reader.refs(nodes)) for label, nodes in outgoing.items() if nodes)
    if local in schemes:
        rows.append(Row("Schéma de concepts", tuple(sorted(set(schemes[local]), key=_order))))
    texts = []
    for predicate, label in EXPLANATIONS:
        fr = reader.paragraphs(_french(graph, subject, predicate))
        en = reader.paragraphs(_texts(graph, subject, predicate, "en"))
        if fr or en:
            texts.append(Texts(label, fr, en))
    deprecated = any(
        isinstance(value, Literal) and value.toPython() is True
        for value in graph.objects(subject, OWL.deprecated)
    )
    return Term(
        local=local,
        iri=str(subject),
        curie=reader.curie(str(subject)),
        kind=kind,
        label_fr=reader.label(subject),
        label_en=_first(_texts(graph, subject, RDFS.label, "en")),
        texts=tuple(texts),
        rows=tuple(rows),
        deprecated=deprecated,
    )


def _schemes(paths: Sequence[Path], reader: _Reader) -> list[Scheme]:
    """The concept schemes of ``paths``, parsed against a placeholder base (only the relative path counts)."""
    schemes: list[Scheme] = []
    for path in paths:
        graph = Graph(bind_namespaces="none")
        graph.parse(path, format="turtle", publicID=_SCHEME_BASE)
        for scheme in graph.subjects(RDF.type, SKOS.ConceptScheme):
            if not isinstance(scheme, URIRef):
                continue
            iri = str(scheme)
            relative = iri[len(_SCHEME_BASE) :] if iri.startswith(_SCHEME_BASE) else None
            if relative is not None:
                href: str | None = f"{reader.root}{relative}.html"
            else:
                href = iri if _LINKABLE.match(iri) else None
            members = set(graph.subjects(SKOS.inScheme, scheme))
            typing = {t for member in members for t in graph.objects(member, RDF.type)}
            typing.update(graph.objects(scheme, RDFS.seeAlso))
            classes = [t for t in typing if reader.local(str(t)) is not None]
            schemes.append(
                Scheme(
                    path=relative if relative is not None else iri,
                    href=href,
                    label_fr=_first(
                        _french(graph, scheme, SKOS.prefLabel) or _french(graph, scheme, RDFS.label)
                    ),
                    label_en=_first(_texts(graph, scheme, SKOS.prefLabel, "en")),
                    description_fr=reader.paragraphs(_french(graph, scheme, DCTERMS.description)[:1]),
                    description_en=reader.paragraphs(_texts(graph, scheme, DCTERMS.description, "en")[:1]),
                    classes=reader.refs(classes),
                    size=len(members),
                )
            )
    return sorted(schemes, key=lambda scheme: scheme.path)


def _header(reader: _Reader, ontology: URIRef) -> Header:
    graph = reader.graph
    titles_fr = _french(graph, ontology, DCTERMS.title) or _french(graph, ontology, RDFS.label)
    titles_en = _texts(graph, ontology, DCTERMS.title, "en") or _texts(graph, ontology, RDFS.label, "en")
    rows = [Row(label, reader.refs(graph.objects(ontology, predicate))) for predicate, label in METADATA]
    descriptions = (DCTERMS.description, RDFS.comment)
    return Header(
        iri=str(ontology),
        title_fr=_first(titles_fr),
        title_en=_first(titles_en),
        description_fr=reader.paragraphs(text for p in descriptions for text in _french(graph, ontology, p)),
        description_en=reader.paragraphs(
            text for p in descriptions for text in _texts(graph, ontology, p, "en")
        ),
        rows=tuple(row for row in rows if row.refs),
        namespace=reader.namespace,
        prefix=_first(_texts(graph, ontology, VANN.preferredNamespacePrefix, None)) or reader.prefix,
    )


def ontology_context(
    ontology: Path | None = None, concepts: Sequence[Path] | None = None
) -> dict[str, object]:
    """What the template needs, read from the Turtle: the header, the sections of terms and the schemes.

    Separate from the rendering so that tests and other pages can look at the model without parsing HTML.
    """
    graph = Graph(bind_namespaces="none")
    graph.parse(ontology or ontology_file(), format="turtle")
    iri = _ontology_iri(graph)
    namespace = _namespace(graph, iri)
    subjects = {
        s: str(s)[len(namespace) :]
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(namespace) and len(str(s)) > len(namespace)
    }
    clashes = sorted(RESERVED_IDS.intersection(subjects.values()))
    if clashes:
        raise ValueError(f"term local names clash with the page's own anchors: {', '.join(clashes)}")
    reader = _Reader(graph, namespace, subjects.values(), root_of(PAGE_PATH))
    schemes = _schemes(concept_files() if concepts is None else concepts, reader)
    scheme_refs: dict[str, list[Ref]] = {}
    for scheme in schemes:
        for ref in scheme.classes:
            if ref.href:
                scheme_refs.setdefault(ref.href[1:], []).append(
                    Ref(scheme.label_fr or scheme.path, href=scheme.href, title=scheme.path, code=False)
                )
    terms = [
        _term(reader, subject, local, _kind_of(graph, subject), scheme_refs)
        for subject, local in subjects.items()
    ]
    sections = [
        Section(
            kind,
            tuple(sorted((t for t in terms if t.kind == kind), key=lambda t: (t.local.casefold(), t.local))),
        )
        for kind in (*KINDS, OTHER_KIND)
    ]
    return {
        "header": _header(reader, iri),
        "sections": [section for section in sections if section.terms],
        "schemes": schemes,
        "downloads": DOWNLOADS,
    }


def ontology_html(
    *,
    static_site: bool,
    endpoint: str | None,
    ontology: Path | None = None,
    concepts: Sequence[Path] | None = None,
) -> str:
    """The documentation page of the ontology, for the site path :data:`PAGE_PATH`.

    ``ontology`` (default: the packaged ``maillage.ttl``) and ``concepts`` (default: the packaged schemes) let
    a test document another Turtle; ``static_site`` and ``endpoint`` only change the navigation links.
    """
    return render(
        TEMPLATE,
        path=PAGE_PATH,
        static_site=static_site,
        endpoint=endpoint,
        section="ontologie",
        **ontology_context(ontology, concepts),
    )
