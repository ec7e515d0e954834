"""Facts read from a fiche's texts, as triples: the communes of a structure, the organisations cited.

What the form declares and what the build reads in its free text are kept apart: a commune found in a
structure's name is ``mlg:commune``, never a declared value; an organisation the text names is
``mlg:organisationCitee``, never ``mlg:partenaire`` or ``mlg:typePartenaire``. Every reading leaves a node
in the fiche's document (``fiche/…#commune-31157``, ``fiche/…#mention-sicoval``) saying from which field,
which words, by which rule and with what confidence it was read, so that a researcher can weigh it, and a
reading too weak to trust (confidence ``faible``) stays on that node only, without the direct link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from .iris import ONTOLOGY
from .mentions import DEPARTEMENT, KIND, NATIONAL, Gazetteer, Mention, load_gazetteer, mentions_of
from .places import FAIBLE, FichePlaces, PlaceMatch, match_fiche
from .record import Fiche

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
IGEO = "http://rdf.insee.fr/def/geo#"
PROV_VALUE = ox.NamedNode("http://www.w3.org/ns/prov#value")
PROV_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
ORG_CLASSIFICATION = ox.NamedNode("http://www.w3.org/ns/org#classification")
XSD = "http://www.w3.org/2001/XMLSchema#"
#: The scheme of the kinds of organisations cited in texts (generated from the gazetteer).
KINDS_SCHEME = "concept/types-organisations-citees"


def mlg(name: str) -> ox.NamedNode:
    return ox.NamedNode(ONTOLOGY + name)


def _fr(text: str) -> ox.Literal:
    return ox.Literal(text, language="fr")


@cache
def _gazetteer() -> Gazetteer:
    return load_gazetteer()


@dataclass(frozen=True)
class Context:
    """Where a fiche's readings attach: its action, fiche and structure nodes, its département node."""

    base: str
    action: ox.NamedNode
    fiche: ox.NamedNode
    structure: ox.NamedNode
    departement: ox.NamedNode
    #: The organisation node of a departmental partner kind (``organisation/31/caf``), from its notation.
    departmental: Callable[[str], tuple[ox.NamedNode, list[ox.Triple]] | None]


# ---- Communes -------------------------------------------------------------------------------------------


def commune_triples(match: PlaceMatch, departement: ox.NamedNode) -> Iterator[ox.Triple]:
    """The commune as INSEE names it (its official IRI), with its name, code and population."""
    commune = match.commune
    assert commune is not None
    node = ox.NamedNode(commune.iri)
    yield ox.Triple(node, RDF_TYPE, ox.NamedNode(IGEO + "Commune"))
    yield ox.Triple(node, RDF_TYPE, mlg("Territoire"))
    yield ox.Triple(node, LABEL, _fr(commune.name))
    yield ox.Triple(node, ox.NamedNode(IGEO + "nom"), _fr(commune.name))
    yield ox.Triple(
        node, ox.NamedNode(IGEO + "codeINSEE"), ox.Literal(commune.code, datatype=ox.NamedNode(XSD + "token"))
    )
    yield ox.Triple(node, mlg("departement"), departement)
    if commune.population is not None:
        yield ox.Triple(
            node,
            mlg("population"),
            ox.Literal(str(commune.population), datatype=ox.NamedNode(XSD + "integer")),
        )


def _reading(
    node: ox.NamedNode, match: PlaceMatch, about: ox.NamedNode, link: str, fiche: ox.NamedNode
) -> Iterator[ox.Triple]:
    """The provenance of one place reading: what it places, where, from which words and how surely."""
    yield ox.Triple(node, RDF_TYPE, mlg("LocalisationCommune"))
    yield ox.Triple(node, PROV_DERIVED, fiche)
    name = match.commune.name if match.commune is not None else match.text
    yield ox.Triple(node, LABEL, _fr(f"Commune « {name} » lue dans : {match.field}"))
    yield ox.Triple(node, mlg("localise"), about)
    yield ox.Triple(node, mlg("lien"), mlg(link))
    if match.commune is not None:
        yield ox.Triple(node, mlg("commune"), ox.NamedNode(match.commune.iri))
    for candidate in match.candidates if match.commune is None else ():
        yield ox.Triple(node, mlg("communeCandidate"), ox.NamedNode(candidate.iri))
    yield ox.Triple(node, mlg("champ"), ox.Literal(match.field))
    yield ox.Triple(node, PROV_VALUE, ox.Literal(match.text))
    yield ox.Triple(node, mlg("methode"), ox.Literal(f"{match.source} ; {match.methode}"))
    yield ox.Triple(node, mlg("confiance"), ox.Literal(match.confiance))


def place_triples(places: FichePlaces, context: Context) -> Iterator[ox.Triple]:
    """The structure's commune(s) and the communes of the action's territory, each with its reading."""
    for role, matches, about, link in (
        ("commune", places.structure, context.structure, "commune"),
        ("territoire", places.territory, context.action, "communeConcernee"),
    ):
        for match in matches:
            if match.commune is None:
                continue
            node = ox.NamedNode(f"{context.fiche.value}#{role}-{match.commune.code.lower()}")
            yield from _reading(node, match, about, link, context.fiche)
            yield from commune_triples(match, context.departement)
            if match.confiance != FAIBLE:
                yield ox.Triple(about, mlg(link), ox.NamedNode(match.commune.iri))


# ---- Organisations cited --------------------------------------------------------------------------------


def kind_concept(base: str, key: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
    """The concept of a kind of cited organisation, in the scheme generated from the gazetteer."""
    kind = _gazetteer().kind_by_key[key]
    scheme = ox.NamedNode(base + KINDS_SCHEME)
    node = ox.NamedNode(f"{base}{KINDS_SCHEME}/{key}")
    return node, [
        ox.Triple(node, RDF_TYPE, ox.NamedNode(SKOS + "Concept")),
        ox.Triple(node, RDF_TYPE, mlg("TypeOrganisationCitee")),
        ox.Triple(node, ox.NamedNode(SKOS + "prefLabel"), _fr(kind.label)),
        ox.Triple(node, ox.NamedNode(SKOS + "notation"), ox.Literal(key)),
        ox.Triple(node, ox.NamedNode(SKOS + "inScheme"), scheme),
        ox.Triple(scheme, RDF_TYPE, ox.NamedNode(SKOS + "ConceptScheme")),
        ox.Triple(scheme, ox.NamedNode(SKOS + "prefLabel"), _fr("Types d'organisations citées")),
    ]


def _organisation(mention: Mention, context: Context) -> tuple[ox.NamedNode, list[ox.Triple]] | None:
    """The node a mention designates: a departmental organisation, a cited one, or None (a kind only)."""
    if mention.scope == KIND:
        return None
    if mention.scope == DEPARTEMENT:
        return context.departmental(mention.key)
    dep = context.departement.value.rsplit("/", 1)[-1]
    path = mention.key if mention.scope == NATIONAL else f"{dep}/{mention.key}"
    node = ox.NamedNode(f"{context.base}organisation-citee/{path}")
    kind, kind_triples = kind_concept(context.base, mention.kind)
    triples = [
        ox.Triple(node, RDF_TYPE, mlg("OrganisationCitee")),
        ox.Triple(node, LABEL, _fr(mention.label)),
        ox.Triple(node, ORG_CLASSIFICATION, kind),
        *kind_triples,
    ]
    if mention.scope != NATIONAL:
        triples.append(ox.Triple(node, mlg("departement"), context.departement))
    return node, triples


def mention_triples(mentions: list[Mention], context: Context) -> Iterator[ox.Triple]:
    """The organisations the fiche's texts cite, linked from the action, each with its reading."""
    for mention in mentions:
        reading = ox.NamedNode(f"{context.fiche.value}#mention-{mention.key}")
        found = _organisation(mention, context)
        if found is None:
            designated, triples = kind_concept(context.base, mention.kind)
            yield ox.Triple(context.action, mlg("typeOrganisationCitee"), designated)
        else:
            designated, triples = found
            yield ox.Triple(context.action, mlg("organisationCitee"), designated)
        yield from triples
        yield ox.Triple(reading, RDF_TYPE, mlg("Mention"))
        yield ox.Triple(reading, PROV_DERIVED, context.fiche)
        yield ox.Triple(reading, LABEL, _fr(f"Mention de « {mention.label} » dans : {mention.field}"))
        yield ox.Triple(reading, mlg("designe"), designated)
        yield ox.Triple(reading, mlg("champ"), ox.Literal(mention.field))
        yield ox.Triple(reading, PROV_VALUE, ox.Literal(mention.text))
        yield ox.Triple(reading, mlg("methode"), ox.Literal(mention.rule))


def enrichment_triples(fiche: Fiche, context: Context) -> Iterator[ox.Triple]:
    """Everything the build reads in a fiche's texts."""
    yield from place_triples(match_fiche(fiche), context)
    yield from mention_triples(mentions_of(fiche, _gazetteer()), context)
