"""Mapping fiche records to RDF triples under the project's ontology.

The fiche (a record, ``mlg:Fiche``) and the action it describes (``mlg:Action``) are two resources:
provenance hangs on the fiche, what the centre did on the action. No blank nodes are minted, so the
same records always give the same triples, byte for byte.

A partner kind the scheme marks as one organisation per département (``mlg:organisationDepartementale``)
also gives the action that organisation: ``organisation/{dép}/{kind}``, the same IRI for every action of
the département that declares the kind (its triples repeat from action to action; the sorted N-Triples
dump keeps each once).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

import pyoxigraph as ox

from .departements import Departement, find_departement
from .enrich import Context, enrichment_triples
from .export import Problem
from .iris import slug
from .record import DATASET_KEYS, LIST_FIELDS, Fiche, Source
from .vocabulary import RDF_TYPE, SCHEMES, Vocabulary, mlg

DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
IGEO = "http://rdf.insee.fr/def/geo#"
XSD = "http://www.w3.org/2001/XMLSchema#"
INSEE_DEPARTEMENT = "http://id.insee.fr/geo/departement/"

#: Free-text record fields -> the property that carries them (all @fr literals).
TEXT_PROPERTIES: dict[str, ox.NamedNode] = {
    "raison_fin": mlg("raisonFin"),
    "resume": ox.NamedNode(DCT + "abstract"),
    "precision_initiative": mlg("precisionInitiative"),
    "description_experience": mlg("descriptionExperience"),
    "description_generale": mlg("descriptionGenerale"),
    "ressources_financieres": mlg("ressourcesFinancieres"),
    "personnes_mobilisees": mlg("personnesMobilisees"),
    "resultat_territoire": mlg("resultatTerritoire"),
    "resultat_centre_social": mlg("resultatCentreSocial"),
    "resultat_habitants": mlg("resultatHabitants"),
    "limites": mlg("limites"),
    "perspectives": mlg("perspectives"),
}

TITLE = ox.NamedNode(DCT + "title")
LABEL = ox.NamedNode(RDFS + "label")


def _fr(text: str) -> ox.Literal:
    return ox.Literal(text, language="fr")


def content_digest(fiche: Fiche) -> str:
    """A digest of everything the fiche says (not where it was read, nor what a dataset noted about it:
    its IRI path, its withdrawal): equal digests, exact duplicates."""
    payload = {
        key: value for key, value in fiche.to_json().items() if key != "source" and key not in DATASET_KEYS
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def action_path(fiche: Fiche) -> str:
    """The path of a fiche's action under ``action/``: département, structure, title and year.

    Derived from the fiche's identity, not from its place in a file, so that adding or reordering
    fiches never renames the others.
    """
    departement = find_departement(fiche.departement or "")
    assert departement is not None, "only fiches with a known département are mapped"
    title = slug(fiche.titre or "") or "sans-titre"
    year = f"-{fiche.annee}" if fiche.annee is not None else ""
    return f"{departement.code.lower()}/{_name_slug(fiche.structure or '')}/{title}{year}"


def structure_path(fiche: Fiche) -> str:
    """The path of a fiche's structure under ``structure/``: département and name (its action path up to
    the title)."""
    departement = find_departement(fiche.departement or "")
    assert departement is not None, "only fiches with a known département are mapped"
    return f"{departement.code.lower()}/{_name_slug(fiche.structure or '')}"


@lru_cache(maxsize=1 << 16)
def _name_slug(name: str) -> str:
    """A structure name's slug (structures come back from fiche to fiche: computed once each)."""
    return slug(name) or "sans-nom"


@dataclass
class Spellings:
    """How often each spelling of one thing was met, so that its label is chosen from all fiches.

    A structure or a new concept spelled two ways ("Numérique", "numérique") gets one label, the most
    frequent spelling (ties: the first in alphabetical order), whatever order the fiches come in; the
    other spellings become alternative labels.
    """

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, key: str, text: str) -> None:
        self.counts.setdefault(key, Counter())[text] += 1

    def preferred(self, key: str, text: str) -> str:
        counts = self.counts.get(key)
        if not counts:
            return text
        return min(counts, key=lambda spelling: (-counts[spelling], spelling))

    def note(self, fiche: Fiche, vocabulary: Vocabulary) -> None:
        """Count the spellings of the fiche's structure and controlled values."""
        self.add(structure_path(fiche), fiche.structure or "")
        for key, value in controlled_values(fiche):
            self.add(vocabulary.concept_key(key, value), value)


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(day: str) -> str:
    """An ISO 8601 day as French words: "2026-11-25" -> "25 novembre 2026"."""
    year, month, date = day.split("-")
    return f"{int(date)} {MONTHS[int(month) - 1]} {year}"


def controlled_values(fiche: Fiche) -> Iterator[tuple[str, str]]:
    """(record key, value) for every controlled value of the fiche, without repeats."""
    for key in SCHEMES:
        raw = getattr(fiche, key)
        values = raw if key in LIST_FIELDS else (raw or "").split("\n")
        for value in dict.fromkeys(v for v in values if v):
            yield key, value


@dataclass
class Mapper:
    """Turns records into triples for one base IRI."""

    vocabulary: Vocabulary
    spellings: Spellings = field(default_factory=Spellings)
    #: Concepts minted for values no reviewed scheme holds: IRI -> (field, value, where first read).
    unreviewed: dict[str, tuple[str, str, Source]] = field(default_factory=dict)
    #: Readings of the texts a person should settle (ambiguous or weak places), in the order read.
    doubts: list[Problem] = field(default_factory=list)
    #: (record key, value) -> whether no reviewed scheme holds it (memo of :meth:`spelling_keys`).
    _unreviewed_values: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)
    #: Département as written -> its node and triples (memo of :meth:`departement`).
    _departements: dict[str, tuple[ox.NamedNode, list[ox.Triple]]] = field(default_factory=dict, repr=False)

    @property
    def base(self) -> str:
        return self.vocabulary.base_iri

    def source_document(self, file: str) -> ox.NamedNode:
        """An export file, named by its file name so that moving the file renames nothing."""
        name = PurePath(file).name
        return ox.NamedNode(f"{self.base}source/{slug(name) or 'export'}")

    def extract(self, fiche: Fiche, fiche_node: ox.NamedNode) -> Iterator[ox.Triple]:
        """Where the fiche was read: the file and line, as an RFC 5147 fragment of the file's IRI."""
        return self.source_extract(fiche.source, fiche_node)

    def source_extract(self, source: Source, fiche_node: ox.NamedNode) -> Iterator[ox.Triple]:
        """Where a fiche was read: the file and line, as an RFC 5147 fragment of the file's IRI.

        RFC 5147 counts positions between lines from 0, so 1-based line n is ``#line=n-1,n``.
        """
        document = self.source_document(source.file)
        extract = ox.NamedNode(f"{document.value}#line={source.line - 1},{source.line}")
        name = PurePath(source.file).name
        yield ox.Triple(fiche_node, mlg("extrait"), extract)
        yield ox.Triple(extract, RDF_TYPE, mlg("ExtraitSource"))
        yield ox.Triple(extract, ox.NamedNode(DCT + "isPartOf"), document)
        yield ox.Triple(
            extract,
            mlg("ligne"),
            ox.Literal(str(source.line), datatype=ox.NamedNode(XSD + "integer")),
        )
        yield ox.Triple(extract, LABEL, _fr(f"{name}, ligne {source.line}"))
        yield ox.Triple(document, RDF_TYPE, mlg("DocumentSource"))
        yield ox.Triple(document, TITLE, ox.Literal(name))

    def withdrawal(self, path: str, day: str) -> Iterator[ox.Triple]:
        """The marks of a fiche withdrawn on ``day`` (ISO 8601) from its source: kept, never deleted.

        The fiche (a ``prov:Entity``) ends its validity: ``prov:invalidatedAtTime``, as a day. The action
        is a ``prov:Activity``, which PROV-O declares disjoint from entities, so it does not take that
        property: it says so in words (``skos:editorialNote``), as the fiche does, for the pages; queries
        reach the date through its fiche (``foaf:isPrimaryTopicOf/prov:invalidatedAtTime``).
        """
        action = ox.NamedNode(f"{self.base}action/{path}")
        fiche_node = ox.NamedNode(f"{self.base}fiche/{path}")
        said = french_date(day)
        note = ox.NamedNode(SKOS + "editorialNote")
        yield ox.Triple(
            fiche_node,
            ox.NamedNode(PROV + "invalidatedAtTime"),
            ox.Literal(day, datatype=ox.NamedNode(XSD + "date")),
        )
        yield ox.Triple(
            fiche_node,
            note,
            _fr(
                f"Fiche retirée le {said} : elle ne figure plus dans l'export le plus récent de sa source. "
                "Elle reste publiée pour mémoire."
            ),
        )
        yield ox.Triple(
            action,
            note,
            _fr(
                f"Fiche retirée le {said} : l'action ne figure plus dans l'export le plus récent de sa "
                "source. Elle reste publiée pour mémoire."
            ),
        )

    def spelling_keys(self, fiche: Fiche) -> tuple[tuple[str, str], ...]:
        """The (spelling key, value as written) pairs whose chosen spelling the fiche's triples show.

        The structure's label, and the label of every concept minted for a value no scheme holds: a
        reviewed concept's labels come from its scheme, whatever the spellings counted.
        """
        keys = [(structure_path(fiche), fiche.structure or "")]
        memo = self._unreviewed_values
        for key, value in controlled_values(fiche):
            unreviewed = memo.get((key, value))
            if unreviewed is None:
                unreviewed = memo[(key, value)] = bool(self.vocabulary.concept(key, value)[1])
            if unreviewed:
                keys.append((self.vocabulary.concept_key(key, value), value))
        return tuple(keys)

    def spelling_choice(self, keys: Iterable[tuple[str, str]]) -> str:
        """The spellings chosen now for ``keys`` (see :meth:`spelling_keys`), as one string: a fiche
        mapped under another choice has other labels."""
        return "\x1f".join(self.spellings.preferred(key, value) for key, value in keys)

    def departement_node(self, dep: Departement) -> ox.NamedNode:
        """The IRI of a département, keyed by its INSEE code."""
        return ox.NamedNode(f"{self.base}territoire/departement/{dep.code.lower()}")

    def departement(self, text: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
        """The département as a place of the graph keyed by its INSEE code, linked to INSEE's IRI (made once
        per spelling: every fiche and every commune read asks for one)."""
        found = self._departements.get(text)
        if found is None:
            found = self._departements[text] = self._departement(text)
        return found

    def _departement(self, text: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
        dep = find_departement(text)
        assert dep is not None
        node = self.departement_node(dep)
        return node, [
            ox.Triple(node, RDF_TYPE, ox.NamedNode(IGEO + "Departement")),
            ox.Triple(node, RDF_TYPE, mlg("Territoire")),
            ox.Triple(node, LABEL, _fr(dep.nom)),
            ox.Triple(node, ox.NamedNode(IGEO + "nom"), _fr(dep.nom)),
            ox.Triple(
                node,
                ox.NamedNode(IGEO + "codeINSEE"),
                ox.Literal(dep.code, datatype=ox.NamedNode(XSD + "token")),
            ),
            ox.Triple(node, ox.NamedNode(SKOS + "closeMatch"), ox.NamedNode(INSEE_DEPARTEMENT + dep.code)),
        ]

    def triples(self, fiche: Fiche, path: str) -> Iterator[ox.Triple]:
        """Every triple of one fiche whose action lives at ``action/<path>``."""
        yield from self.content_triples(fiche, path)
        fiche_node = ox.NamedNode(f"{self.base}fiche/{path}")
        yield from self.source_extract(fiche.source, fiche_node)
        if fiche.retrait is not None:
            yield from self.withdrawal(path, fiche.retrait)

    def content_triples(self, fiche: Fiche, path: str) -> Iterator[ox.Triple]:
        """The triples of one fiche that follow from what it says and its path, not from where it was read
        (its source extract) nor from whether it was withdrawn: what a build may keep from one build to
        the next (with the spellings chosen, see :meth:`spelling_keys`)."""
        action = ox.NamedNode(f"{self.base}action/{path}")
        fiche_node = ox.NamedNode(f"{self.base}fiche/{path}")
        departement, departement_triples = self.departement(fiche.departement or "")
        structure = ox.NamedNode(f"{self.base}structure/{structure_path(fiche)}")
        name = fiche.structure or ""
        preferred = self.spellings.preferred(structure_path(fiche), name)
        title = fiche.titre or ""

        yield from departement_triples
        yield ox.Triple(structure, RDF_TYPE, mlg("Structure"))
        yield ox.Triple(structure, LABEL, _fr(preferred))
        if name != preferred:
            yield ox.Triple(structure, ox.NamedNode(SKOS + "altLabel"), _fr(name))
        yield ox.Triple(structure, mlg("departement"), departement)

        yield ox.Triple(action, RDF_TYPE, mlg("Action"))
        yield ox.Triple(action, TITLE, _fr(title))
        yield ox.Triple(action, LABEL, _fr(title))
        yield ox.Triple(action, mlg("structureOrganisatrice"), structure)
        yield ox.Triple(action, mlg("departement"), departement)
        yield ox.Triple(action, ox.NamedNode(FOAF + "isPrimaryTopicOf"), fiche_node)
        if fiche.annee is not None:
            yield ox.Triple(
                action, mlg("annee"), ox.Literal(str(fiche.annee), datatype=ox.NamedNode(XSD + "gYear"))
            )
        for key, prop in TEXT_PROPERTIES.items():
            text = getattr(fiche, key)
            if text:
                yield ox.Triple(action, prop, _fr(text))
        yield from self.concepts(fiche, action)
        yield from enrichment_triples(
            fiche,
            Context(
                self.base,
                action,
                fiche_node,
                structure,
                departement,
                lambda notation: self.organisation(
                    ox.NamedNode(f"{self.base}concept/types-partenaires/{notation}"), fiche.departement or ""
                ),
                self.departement,
                lambda message: self.doubts.append(Problem(fiche.source.file, fiche.source.line, message)),
            ),
        )

        yield ox.Triple(fiche_node, RDF_TYPE, mlg("Fiche"))
        yield ox.Triple(fiche_node, LABEL, _fr(f"Fiche-action « {title} »"))
        yield ox.Triple(fiche_node, ox.NamedNode(FOAF + "primaryTopic"), action)

    def concepts(self, fiche: Fiche, action: ox.NamedNode) -> Iterator[ox.Triple]:
        """Links from the action to the concepts its controlled values name (new ones minted).

        A declared partner kind that names one organisation per département also links the action to
        that organisation (``mlg:partenaire``), beside the kind link.
        """
        for key, value in controlled_values(fiche):
            preferred = self.spellings.preferred(self.vocabulary.concept_key(key, value), value)
            concept, minted = self.vocabulary.concept(key, value, preferred)
            if minted:
                self.unreviewed.setdefault(concept.value, (key, value, fiche.source))
            yield from minted
            yield ox.Triple(action, mlg(SCHEMES[key][2]), concept)
            if key == "statut":
                for status in self.vocabulary.exact_matches(concept):
                    yield ox.Triple(action, ox.NamedNode(SCHEMA + "actionStatus"), status)
            if key == "partenaires":
                found = self.organisation(concept, fiche.departement or "")
                if found is not None:
                    organisation, triples = found
                    yield from triples
                    yield ox.Triple(action, mlg("partenaire"), organisation)

    def organisation(
        self, kind: ox.NamedNode, departement: str
    ) -> tuple[ox.NamedNode, list[ox.Triple]] | None:
        """The organisation a partner kind names in a département, or None when the kind is generic.

        Only kinds the scheme marks ``mlg:organisationDepartementale`` name one (the Caf, the CPAM, the
        Conseil départemental…): ``organisation/{dép}/{kind notation}``, labelled with the scheme's
        ``mlg:libelleOrganisation`` and the département's name ("Caf (Haute-Garonne)").
        """
        kind_info = self.vocabulary.departmental_kind(kind)
        if kind_info is None:
            return None
        dep = find_departement(departement)
        assert dep is not None, "only fiches with a known département are mapped"
        node = ox.NamedNode(f"{self.base}organisation/{dep.code.lower()}/{kind_info.notation}")
        return node, [
            ox.Triple(node, RDF_TYPE, mlg("Partenaire")),
            ox.Triple(node, LABEL, _fr(f"{kind_info.label} ({dep.nom})")),
            ox.Triple(node, ox.NamedNode(ORG + "classification"), kind),
            ox.Triple(node, mlg("departement"), self.departement_node(dep)),
        ]
