"""Mapping fiche records to RDF triples under the project's ontology.

The fiche (a record, ``mlg:Fiche``) and the action it describes (``mlg:Action``) are two resources:
provenance hangs on the fiche, what the centre did on the action. No blank nodes are minted, so the
same records always give the same triples, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

import pyoxigraph as ox

from .departements import find_departement
from .iris import slug
from .record import LIST_FIELDS, Fiche
from .vocabulary import RDF_TYPE, SCHEMES, Vocabulary, mlg

DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
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
    """A digest of everything the fiche says (not where it was read): equal digests, exact duplicates."""
    payload = {key: value for key, value in fiche.to_json().items() if key != "source"}
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
    return f"{departement.code.lower()}/{slug(fiche.structure or '') or 'sans-nom'}/{title}{year}"


@dataclass
class Mapper:
    """Turns records into triples for one base IRI."""

    vocabulary: Vocabulary

    @property
    def base(self) -> str:
        return self.vocabulary.base_iri

    def source_document(self, file: str) -> ox.NamedNode:
        """An export file, named by its file name so that moving the file renames nothing."""
        name = PurePath(file).name
        return ox.NamedNode(f"{self.base}source/{slug(name) or 'export'}")

    def extract(self, fiche: Fiche, fiche_node: ox.NamedNode) -> Iterator[ox.Triple]:
        """Where the fiche was read: the file and line, as an RFC 5147 fragment of the file's IRI."""
        document = self.source_document(fiche.source.file)
        extract = ox.NamedNode(f"{document.value}#line={fiche.source.line}")
        name = PurePath(fiche.source.file).name
        yield ox.Triple(fiche_node, mlg("extrait"), extract)
        yield ox.Triple(extract, RDF_TYPE, mlg("ExtraitSource"))
        yield ox.Triple(extract, ox.NamedNode(DCT + "isPartOf"), document)
        yield ox.Triple(
            extract,
            mlg("ligne"),
            ox.Literal(str(fiche.source.line), datatype=ox.NamedNode(XSD + "positiveInteger")),
        )
        yield ox.Triple(extract, LABEL, _fr(f"{name}, ligne {fiche.source.line}"))
        yield ox.Triple(document, RDF_TYPE, mlg("DocumentSource"))
        yield ox.Triple(document, TITLE, ox.Literal(name))

    def departement(self, text: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
        """The département as a place of the graph keyed by its INSEE code, linked to INSEE's IRI."""
        dep = find_departement(text)
        assert dep is not None
        node = ox.NamedNode(f"{self.base}territoire/departement/{dep.code.lower()}")
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
        action = ox.NamedNode(f"{self.base}action/{path}")
        fiche_node = ox.NamedNode(f"{self.base}fiche/{path}")
        departement, departement_triples = self.departement(fiche.departement or "")
        structure = ox.NamedNode(f"{self.base}structure/{path.split('/')[0]}/{path.split('/')[1]}")
        title = fiche.titre or ""

        yield from departement_triples
        yield ox.Triple(structure, RDF_TYPE, mlg("Structure"))
        yield ox.Triple(structure, LABEL, _fr(fiche.structure or ""))
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

        yield ox.Triple(fiche_node, RDF_TYPE, mlg("Fiche"))
        yield ox.Triple(fiche_node, LABEL, _fr(f"Fiche-action « {title} »"))
        yield ox.Triple(fiche_node, ox.NamedNode(FOAF + "primaryTopic"), action)
        yield from self.extract(fiche, fiche_node)

    def concepts(self, fiche: Fiche, action: ox.NamedNode) -> Iterator[ox.Triple]:
        """Links from the action to the concepts its controlled values name (new ones minted)."""
        for key, (_, _, prop) in SCHEMES.items():
            raw = getattr(fiche, key)
            values = raw if key in LIST_FIELDS else (raw or "").split("\n")
            for value in dict.fromkeys(v for v in values if v):
                concept, minted = self.vocabulary.concept(key, value)
                yield from minted
                yield ox.Triple(action, mlg(prop), concept)
                if key == "statut":
                    for status in self.vocabulary.exact_matches(concept):
                        yield ox.Triple(action, ox.NamedNode(SCHEMA + "actionStatus"), status)
