"""The ontology and its concept schemes, loaded from ``ontology/`` for one base IRI.

The schemes are written with relative IRIs so that one Turtle file serves any publisher: loading them
against the data's base IRI gives the concepts their published IRIs. The mapping asks this module which
concept a raw value of the export names; a value no scheme holds yet becomes a new concept marked
``mlg:ConceptNonRevu``, never a dropped value. It also tells which partner kinds name one organisation per
département (``mlg:organisationDepartementale true`` in the scheme) and how that organisation is called
(``mlg:libelleOrganisation``): read from the scheme's triples, never listed in code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from maillage import ontology

from .aliases import spelling_key
from .iris import ONTOLOGY

SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
#: The labels a raw value is looked up by: the alias table of each scheme (hiddenLabel: misspellings).
ALIASES = (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel", SKOS + "notation")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

#: Record key -> (scheme slug, concept class local name, property local name).
SCHEMES: dict[str, tuple[str, str, str]] = {
    "dimensions": ("dimensions", "Dimension", "dimension"),
    "mots_cles": ("mots-cles", "Theme", "motCle"),
    "initiative": ("initiateurs", "Initiateur", "initiateur"),
    "territoire": ("echelles-territoriales", "EchelleTerritoriale", "echelleTerritoriale"),
    "public": ("publics", "Public", "public"),
    "partenaires": ("types-partenaires", "TypePartenaire", "typePartenaire"),
    "statut": ("statuts", "Statut", "statut"),
}


def mlg(name: str) -> ox.NamedNode:
    """A term of the project's ontology."""
    return ox.NamedNode(ONTOLOGY + name)


def _is_true(literal: ox.Literal) -> bool:
    """An xsd:boolean literal meaning true ("true" or "1")."""
    return literal.datatype.value == XSD_BOOLEAN and literal.value.strip() in ("true", "1")


@dataclass(frozen=True)
class DepartmentalKind:
    """A partner kind that names one organisation per département (the Caf, the Conseil départemental…).

    ``notation`` is the kind's ``skos:notation`` (the last segment of the organisation's IRI) and ``label``
    the short name of the organisation (``mlg:libelleOrganisation``), to which the département is appended.
    """

    notation: str
    label: str


@dataclass
class Vocabulary:
    """The ontology and the concept schemes as triples, with a lookup from raw values to concepts."""

    base_iri: str
    _index: dict[str, dict[str, ox.NamedNode]] = field(default_factory=dict, init=False)
    _exact: dict[ox.NamedNode, list[ox.NamedNode]] = field(default_factory=dict, init=False)
    _departmental: dict[ox.NamedNode, DepartmentalKind] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        marked: set[ox.NamedNode] = set()
        notations: dict[ox.NamedNode, str] = {}
        names: dict[ox.NamedNode, list[str]] = {}
        pref_labels: dict[ox.NamedNode, list[str]] = {}
        for triple in self.scheme_triples:
            subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
            if predicate == SKOS + "exactMatch" and isinstance(obj, ox.NamedNode):
                self._exact.setdefault(subject, []).append(obj)
            if isinstance(subject, ox.NamedNode) and isinstance(obj, ox.Literal):
                if predicate == ONTOLOGY + "organisationDepartementale" and _is_true(obj):
                    marked.add(subject)
                elif predicate == ONTOLOGY + "libelleOrganisation" and obj.language == "fr":
                    names.setdefault(subject, []).append(obj.value)
                elif predicate == SKOS + "notation":
                    notations.setdefault(subject, obj.value)
                elif predicate == SKOS + "prefLabel" and obj.language == "fr":
                    pref_labels.setdefault(subject, []).append(obj.value)
            if predicate in ALIASES and isinstance(obj, ox.Literal) and obj.language in (None, "fr"):
                self._index_alias(subject, obj.value)
        for kind in marked:
            notation = notations.get(kind) or kind.value.rstrip("/").rsplit("/", 1)[-1]
            label = min(names.get(kind) or pref_labels.get(kind) or [notation])
            self._departmental[kind] = DepartmentalKind(notation, label)

    def _index_alias(self, concept: ox.Term, spelling: str) -> None:
        """Make ``spelling`` find ``concept``; two concepts of a scheme sharing a key is an error of the
        table (the build could not tell which one a fiche means)."""
        scheme = self._scheme_of(concept)
        if scheme is None or not isinstance(concept, ox.NamedNode):
            return
        index = self._index.setdefault(scheme, {})
        key = spelling_key(spelling)
        if index.setdefault(key, concept) != concept:
            raise ValueError(
                f"ontology/concepts/{scheme}.ttl: the spelling {spelling!r} names both "
                f"<{index[key].value}> and <{concept.value}>"
            )

    def _scheme_of(self, concept: ox.Term) -> str | None:
        prefix = self.base_iri + "concept/"
        if isinstance(concept, ox.NamedNode) and concept.value.startswith(prefix):
            parts = concept.value[len(prefix) :].split("/")
            if len(parts) == 2:
                return parts[0]
        return None

    @cached_property
    def ontology_triples(self) -> list[ox.Triple]:
        """The OWL core (absolute IRIs, the same for every publisher)."""
        return [quad.triple for quad in ox.parse(path=ontology.ontology_file(), format=ox.RdfFormat.TURTLE)]

    @cached_property
    def scheme_triples(self) -> list[ox.Triple]:
        """The reviewed concept schemes, resolved against the base IRI."""
        return [
            quad.triple
            for path in ontology.concept_files()
            for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=self.base_iri)
        ]

    def concept_key(self, key: str, value: str) -> str:
        """What tells the concepts of a scheme apart: the value's spelling key in the scheme of ``key``."""
        return f"{SCHEMES[key][0]}/{spelling_key(value)}"

    def concept(
        self, key: str, value: str, preferred: str | None = None
    ) -> tuple[ox.NamedNode, list[ox.Triple]]:
        """The concept a raw value names in the scheme of record field ``key``.

        Returns the concept and, for a value no scheme holds, the triples that mint it as not reviewed,
        labelled with the ``preferred`` spelling (the value's other spellings become alternative labels).
        """
        scheme, concept_class, _ = SCHEMES[key]
        found = self._index.get(scheme, {}).get(spelling_key(value))
        if found is not None:
            return found, []
        # Named by the key, so that every spelling of the value, in any order of the fiches, mints one IRI.
        segment = spelling_key(value)[:80].strip("-")
        segment = segment or "valeur-" + hashlib.sha256(value.encode()).hexdigest()[:10]
        node = ox.NamedNode(f"{self.base_iri}concept/{scheme}/{segment}")
        label = preferred or value
        triples = [
            ox.Triple(node, RDF_TYPE, ox.NamedNode(SKOS + "Concept")),
            ox.Triple(node, RDF_TYPE, mlg(concept_class)),
            ox.Triple(node, RDF_TYPE, mlg("ConceptNonRevu")),
            ox.Triple(node, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(label, language="fr")),
            ox.Triple(node, ox.NamedNode(SKOS + "notation"), ox.Literal(segment)),
            ox.Triple(
                node, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode(f"{self.base_iri}concept/{scheme}")
            ),
        ]
        if value != label:
            triples.append(ox.Triple(node, ox.NamedNode(SKOS + "altLabel"), ox.Literal(value, language="fr")))
        return node, triples

    def departmental_kind(self, concept: ox.NamedNode) -> DepartmentalKind | None:
        """How a reviewed partner kind names its organisation in a département; None for other concepts.

        Only concepts of the reviewed schemes carrying ``mlg:organisationDepartementale true`` qualify: a
        generic kind (Commune, Association locale, Autre) or a value minted as not reviewed never does.
        """
        return self._departmental.get(concept)

    def exact_matches(self, concept: ox.NamedNode) -> list[ox.NamedNode]:
        """The external terms a reviewed concept is declared equal to (e.g. schema.org's statuses)."""
        return self._exact.get(concept, [])

    def triples(self) -> Iterator[ox.Triple]:
        """The ontology and the schemes, as the graph carries them beside the data."""
        yield from self.ontology_triples
        yield from self.scheme_triples
