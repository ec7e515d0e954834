"""Facts read from a fiche's texts, as triples: communes, cited organisations, budgets and head-counts.

What the form declares and what the build reads in its free text are kept apart: a commune found in a
structure's name is ``mlg:commune``, never a declared value; an organisation the text names is
``mlg:organisationCitee``, never ``mlg:partenaire`` or ``mlg:typePartenaire``. Every reading leaves a node
in the fiche's document (``fiche/…#commune-31157``, ``fiche/…#mention-sicoval``) saying from which field,
which words, by which rule and with what confidence it was read, so that a researcher can weigh it, and a
reading too weak to trust (confidence ``faible``) stays on that node only, without the direct link.

Amounts and head-counts are schema.org values in the action's document (``action/…#budget``,
``action/…#effectif-benevoles``): a ``schema:MonetaryAmount`` and ``schema:QuantitativeValue`` hold what
was read with confidence, and ``prov:value`` the words it was read from, while the whole text stays on
the action (``mlg:ressourcesFinancieres``, ``mlg:personnesMobilisees``). A value the text does not give
clearly is absent, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import pyoxigraph as ox

from .amounts import Budget, Count, Item, People, read_budget, read_people
from .iris import ONTOLOGY, slug
from .mentions import DEPARTEMENT, KIND, NATIONAL, Gazetteer, Mention, load_gazetteer, mentions_of
from .places import FAIBLE, FORTE, MOYENNE, Commune, FichePlaces, PlaceMatch, match_fiche
from .record import Fiche

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
IGEO = "http://rdf.insee.fr/def/geo#"
PROV_VALUE = ox.NamedNode("http://www.w3.org/ns/prov#value")
PROV_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
ORG_CLASSIFICATION = ox.NamedNode("http://www.w3.org/ns/org#classification")
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
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
    #: A département's node and its triples, from its INSEE code (a commune's may not be the fiche's).
    territory: Callable[[str], tuple[ox.NamedNode, list[ox.Triple]]]
    #: Where a doubtful reading is said, for a person to settle (the build's report).
    note: Callable[[str], None] = lambda message: None


# ---- Communes -------------------------------------------------------------------------------------------


def commune_triples(commune: Commune, context: Context) -> Iterator[ox.Triple]:
    """The commune as INSEE names it (its official IRI), with its name, code, département, population."""
    node = ox.NamedNode(commune.iri)
    departement, departement_triples = context.territory(commune.departement)
    yield from departement_triples
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


def place_doubts(places: FichePlaces) -> Iterator[str]:
    """What the build could not settle: names several communes bear, readings too weak to link."""
    for match in places.unresolved:
        some = ", ".join(f"{c.name} ({c.code})" for c in match.candidates[:4])
        more = f" and {len(match.candidates) - 4} more" if len(match.candidates) > 4 else ""
        yield (
            f"place {match.text!r} in {match.field} is the name of {len(match.candidates)} communes "
            f"({some}{more}): left unresolved; name the commune or its département in the fiche"
        )
    for match in (*places.structure, *places.territory):
        if match.commune is not None and match.confiance == FAIBLE:
            yield (
                f"commune {match.commune.name} ({match.commune.code}) read in {match.field} from "
                f"{match.text!r} ({match.source}) with low confidence: kept on the reading only"
            )


def place_triples(places: FichePlaces, context: Context) -> Iterator[ox.Triple]:
    """The structure's commune(s) and the communes of the action's territory, each with its reading."""
    for role, matches, about, link in (
        ("commune", places.structure, context.structure, "commune"),
        ("territoire", places.territory, context.action, "communeConcernee"),
    ):
        seen: set[str] = set()
        for match in matches:  # the most trusted reading of each commune first
            if match.commune is None or match.commune.code in seen:
                continue
            seen.add(match.commune.code)
            node = ox.NamedNode(f"{context.fiche.value}#{role}-{match.commune.code.lower()}")
            yield from _reading(node, match, about, link, context.fiche)
            yield from commune_triples(match.commune, context)
            if match.confiance != FAIBLE:
                yield ox.Triple(about, mlg(link), ox.NamedNode(match.commune.iri))
    for match in places.unresolved:  # a name several communes bear: the candidates, for a person to pick
        about, link = (
            (context.structure, "commune")
            if match.field == "structure"
            else (context.action, "communeConcernee")
        )
        node = ox.NamedNode(f"{context.fiche.value}#lieu-{slug(match.text)}-{match.start}")
        yield from _reading(node, match, about, link, context.fiche)
        for candidate in match.candidates:
            yield from commune_triples(candidate, context)


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


# ---- Budgets and head-counts ----------------------------------------------------------------------------

#: The reader's confidence, in the words mlg:confiance uses for every reading.
CONFIANCE = {"high": FORTE, "medium": MOYENNE}
#: People's kinds (attributes of amounts.People) -> (property suffix, fragment of the value's node).
PEOPLE_KINDS = {
    "professionals": ("Professionnels", "professionnels"),
    "volunteers": ("Benevoles", "benevoles"),
    "civic_service": ("ServiceCivique", "service-civique"),
    "contributors": ("Intervenants", "intervenants"),
    "partners": ("Partenaires", "partenaires"),
    "persons": ("Personnes", "personnes"),
}


#: How a page names each kind of people counted.
PEOPLE_LABELS = {
    "professionals": "Professionnels",
    "volunteers": "Bénévoles",
    "civic_service": "Volontaires en service civique",
    "contributors": "Intervenants",
    "partners": "Partenaires",
    "persons": "Personnes",
}


def _fr_number(value: Decimal | int) -> str:
    """French digits: "2\u00a0660,67" (a non-breaking space between thousands, a decimal comma)."""
    text = format(value, ",") if isinstance(value, int) else format(value, ",f")
    return text.replace(",", "\u00a0").replace(".", ",")


def _between(low: Decimal | int | None, high: Decimal | int | None, unit: str = "") -> str:
    if low is not None and high is not None:
        return f"entre {_fr_number(low)} et {_fr_number(high)}{unit}"
    if high is not None:
        return f"jusqu'à {_fr_number(high)}{unit}"
    return f"au moins {_fr_number(low)}{unit}" if low is not None else "non chiffré"


def budget_label(budget: Budget) -> str:
    """What a page shows for the budget: its total, its range, or how many lines it lists."""
    if budget.total is not None:
        about = "environ " if budget.approximate else ""
        per = f" par {budget.period}" if budget.period else ""
        return f"Budget : {about}{_fr_number(budget.total)}\u00a0€{per}"
    if budget.minimum is not None or budget.maximum is not None:
        return f"Budget : {_between(budget.minimum, budget.maximum, chr(0xA0) + '€')}"
    return f"Budget : {len(budget.items) + len(budget.funding)} ligne(s) chiffrée(s), sans total"


def count_label(kind: str, count: Count) -> str:
    """What a page shows for a head-count: "Bénévoles : 14", "Participants (jardiniers) : entre 12 et 15"."""
    number = _fr_number(count.value) if count.value is not None else _between(count.minimum, count.maximum)
    return f"{kind} : {'environ ' if count.approximate else ''}{number}"


def _decimal(value: Decimal) -> ox.Literal:
    return ox.Literal(format(value, "f"), datatype=ox.NamedNode(XSD + "decimal"))


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _true() -> ox.Literal:
    return ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))


def _euros(node: ox.NamedNode, amount: Decimal | None) -> Iterator[ox.Triple]:
    yield ox.Triple(node, RDF_TYPE, ox.NamedNode(SCHEMA + "MonetaryAmount"))
    yield ox.Triple(node, ox.NamedNode(SCHEMA + "currency"), ox.Literal("EUR"))
    if amount is not None:
        yield ox.Triple(node, ox.NamedNode(SCHEMA + "value"), _decimal(amount))


def _item_triples(budget: ox.NamedNode, prop: str, items: tuple[Item, ...]) -> Iterator[ox.Triple]:
    """Budget lines, numbered in the text's order (``#budget-poste-1``…)."""
    for number, item in enumerate(items, 1):
        node = ox.NamedNode(f"{budget.value}-{prop}-{number}")
        yield ox.Triple(budget, mlg(prop), node)
        yield from _euros(node, item.amount)
        yield ox.Triple(node, ox.NamedNode(SCHEMA + "name"), _fr(item.label))
        yield ox.Triple(node, mlg("ordre"), _integer(number))
        if item.per:
            yield ox.Triple(node, mlg("par"), _fr(item.per))
        if item.approximate:
            yield ox.Triple(node, mlg("approximatif"), _true())


def budget_triples(budget: Budget, context: Context) -> Iterator[ox.Triple]:
    """The budget read in "Ressources financières": total, range, lines, or zero with its reason."""
    if budget.raw is None or not (budget.confidence in CONFIANCE or budget.items or budget.funding):
        return
    node = ox.NamedNode(f"{context.action.value}#budget")
    yield ox.Triple(context.action, mlg("budget"), node)
    yield from _euros(node, budget.total)
    yield ox.Triple(node, LABEL, _fr(budget_label(budget)))
    yield ox.Triple(node, PROV_DERIVED, context.fiche)
    yield ox.Triple(node, PROV_VALUE, ox.Literal(budget.raw))
    for prop, value in (("minValue", budget.minimum), ("maxValue", budget.maximum)):
        if value is not None:
            yield ox.Triple(node, ox.NamedNode(SCHEMA + prop), _decimal(value))
    if budget.zero_reason:
        yield ox.Triple(node, mlg("raisonMontantNul"), _fr(budget.zero_reason))
    if budget.period:
        yield ox.Triple(node, mlg("par"), _fr(budget.period))
    if budget.approximate:
        yield ox.Triple(node, mlg("approximatif"), _true())
    if budget.confidence in CONFIANCE:
        yield ox.Triple(node, mlg("confiance"), ox.Literal(CONFIANCE[budget.confidence]))
    yield ox.Triple(node, mlg("methode"), ox.Literal(budget.how))
    yield from _item_triples(node, "poste", budget.items)
    yield from _item_triples(node, "financement", budget.funding)


def _count_triples(node: ox.NamedNode, count: Count, context: Context) -> Iterator[ox.Triple]:
    yield ox.Triple(node, RDF_TYPE, ox.NamedNode(SCHEMA + "QuantitativeValue"))
    yield ox.Triple(node, PROV_DERIVED, context.fiche)
    yield ox.Triple(node, PROV_VALUE, ox.Literal(count.text))
    for prop, value in (("value", count.value), ("minValue", count.minimum), ("maxValue", count.maximum)):
        if value is not None:
            yield ox.Triple(node, ox.NamedNode(SCHEMA + prop), _integer(value))
    if count.noun:
        yield ox.Triple(node, ox.NamedNode(SCHEMA + "unitText"), _fr(count.noun))
    if count.approximate:
        yield ox.Triple(node, mlg("approximatif"), _true())
    if count.occasional:
        yield ox.Triple(node, mlg("ponctuel"), _true())


def people_triples(people: People, context: Context) -> Iterator[ox.Triple]:
    """The head-counts read in "Nombre de personnes mobilisées", one value per kind of people."""
    for attribute, (suffix, fragment) in PEOPLE_KINDS.items():
        count: Count | None = getattr(people, attribute)
        if count is None:
            continue
        node = ox.NamedNode(f"{context.action.value}#effectif-{fragment}")
        yield ox.Triple(context.action, mlg("effectif" + suffix), node)
        yield ox.Triple(node, LABEL, _fr(count_label(PEOPLE_LABELS[attribute], count)))
        yield from _count_triples(node, count, context)
    for number, count in enumerate(people.participants, 1):
        node = ox.NamedNode(f"{context.action.value}#effectif-participants-{number}")
        yield ox.Triple(context.action, mlg("effectifParticipants"), node)
        yield ox.Triple(node, LABEL, _fr(count_label(f"Participants ({count.noun})", count)))
        yield from _count_triples(node, count, context)


def enrichment_triples(fiche: Fiche, context: Context) -> Iterator[ox.Triple]:
    """Everything the build reads in a fiche's texts."""
    places = match_fiche(fiche)
    for doubt in place_doubts(places):
        context.note(doubt)
    yield from place_triples(places, context)
    yield from mention_triples(mentions_of(fiche, _gazetteer()), context)
    yield from budget_triples(read_budget(fiche.ressources_financieres), context)
    yield from people_triples(read_people(fiche.personnes_mobilisees), context)
