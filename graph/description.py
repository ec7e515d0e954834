"""The dataset describes itself: a DCAT 3 / DCAT-AP 3.0.1 catalogue with VoID statistics, and schema.org.

A built folder is published with ``catalogue.ttl`` beside its dumps, so that a harvester (data.gouv.fr reads
DCAT), a linked-data client (VoID) and a search engine (schema.org ``Dataset`` on the landing page) each find
what they expect without anyone writing it by hand. Everything that can be read from the data is: the files
(sizes and SHA-256), the counts, the classes and properties, the places covered, the keywords used by the
fiches, the years. Only what a publisher decides (titles, licence, contact, where the site lives) comes from
a TOML file, ``data/publication.toml`` giving the defaults.

The description is a document of its own, ``{base}catalogue``, whose nodes are hash IRIs
(``{base}catalogue#jeu-de-donnees``…), checksums included: no blank node, so the same folder always gives
the same bytes and every node can be linked to. Resources the description only points to (the licence, the
IANA media types, the EU authority tables' concepts, the INSEE départements) are typed in it too, because
SHACL checks ranges on the data graph alone (``sh:class``) and DCAT-AP's shapes check them.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from maillage import ontology

from .downloads import FOLDER, IANA, File, Published, published_files
from .dump import DOCUMENT_FORMATS, atomic_write
from .iris import ONTOLOGY, slug

#: The file the build writes in the dataset folder.
CATALOGUE = "catalogue.ttl"
#: The publisher's file as the build read it, kept in the dataset folder: the server and the static site
#: describe the dataset (schema.org on the landing page) with the same settings as catalogue.ttl.
PUBLICATION = "publication.toml"
#: The publisher-configurable defaults, shipped as package data.
DEFAULTS = "data/publication.toml"

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
IGEO = "http://rdf.insee.fr/def/geo#"
FORMATS = "http://www.w3.org/ns/formats/"
INSEE_GEO = "http://id.insee.fr/geo/"
#: The Publications Office's authority tables (DCAT-AP's controlled vocabularies).
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
#: The ontology the data conforms to (dct:conformsTo): its IRI, without the namespace's '#'.
ONTOLOGY_IRI = ONTOLOGY.rstrip("#")
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
ETALAB_2 = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: Titles of the licences the description can name; another licence is given by its IRI only.
LICENCE_TITLES = {ETALAB_2: "Licence Ouverte / Open Licence version 2.0"}
#: The EU data themes (dcat:theme) with their French labels: DCAT-AP requires a skos:prefLabel on a theme.
THEMES = {
    "AGRI": "Agriculture, pêche, sylviculture et alimentation",
    "ECON": "Économie et finances",
    "EDUC": "Éducation, culture et sport",
    "ENER": "Énergie",
    "ENVI": "Environnement",
    "GOVE": "Gouvernement et secteur public",
    "HEAL": "Santé",
    "INTR": "Questions internationales",
    "JUST": "Justice, système juridique et sécurité publique",
    "OP_DATPRO": "Données provisoires",
    "REGI": "Régions et villes",
    "SOCI": "Population et société",
    "TECH": "Science et technologie",
    "TRAN": "Transports",
}
#: W3C format IRIs (void:feature) of the RDF dumps, by file name suffix.
DUMP_FEATURES = {".ttl": "Turtle", ".nt": "N-Triples", ".nt.gz": "N-Triples", ".jsonld": "JSON-LD"}
#: Compressed files: the media type of what they hold comes from the name without the suffix.
COMPRESSED = {".gz": "application/gzip"}
#: The kinds of resource of which void:exampleResource shows one (the first by IRI).
EXAMPLE_KINDS = (ONTOLOGY + "Action", ONTOLOGY + "Structure", SKOS + "Concept")
#: schema.org's description must be this long for Google Dataset Search.
DESCRIPTION_LENGTH = (50, 5000)


# --------------------------------------------------------------------------------------------------
# What the publisher decides
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    """What the publisher says about the dataset; everything computed from the data is elsewhere.

    ``issued`` is None unless configured: the description then uses the date of the build.
    """

    base_iri: str
    title: str
    title_en: str
    description: str
    description_en: str
    publisher_name: str
    publisher_url: str
    contact_name: str
    contact_email: str | None
    license: str
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    language: str
    accrual_periodicity: str
    site_url: str
    endpoint_url: str
    issued: str | None

    def issued_on(self, built: str) -> str:
        """The date of first publication: the configured one, else the day of the build."""
        return self.issued or built


#: The keys a TOML file may set (base_iri comes from the build, never from the file).
KEYS = tuple(f.name for f in fields(Publication) if f.name != "base_iri")
_TEXT_KEYS = ("title", "title_en", "description", "description_en", "publisher_name", "contact_name")
_URL_KEYS = ("publisher_url", "license", "site_url", "endpoint_url")
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_EMAIL = re.compile(r"[^@\s:/]+@[^@\s/]+\.[^@\s/]+")


def read_publication(path: Path | None, base_iri: str) -> Publication:
    """The defaults of ``data/publication.toml`` overridden by the publisher's file ``path`` (if any).

    Any key the file sets must be known and well-formed: a typo or a bad value raises ValueError naming
    the file and the key, so that a publication is never made with a silently ignored setting.
    """
    defaults = resources.files("maillage.graph").joinpath(DEFAULTS)
    values = _read_toml(defaults.read_text(encoding="utf-8"), DEFAULTS)
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"{path}: cannot read the publication file ({error.strerror})") from error
        values.update(_read_toml(text, str(path)))
    return _publication(values, base_iri, str(path) if path is not None else DEFAULTS)


def _read_toml(text: str, name: str) -> dict[str, Any]:
    """The keys of one TOML file, refusing unknown ones and checking each value's form."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{name}: not valid TOML ({error})") from error
    for key, value in values.items():
        if key not in KEYS:
            raise ValueError(f"{name}: unknown key {key!r} (known keys: {', '.join(KEYS)})")
        values[key] = _checked(key, value, name)
    return values


def _checked(key: str, value: Any, name: str) -> Any:
    """``value`` in the form the description uses, or ValueError naming the file and the key."""

    def fail(expected: str) -> ValueError:
        return ValueError(f"{name}: {key} must be {expected}, got {value!r}")

    if key in _TEXT_KEYS:
        if not isinstance(value, str) or not value.strip():
            raise fail("a non-empty string")
        return " ".join(value.split()) if not key.startswith("description") else value.strip()
    if key in _URL_KEYS:
        if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
            raise fail("an http(s) URL")
        return value
    if key == "contact_email":
        address = value.removeprefix("mailto:") if isinstance(value, str) else None
        if address is None or not _EMAIL.fullmatch(address):
            raise fail("an e-mail address")
        return address
    if key == "keywords":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail("a list of non-empty strings")
        return tuple(" ".join(v.split()) for v in value)
    if key == "themes":
        if not isinstance(value, list) or not all(v in THEMES for v in value):
            raise fail(f"a list of EU data-theme codes ({', '.join(THEMES)})")
        return tuple(value)
    if key in ("language", "accrual_periodicity"):
        if not isinstance(value, str) or not _CODE.fullmatch(value):
            raise fail("a code of the EU authority table (capital letters, e.g. FRA, IRREG)")
        return value
    if key == "issued":
        return _iso_date(value, fail)
    raise AssertionError(key)  # every key of KEYS is handled above


def _iso_date(value: Any, fail: Callable[[str], ValueError]) -> str:
    """A TOML date (``2026-01-15``) or an ISO date string, as ``YYYY-MM-DD``."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise fail("a date (YYYY-MM-DD)")


def _publication(values: dict[str, Any], base_iri: str, name: str) -> Publication:
    """The publication, with the defaults that depend on the site (site, endpoint, publisher URL)."""
    base_iri = base_iri if base_iri.endswith("/") else base_iri + "/"
    site_url = values.get("site_url") or base_iri
    site_url = site_url if site_url.endswith("/") else site_url + "/"
    values = {
        "publisher_url": site_url,
        "endpoint_url": site_url + "sparql",
        "contact_email": None,
        "issued": None,
        **values,
        "site_url": site_url,
    }
    missing = [key for key in KEYS if key not in values]
    if missing:
        raise ValueError(f"{name}: missing key(s) {', '.join(missing)}")
    low, high = DESCRIPTION_LENGTH
    if not low <= len(values["description"]) <= high:
        raise ValueError(f"{name}: description must be {low} to {high} characters long (for schema.org)")
    return Publication(base_iri=base_iri, **values)


# --------------------------------------------------------------------------------------------------
# What the folder and the store say
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A territory of the graph, its name and its INSEE IRI (when it has one)."""

    iri: str
    name: str | None
    insee: str | None
    departement: bool


@dataclass(frozen=True)
class Partition:
    """A class (with its number of instances) or a property (with its number of triples)."""

    iri: str
    count: int


@dataclass(frozen=True)
class Facts:
    """What both the catalogue and the landing page say about the data: files, places, keywords, years."""

    files: tuple[File, ...]
    places: tuple[Place, ...]
    keywords: tuple[str, ...]
    years: tuple[int, int] | None


@dataclass(frozen=True)
class Statistics:
    """VoID's counts over the whole store: only the catalogue needs them (they scan every triple)."""

    triples: int
    entities: int
    subjects: int
    objects: int
    classes: tuple[Partition, ...]
    properties: tuple[Partition, ...]
    examples: tuple[str, ...]


def _counts(store: ox.Store) -> tuple[int, int, int]:
    """VoID's triples, distinct subjects and distinct objects: one pass over the triples, not three."""
    query = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
                      (COUNT(DISTINCT ?o) AS ?objects)
               WHERE { ?s ?p ?o }"""
    row = next(iter(store.query(query)))
    return int(row["triples"].value), int(row["subjects"].value), int(row["objects"].value)


def _places(store: ox.Store) -> tuple[Place, ...]:
    """The départements the actions are in (not the places read in texts), with name and INSEE IRI, by IRI.

    The actions' départements are gathered first, reading each action once: a FILTER EXISTS per territory
    went through the actions again for each one (1.9 s against 0.2 s at 20,000 fiches, 6.9 s against
    0.6 s at 100,000).
    """
    rows = store.query(
        f"""SELECT ?t ?nom ?insee ?dep WHERE {{
              {{ SELECT DISTINCT ?t WHERE {{ ?action a <{ONTOLOGY}Action> ; <{ONTOLOGY}departement> ?t }} }}
              ?t a <{ONTOLOGY}Territoire> .
              OPTIONAL {{ ?t <{RDFS}label> ?nom FILTER(LANG(?nom) = "fr" || LANG(?nom) = "") }}
              OPTIONAL {{ ?t <{SKOS}closeMatch> ?insee FILTER(STRSTARTS(STR(?insee), "{INSEE_GEO}")) }}
              BIND(EXISTS {{ ?t a <{IGEO}Departement> }} AS ?dep)
            }}"""
    )
    best: dict[str, Place] = {}
    for row in rows:
        name = row["nom"].value if row["nom"] is not None else None
        insee = row["insee"].value if row["insee"] is not None else None
        place = Place(row["t"].value, name, insee, row["dep"].value == "true")
        kept = best.get(place.iri)
        if kept is None or _place_key(place) < _place_key(kept):
            best[place.iri] = place
    return tuple(best[iri] for iri in sorted(best))


def _place_key(place: Place) -> tuple[str, str]:
    """One name and one INSEE IRI per place, the same whatever order the store answers in."""
    return (place.name or "\uffff", place.insee or "\uffff")


def _keywords(store: ox.Store, places: Iterable[Place]) -> tuple[str, ...]:
    """The French labels of the mots clés the actions use, then the names of the départements.

    The keywords are gathered before their labels are looked up, once each (as in _places).
    """
    rows = store.query(
        f"""SELECT DISTINCT ?label WHERE {{
              {{ SELECT DISTINCT ?c WHERE {{ ?a a <{ONTOLOGY}Action> ; <{ONTOLOGY}motCle> ?c }} }}
              ?c <{SKOS}prefLabel> ?label FILTER(LANG(?label) = "fr")
            }}"""
    )
    used = sorted({row["label"].value for row in rows}, key=lambda k: (k.casefold(), k))
    names = [p.name for p in places if p.departement and p.name]
    return tuple(used + names)


def _years(store: ox.Store) -> tuple[int, int] | None:
    row = next(
        iter(store.query(f"SELECT (MIN(?y) AS ?a) (MAX(?y) AS ?b) WHERE {{ ?x <{ONTOLOGY}annee> ?y }}")),
        None,
    )
    if row is None or row["a"] is None:
        return None
    return int(row["a"].value[:4]), int(row["b"].value[:4])


def _partitions(store: ox.Store, query: str, key: str) -> tuple[Partition, ...]:
    found = [Partition(row[key].value, int(row["n"].value)) for row in store.query(query)]
    return tuple(sorted(found, key=lambda p: p.iri))


def _entities(store: ox.Store, base_iri: str) -> int:
    """The distinct subjects under the base IRI (VoID's entities).

    Filtered here rather than by ``STRSTARTS(STR(?s), …)`` in the query: 5 s against 25 s at 100,000
    fiches (5.3 million triples, the store compacted), measured on 2026-12-02.
    """
    return sum(
        1
        for row in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
        if isinstance(row[0], ox.NamedNode) and row[0].value.startswith(base_iri)
    )


def _examples(store: ox.Store, base_iri: str) -> tuple[str, ...]:
    """The first resource (by IRI) of each kind of EXAMPLE_KINDS: deterministic, and under the base.

    Read from the type index in Python: ``ORDER BY STR(?x)`` in the query took 10 s per kind at 100,000
    fiches against 1.5 s.
    """
    found = []
    is_a = ox.NamedNode(RDF + "type")
    for kind in EXAMPLE_KINDS:
        first = min(
            (
                quad.subject.value
                for quad in store.quads_for_pattern(None, is_a, ox.NamedNode(kind), ox.DefaultGraph())
                if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(base_iri)
            ),
            default=None,
        )
        if first is not None:
            found.append(first)
    return tuple(found)


def read_facts(folder: Path, store: ox.Store) -> Facts:
    """What the description says about the data, read from the files and the store."""
    places = _places(store)
    return Facts(
        files=tuple(published_files(folder)),
        places=places,
        keywords=_keywords(store, places),
        years=_years(store),
    )


def read_statistics(store: ox.Store, base_iri: str) -> Statistics:
    """VoID's counts, classes and properties with their partitions, and a few example resources."""
    triples, subjects, objects = _counts(store)
    return Statistics(
        triples=triples,
        entities=_entities(store, base_iri),
        subjects=subjects,
        objects=objects,
        # A triple is in the graph once: COUNT(*) counts the distinct instances, without DISTINCT's set.
        classes=_partitions(
            store, "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c", "c"
        ),
        properties=_partitions(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p", "p"),
        examples=_examples(store, base_iri),
    )


# --------------------------------------------------------------------------------------------------
# The description's nodes and prefixes
# --------------------------------------------------------------------------------------------------


def catalogue_context() -> dict:
    """The JSON-LD context of the description (``ontology/catalogue-context.jsonld``), never fetched."""
    return json.loads(ontology.catalogue_context_file().read_text(encoding="utf-8"))


def catalogue_prefixes() -> dict[str, str]:
    """The prefixes of the description's Turtle: those its JSON-LD context declares."""
    context = catalogue_context()["@context"]
    return {k: v for k, v in context.items() if not k.startswith("@") and isinstance(v, str)}


@dataclass(frozen=True)
class Nodes:
    """The IRIs of the description: the document ``{base}catalogue`` and its hash IRIs."""

    base_iri: str

    @property
    def document(self) -> str:
        return self.base_iri + "catalogue"

    def part(self, name: str) -> str:
        return f"{self.document}#{name}"

    @property
    def catalogue(self) -> str:
        return self.part("catalogue")

    @property
    def dataset(self) -> str:
        return self.part("jeu-de-donnees")

    @property
    def service(self) -> str:
        return self.part("service-sparql")

    @property
    def publisher(self) -> str:
        return self.part("editeur")

    @property
    def contact(self) -> str:
        return self.part("contact")

    @property
    def period(self) -> str:
        return self.part("periode")

    def distribution(self, name: str) -> str:
        """``#distribution-graph-ttl`` for ``graph.ttl``: the file name, dots as dashes."""
        return self.part("distribution-" + name.replace(".", "-"))

    def checksum(self, name: str) -> str:
        return self.distribution(name) + "-somme"

    def class_partition(self, iri: str, prefixes: dict[str, str]) -> str:
        return self.part("classe-" + _short_name(iri, prefixes))

    def property_partition(self, iri: str, prefixes: dict[str, str]) -> str:
        return self.part("propriete-" + _short_name(iri, prefixes))


def namespace_of(iri: str) -> str:
    """The namespace of a term: up to its last '#', else its last '/'."""
    cut = iri.rfind("#") if "#" in iri else iri.rfind("/")
    return iri[: cut + 1]


def _short_name(iri: str, prefixes: dict[str, str]) -> str:
    """``mlg-Action`` for mlg:Action: a fragment that stays unique across namespaces.

    The prefix is kept because two vocabularies may share a local name (mlg:Action, schema:Action); a
    namespace without a known prefix is named by its slug.
    """
    namespace = namespace_of(iri)
    local = iri[len(namespace) :]
    prefix = next((p for p, ns in sorted(prefixes.items()) if ns == namespace), None) or slug(namespace)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", local):
        local = slug(local) or "terme"
    return f"{prefix}-{local}"


# --------------------------------------------------------------------------------------------------
# The triples
# --------------------------------------------------------------------------------------------------


class _Triples:
    """A list of triples written with short helpers: IRIs as strings, literals by kind."""

    def __init__(self) -> None:
        self.items: list[ox.Triple] = []

    def add(self, subject: str, predicate: str, obj: ox.NamedNode | ox.Literal | str) -> None:
        node = ox.NamedNode(obj) if isinstance(obj, str) else obj
        self.items.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), node))

    def type(self, subject: str, *classes: str) -> None:
        for cls in classes:
            self.add(subject, RDF + "type", cls)


def text(value: str, language: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=language)


def typed(value: str | int, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(datatype))


def download_url(publication: Publication, name: str) -> str:
    """Where a published file is downloaded from: ``{site_url}donnees/<name>``."""
    return f"{publication.site_url}{FOLDER}/{name}"


def media_types(published: Published) -> tuple[str, str | None]:
    """The IANA media type of the data in a file and, for a compressed file, of its compression.

    DCAT 3 gives a compressed file the media type of what it holds (``graph.nt.gz`` is N-Triples) and
    names the compression apart (dcat:compressFormat), so that a client knows what it gets once unpacked.
    """
    for suffix, compression in COMPRESSED.items():
        if published.name.endswith(suffix) and published.media_type == compression:
            inner = published.name.removesuffix(suffix).rsplit(".", 1)[-1]
            if inner in DOCUMENT_FORMATS:
                return IANA + DOCUMENT_FORMATS[inner][0], IANA + compression
    return published.media_type_iri, None


def _document_triples(t: _Triples, nodes: Nodes, publication: Publication, built: str) -> None:
    """The document ``{base}catalogue`` itself: what a client dereferencing it first reads."""
    t.type(nodes.document, FOAF + "Document")
    t.add(nodes.document, DCT + "title", text(f"Description du jeu de données « {publication.title} »", "fr"))
    t.add(nodes.document, DCT + "modified", typed(built, XSD + "date"))
    t.add(nodes.document, FOAF + "primaryTopic", nodes.catalogue)


def _catalogue_triples(t: _Triples, nodes: Nodes, publication: Publication, built: str) -> None:
    """The catalogue that data.gouv.fr's harvester is given: one dataset, one service."""
    c = nodes.catalogue
    t.type(c, DCAT + "Catalog")
    t.add(c, DCT + "title", text(f"Catalogue : {publication.title}", "fr"))
    t.add(c, DCT + "title", text(f"Catalogue: {publication.title_en}", "en"))
    t.add(
        c,
        DCT + "description",
        text(
            f"Le jeu de données « {publication.title} », ses fichiers téléchargeables et son point d'accès "
            "SPARQL, décrits en DCAT-AP 3.0.1 et VoID.",
            "fr",
        ),
    )
    t.add(
        c,
        DCT + "description",
        text(
            f"The dataset “{publication.title_en}”, its downloadable files and its SPARQL endpoint, "
            "described with DCAT-AP 3.0.1 and VoID.",
            "en",
        ),
    )
    t.add(c, DCT + "publisher", nodes.publisher)
    t.add(c, DCT + "license", publication.license)
    t.add(c, DCT + "language", _language(publication))
    t.add(c, DCT + "issued", typed(publication.issued_on(built), XSD + "date"))
    t.add(c, DCT + "modified", typed(built, XSD + "date"))
    t.add(c, FOAF + "homepage", publication.site_url)
    t.add(c, DCAT + "dataset", nodes.dataset)
    t.add(c, DCAT + "service", nodes.service)
    t.add(c, DCAT + "themeTaxonomy", EU_AUTHORITY + "data-theme")


def _language(publication: Publication) -> str:
    return f"{EU_AUTHORITY}language/{publication.language}"


def _agent_triples(t: _Triples, nodes: Nodes, publication: Publication) -> None:
    """The publisher (dct:publisher) and the contact point (dcat:contactPoint)."""
    t.type(nodes.publisher, FOAF + "Agent", FOAF + "Organization")
    t.add(nodes.publisher, FOAF + "name", text(publication.publisher_name))
    t.add(nodes.publisher, FOAF + "homepage", publication.publisher_url)
    t.type(nodes.contact, VCARD + "Kind", VCARD + "Organization")
    t.add(nodes.contact, VCARD + "fn", text(publication.contact_name))
    t.add(nodes.contact, VCARD + "hasURL", publication.site_url)
    if publication.contact_email:
        t.add(nodes.contact, VCARD + "hasEmail", "mailto:" + publication.contact_email)


def _dataset_triples(t: _Triples, nodes: Nodes, publication: Publication, facts: Facts, built: str) -> None:
    """The dataset: what the publisher says of it, its dates and pages, its distributions, its coverage."""
    d = nodes.dataset
    t.type(d, DCAT + "Dataset", VOID + "Dataset")
    t.add(d, DCT + "title", text(publication.title, "fr"))
    t.add(d, DCT + "title", text(publication.title_en, "en"))
    t.add(d, DCT + "description", text(publication.description, "fr"))
    t.add(d, DCT + "description", text(publication.description_en, "en"))
    t.add(d, DCT + "identifier", text(d))
    t.add(d, DCT + "publisher", nodes.publisher)
    t.add(d, DCT + "creator", nodes.publisher)
    t.add(d, DCAT + "contactPoint", nodes.contact)
    t.add(d, DCT + "license", publication.license)
    t.add(d, DCT + "issued", typed(publication.issued_on(built), XSD + "date"))
    t.add(d, DCT + "modified", typed(built, XSD + "date"))
    t.add(d, DCT + "language", _language(publication))
    t.add(d, DCT + "accrualPeriodicity", f"{EU_AUTHORITY}frequency/{publication.accrual_periodicity}")
    t.add(d, DCT + "conformsTo", ONTOLOGY_IRI)
    t.add(d, DCAT + "landingPage", publication.site_url)
    t.add(d, FOAF + "page", publication.site_url + "catalogue.html")
    t.add(d, FOAF + "page", f"{publication.site_url}{FOLDER}/index.html")
    for file in facts.files:
        t.add(d, DCAT + "distribution", nodes.distribution(file.published.name))
    t.add(d, DCAT + "distribution", nodes.distribution("sparql"))
    _coverage_triples(t, nodes, publication, facts)


def _coverage_triples(t: _Triples, nodes: Nodes, publication: Publication, facts: Facts) -> None:
    """What the data is about: themes and keywords, the places it covers, the years of its actions."""
    d = nodes.dataset
    for code in publication.themes:
        t.add(d, DCAT + "theme", f"{EU_AUTHORITY}data-theme/{code}")
    for keyword in dict.fromkeys([*publication.keywords, *facts.keywords]):
        t.add(d, DCAT + "keyword", text(keyword, "fr"))
    for place in facts.places:
        t.add(d, DCT + "spatial", place.iri)
        if place.insee:
            t.add(d, DCT + "spatial", place.insee)
    if facts.years is not None:
        first, last = facts.years
        t.add(d, DCT + "temporal", nodes.period)
        t.type(nodes.period, DCT + "PeriodOfTime")
        t.add(nodes.period, DCAT + "startDate", typed(f"{first:04d}-01-01", XSD + "date"))
        t.add(nodes.period, DCAT + "endDate", typed(f"{last:04d}-12-31", XSD + "date"))


def _distribution_triples(
    t: _Triples, nodes: Nodes, publication: Publication, file: File, built: str
) -> None:
    """One downloadable file: where, what format, how big, its SHA-256, under which licence."""
    published = file.published
    node = nodes.distribution(published.name)
    url = download_url(publication, published.name)
    media_type, compression = media_types(published)
    t.type(node, DCAT + "Distribution")
    t.add(node, DCT + "title", text(published.title, "fr"))
    t.add(node, DCT + "description", text(f"{published.title} ({published.format}) : {published.name}", "fr"))
    t.add(node, DCAT + "downloadURL", url)
    t.add(node, DCAT + "accessURL", url)
    t.add(node, DCAT + "mediaType", media_type)
    if compression is not None:
        t.add(node, DCAT + "compressFormat", compression)
    t.add(node, DCT + "format", published.file_type_iri)
    t.add(node, DCAT + "byteSize", typed(file.size, XSD + "nonNegativeInteger"))
    t.add(node, DCT + "license", publication.license)
    t.add(node, DCT + "modified", typed(built, XSD + "date"))
    if published.dump:
        t.add(node, DCT + "conformsTo", ONTOLOGY_IRI)
    checksum = nodes.checksum(published.name)
    t.add(node, SPDX + "checksum", checksum)
    t.type(checksum, SPDX + "Checksum")
    t.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    t.add(checksum, SPDX + "checksumValue", typed(file.sha256, XSD + "hexBinary"))


def _service_triples(t: _Triples, nodes: Nodes, publication: Publication) -> None:
    """The SPARQL endpoint, as a data service and as the distribution it gives access to."""
    s = nodes.service
    t.type(s, DCAT + "DataService")
    t.add(s, DCT + "title", text("Point d'accès SPARQL", "fr"))
    t.add(s, DCT + "title", text("SPARQL endpoint", "en"))
    t.add(
        s,
        DCT + "description",
        text("Le graphe entier, interrogeable en SPARQL 1.1, avec une page de questions prêtes.", "fr"),
    )
    t.add(s, DCAT + "endpointURL", publication.endpoint_url)
    t.add(s, DCAT + "landingPage", publication.endpoint_url)
    t.add(s, DCAT + "servesDataset", nodes.dataset)
    t.add(s, DCT + "conformsTo", SPARQL_PROTOCOL)
    t.add(s, DCT + "license", publication.license)
    t.add(s, DCT + "publisher", nodes.publisher)
    t.add(s, DCAT + "contactPoint", nodes.contact)
    d = nodes.distribution("sparql")
    t.type(d, DCAT + "Distribution")
    t.add(d, DCT + "title", text("Le graphe entier, interrogeable en SPARQL", "fr"))
    t.add(d, DCAT + "accessURL", publication.endpoint_url)
    t.add(d, DCAT + "accessService", s)
    t.add(d, DCT + "license", publication.license)


def _void_triples(
    t: _Triples, nodes: Nodes, publication: Publication, facts: Facts, stats: Statistics
) -> None:
    """VoID on the dataset node: counts, where to query and download, examples, vocabularies."""
    d = nodes.dataset
    integer = XSD + "integer"
    t.add(d, VOID + "triples", typed(stats.triples, integer))
    t.add(d, VOID + "entities", typed(stats.entities, integer))
    t.add(d, VOID + "classes", typed(len(stats.classes), integer))
    t.add(d, VOID + "properties", typed(len(stats.properties), integer))
    t.add(d, VOID + "distinctSubjects", typed(stats.subjects, integer))
    t.add(d, VOID + "distinctObjects", typed(stats.objects, integer))
    t.add(d, VOID + "sparqlEndpoint", publication.endpoint_url)
    t.add(d, VOID + "uriSpace", text(publication.base_iri))
    for file in facts.files:
        if file.published.dump:
            t.add(d, VOID + "dataDump", download_url(publication, file.published.name))
            feature = next((f for end, f in DUMP_FEATURES.items() if file.published.name.endswith(end)), None)
            if feature is not None:
                t.add(d, VOID + "feature", FORMATS + feature)
    for example in stats.examples:
        t.add(d, VOID + "exampleResource", example)
    terms = [p.iri for p in stats.properties] + [c.iri for c in stats.classes]
    for namespace in sorted({namespace_of(iri) for iri in terms}):
        t.add(d, VOID + "vocabulary", namespace)


def _partition_triples(t: _Triples, nodes: Nodes, stats: Statistics, prefixes: dict[str, str]) -> None:
    """One void:classPartition per class (its instances), one void:propertyPartition per property."""
    d = nodes.dataset
    integer = XSD + "integer"
    for cls in stats.classes:
        node = nodes.class_partition(cls.iri, prefixes)
        t.add(d, VOID + "classPartition", node)
        t.type(node, VOID + "Dataset")
        t.add(node, VOID + "class", cls.iri)
        t.add(node, VOID + "entities", typed(cls.count, integer))
    for prop in stats.properties:
        node = nodes.property_partition(prop.iri, prefixes)
        t.add(d, VOID + "propertyPartition", node)
        t.type(node, VOID + "Dataset")
        t.add(node, VOID + "property", prop.iri)
        t.add(node, VOID + "triples", typed(prop.count, integer))


def _range_triples(t: _Triples, publication: Publication, facts: Facts) -> None:
    """The classes of the resources the description points to, which DCAT-AP's range shapes check.

    SHACL's sh:class looks for rdf:type in the data graph only: a licence, a media type or a département
    is recognised as such only if the description says so.
    """
    t.type(publication.license, DCT + "LicenseDocument")
    if publication.license in LICENCE_TITLES:
        t.add(publication.license, DCT + "title", text(LICENCE_TITLES[publication.license], "fr"))
    t.type(_language(publication), DCT + "LinguisticSystem")
    t.type(f"{EU_AUTHORITY}frequency/{publication.accrual_periodicity}", DCT + "Frequency")
    scheme = EU_AUTHORITY + "data-theme"
    t.type(scheme, SKOS + "ConceptScheme")
    t.add(scheme, DCT + "title", text("Thèmes de données", "fr"))
    t.add(scheme, DCT + "title", text("Data theme", "en"))
    for code in publication.themes:
        theme = f"{scheme}/{code}"
        t.type(theme, SKOS + "Concept")
        t.add(theme, SKOS + "prefLabel", text(THEMES[code], "fr"))
        t.add(theme, SKOS + "inScheme", scheme)
    t.type(ONTOLOGY_IRI, DCT + "Standard")
    t.type(SPARQL_PROTOCOL, DCT + "Standard")
    t.add(SPARQL_PROTOCOL, DCT + "title", text("SPARQL 1.1 Protocol", "en"))
    for page in (
        publication.site_url,
        publication.site_url + "catalogue.html",
        f"{publication.site_url}{FOLDER}/index.html",
        publication.endpoint_url,
    ):
        t.type(page, FOAF + "Document")
    t.type(publication.endpoint_url, RDFS + "Resource")
    for place in facts.places:
        t.type(place.iri, DCT + "Location")
        if place.name:
            t.add(place.iri, RDFS + "label", text(place.name, "fr"))
        if place.insee:
            t.type(place.insee, DCT + "Location")
    for file in facts.files:
        for media_type in media_types(file.published):
            if media_type is not None:
                t.type(media_type, DCT + "MediaType")
        t.type(file.published.file_type_iri, DCT + "MediaTypeOrExtent")
    t.type(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm")


def description_triples(
    folder: Path, store: ox.Store, publication: Publication, built: str
) -> list[ox.Triple]:
    """The catalogue, the dataset with its distributions and VoID statistics, the SPARQL service: sorted.

    ``store`` is the folder's graph (opened read-only by the caller); ``built`` the day of the build.
    """
    facts = read_facts(folder, store)
    stats = read_statistics(store, publication.base_iri)
    nodes = Nodes(publication.base_iri)
    t = _Triples()
    _document_triples(t, nodes, publication, built)
    _catalogue_triples(t, nodes, publication, built)
    _agent_triples(t, nodes, publication)
    _dataset_triples(t, nodes, publication, facts, built)
    for file in facts.files:
        _distribution_triples(t, nodes, publication, file, built)
    _service_triples(t, nodes, publication)
    _void_triples(t, nodes, publication, facts, stats)
    _partition_triples(t, nodes, stats, catalogue_prefixes())
    _range_triples(t, publication, facts)
    return sorted(set(t.items), key=str)


def serialize_description(triples: Iterable[ox.Triple]) -> bytes:
    """The description as Turtle: sorted, with the catalogue's prefixes, every other IRI absolute.

    No ``@base``: Oxigraph would relativise every IRI against it, down to scheme-relative ones
    (``<//www.etalab.gouv.fr/…>``) that some readers resolve wrongly.
    """
    return ox.serialize(
        sorted(set(triples), key=str), format=ox.RdfFormat.TURTLE, prefixes=catalogue_prefixes()
    )


def dataset_publication(folder: Path, base_iri: str) -> Publication:
    """The publication settings a dataset folder was built with (its kept copy, else the defaults)."""
    kept = folder / PUBLICATION
    return read_publication(kept if kept.is_file() else None, base_iri)


def keep_publication(folder: Path, path: Path | None) -> None:
    """Keep a copy of the publisher's file in the dataset folder (and no stale one when there is none)."""
    kept = folder / PUBLICATION
    if path is None:
        kept.unlink(missing_ok=True)
        return
    with atomic_write(kept, "wb") as out:
        out.write(Path(path).read_bytes())


def write_description(folder: Path, store: ox.Store, publication: Publication, built: str) -> None:
    """Write ``folder/catalogue.ttl``: the same folder always gives the same bytes."""
    document = serialize_description(description_triples(folder, store, publication, built))
    with atomic_write(folder / CATALOGUE, "wb") as out:
        out.write(document)


# --------------------------------------------------------------------------------------------------
# schema.org, for the landing page
# --------------------------------------------------------------------------------------------------


def schema_org_dataset(folder: Path, store: ox.Store, publication: Publication, built: str) -> dict:
    """A schema.org ``Dataset`` for the landing page's JSON-LD, as Google Dataset Search reads it.

    Name and description are required (the description 50 to 5000 characters); licence, creator,
    distributions, coverage and the catalogue it belongs to are recommended and all given.
    """
    facts = read_facts(folder, store)
    nodes = Nodes(publication.base_iri)
    organisation = _schema_organisation(publication)
    dataset: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": nodes.dataset,
        "name": publication.title,
        "alternateName": publication.title_en,
        "description": publication.description,
        "url": publication.site_url,
        "identifier": nodes.dataset,
        "license": publication.license,
        "isAccessibleForFree": True,
        "inLanguage": "fr",
        "creator": organisation,
        "publisher": organisation,
        "keywords": list(dict.fromkeys([*publication.keywords, *facts.keywords])),
        "datePublished": publication.issued_on(built),
        "dateModified": built,
        "spatialCoverage": [_schema_place(place) for place in facts.places],
        "distribution": [_schema_download(publication, file) for file in facts.files],
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": nodes.catalogue,
            "name": f"Catalogue : {publication.title}",
            "url": publication.site_url + "catalogue.html",
        },
    }
    if facts.years is not None:
        dataset["temporalCoverage"] = f"{facts.years[0]}/{facts.years[1]}"
    if not facts.places:
        dataset.pop("spatialCoverage")
    return dataset


def _schema_organisation(publication: Publication) -> dict[str, Any]:
    organisation: dict[str, Any] = {
        "@type": "Organization",
        "name": publication.publisher_name,
        "url": publication.publisher_url,
    }
    if publication.contact_email:
        organisation["contactPoint"] = {
            "@type": "ContactPoint",
            "name": publication.contact_name,
            "email": publication.contact_email,
            "contactType": "données",
        }
    return organisation


def _schema_place(place: Place) -> dict[str, Any]:
    found: dict[str, Any] = {"@type": "Place", "@id": place.iri}
    if place.name:
        found["name"] = place.name
    if place.insee:
        found["sameAs"] = place.insee
    return found


def _schema_download(publication: Publication, file: File) -> dict[str, Any]:
    return {
        "@type": "DataDownload",
        "name": f"{file.published.title} ({file.published.format})",
        "contentUrl": download_url(publication, file.published.name),
        "encodingFormat": file.published.media_type,
        "contentSize": f"{file.size} B",
        "sha256": file.sha256,
        "license": publication.license,
    }
