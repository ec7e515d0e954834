"""The catalogue of SPARQL questions: every answer on the real seed, checked against a hand count.

The expectations below were counted by reading senacs-haute-garonne.txt (25 fiches, one per `Actions`
line; 25 distinct structures, all in Haute-Garonne; no listing table, so no years), never by copying a
query's output. For each fiche the lists are the "- value" lines under its label: "Mots clés associés à
l'action", "Dimension", "Public", "Qui est à l'initiative de l'action ?", "Territoire concerné" and, for
partner kinds, the lines after "Partenaires d'action:". Raw spellings are read as their concept's French
preferred label (ontology/concepts/*.ttl): "développement durable" -> "Développement durable",
"familles" -> "Familles", "Etat" -> "État", and so on.

Label order is code-point order (as SPARQL compares strings): capitals before lower case, "É" after "Z";
structure names and titles sort in lower case (LCASE), so that 'Centre Social " Maison…' (a quote sorts
before letters) comes before "CENTRE SOCIAL AZIMUT", and "Maison des…" before "MJC…".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from maillage.graph.build import build_dataset
from maillage.graph.catalogue import Question, catalogue, question
from maillage.graph.export import read_export
from maillage.graph.iris import slug
from maillage.graph.record import Fiche

DEFAULT_BASE = "https://w3id.org/maillage/"
OTHER_BASE = "https://data.example.org/x/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@dataclasses.dataclass(frozen=True)
class Iri:
    """An IRI of the data, as its path under the base IRI (so one expectation serves every base)."""

    path: str


# The concepts' paths under the base IRI, read off ontology/concepts/*.ttl (notation = last segment).
MOTS_CLES = {
    "Solidarité": "solidarite",
    "Démocratie & citoyenneté": "democratie-et-citoyennete",
    "Développement durable": "developpement-durable",
    "Environnement": "environnement",
    "Parentalité": "parentalite",
    "Intergénérationnel": "intergenerationnel",
    "Santé": "sante",
    "Alphabétisation & apprentissage du français": "alphabetisation-et-apprentissage-du-francais",
    "Mixité sociale": "mixite-sociale",
    "Intégration": "integration",
    "Culture": "culture",
    "Vacances / loisirs": "vacances-loisirs",
    "Discriminations": "discriminations",
    "Éducation / scolarité": "education-scolarite",
}
PARTENAIRES = {
    "Caf": "caf",
    "MSA": "msa",
    "CARSAT": "carsat",
    "CPAM": "cpam",
    "Commune": "commune",
    "Conseil départemental": "conseil-departemental",
    "État": "etat",
    "Association locale": "association-locale",
    "Association nationale": "association-nationale",
    "Regroupement de communes": "regroupement-de-communes",
    "Autre": "autre",
}
DIMENSIONS = {
    "Citoyenneté": "citoyennete",
    "Services": "services",
    "Accompagnement de projets": "accompagnement-de-projets",
}
PUBLICS = {
    "Tous publics": "tous-publics",
    "Familles": "familles",
    "Adultes": "adultes",
    "Seniors": "seniors",
    "Petite enfance": "petite-enfance",
}
STATUTS = {"En cours": "en-cours", "Terminée": "terminee"}
ECHELLES = {
    "Une commune": "une-commune",
    "Plusieurs communes": "plusieurs-communes",
    "Un quartier": "un-quartier",
    "Plusieurs quartiers": "plusieurs-quartiers",
}


def concept(scheme: str, paths: dict[str, str]) -> Callable[[str], tuple[Iri, str]]:
    """A table column holding a concept's French label: expands to (concept IRI, label)."""
    return lambda label: (Iri(f"concept/{scheme}/{paths[label]}"), label)


motcle = concept("mots-cles", MOTS_CLES)
partenaire = concept("types-partenaires", PARTENAIRES)
dimension = concept("dimensions", DIMENSIONS)
public = concept("publics", PUBLICS)
statut = concept("statuts", STATUTS)
echelle = concept("echelles-territoriales", ECHELLES)


def structure(name: str) -> tuple[Iri, str]:
    """A structure column: (structure IRI, its name), the IRI per the README's scheme."""
    return Iri(f"structure/31/{slug(name)}"), name


def number(text: str) -> tuple[int]:
    return (int(text),)


def text(value: str) -> tuple[str]:
    return (value,)


def table(rows: str, *columns: Callable[[str], tuple]) -> list[tuple]:
    """Rows written one a line, cells separated by ' | ', each cell expanded by its column's function."""
    out = []
    for line in rows.strip().splitlines():
        cells = [cell.strip() for cell in line.split(" | ")]
        assert len(cells) == len(columns), line
        out.append(
            tuple(value for cell, column in zip(cells, columns, strict=True) for value in column(cell))
        )
    return out


def action_row(name: str, title: str, *rest: str) -> tuple:
    """A listing row: action IRI, title, structure IRI, structure name, département, then ``rest``."""
    return (Iri(f"action/31/{slug(name)}/{slug(title)}"), title, *structure(name), "Haute-Garonne", *rest)


EXPECTED: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}

# Per keyword, the fiches whose "Mots clés" list it. Intergénérationnel: Mon ado, Ta spécialité, Baraque à
# fripes, Café des Carnassiers, Atelier théâtre, Tisser du lien, Stage de danse, Loto solidaire (8).
# Parentalité: One Women show, Mon ado, Coin Accueil Familles, Baraque à fripes, Atelier théâtre, Stage
# de danse, Marmothèque, Fête en Plein Air (8). Solidarité: Gratuiterie, Jardin collectif, Ta spécialité,
# Baraque à fripes, Graines de solidarités, Tisser du lien, Loto solidaire, Journées santé (8).
# Mixité sociale: Jardin, Carnassiers, Loto, Marmothèque, Espace-jeu, Bulle du dimanche, Fête (7).
# Démocratie & citoyenneté: Gratuiterie, agir sur nos déchets, Citoyenneté et valeurs, Estime de soi,
# Graines, Olympiades (6). Culture: Vendredi c'est Permis, Ta spécialité, Tisser du lien, P'Aus Café (4).
# Développement durable: Gratuiterie, agir sur nos déchets, Jardin, Graines (4). Intégration: Citoyenneté
# et valeurs, Marmothèque, Bulle (3). Vacances / loisirs: Atelier théâtre, Stage de danse, P'Aus Café (3).
# Alphabétisation: Ateliers de conversation, Citoyenneté et valeurs (2). Discriminations: Journées santé,
# Bulle (2). Environnement: agir sur nos déchets, Carnassiers (2). Santé: Mon ado, Journées santé (2).
# Éducation / scolarité: P'Aus Café (1).
EXPECTED["actions-par-mot-cle"] = (
    ("motCle", "libelle", "actions"),
    table(
        """
        Intergénérationnel | 8
        Parentalité | 8
        Solidarité | 8
        Mixité sociale | 7
        Démocratie & citoyenneté | 6
        Culture | 4
        Développement durable | 4
        Intégration | 3
        Vacances / loisirs | 3
        Alphabétisation & apprentissage du français | 2
        Discriminations | 2
        Environnement | 2
        Santé | 2
        Éducation / scolarité | 1
        """,
        motcle,
        number,
    ),
)

# Every unordered pair of keywords of each fiche, summed over the 25 fiches. The 4s: Intergénérationnel +
# Parentalité (Mon ado, Baraque à fripes, Atelier théâtre, Stage de danse) and Intergénérationnel +
# Solidarité (Ta spécialité, Baraque à fripes, Tisser du lien, Loto solidaire). The 3s: Démocratie +
# Développement durable (Gratuiterie, agir sur nos déchets, Graines) and Développement durable +
# Solidarité (Gratuiterie, Jardin, Graines). Fiches with one keyword (One Women show, Ateliers de
# conversation, Vendredi, Coin Accueil, Estime de soi, Olympiades) make no pair.
EXPECTED["mots-cles-associes"] = (
    ("motCleA", "libelleA", "motCleB", "libelleB", "actions"),
    table(
        """
        Intergénérationnel | Parentalité | 4
        Intergénérationnel | Solidarité | 4
        Démocratie & citoyenneté | Développement durable | 3
        Développement durable | Solidarité | 3
        Culture | Intergénérationnel | 2
        Culture | Solidarité | 2
        Démocratie & citoyenneté | Solidarité | 2
        Intergénérationnel | Mixité sociale | 2
        Intergénérationnel | Vacances / loisirs | 2
        Intégration | Mixité sociale | 2
        Mixité sociale | Parentalité | 2
        Mixité sociale | Solidarité | 2
        Parentalité | Vacances / loisirs | 2
        Alphabétisation & apprentissage du français | Démocratie & citoyenneté | 1
        Alphabétisation & apprentissage du français | Intégration | 1
        Culture | Vacances / loisirs | 1
        Culture | Éducation / scolarité | 1
        Discriminations | Intégration | 1
        Discriminations | Mixité sociale | 1
        Discriminations | Santé | 1
        Discriminations | Solidarité | 1
        Démocratie & citoyenneté | Environnement | 1
        Démocratie & citoyenneté | Intégration | 1
        Développement durable | Environnement | 1
        Développement durable | Mixité sociale | 1
        Environnement | Intergénérationnel | 1
        Environnement | Mixité sociale | 1
        Intergénérationnel | Santé | 1
        Intégration | Parentalité | 1
        Parentalité | Santé | 1
        Parentalité | Solidarité | 1
        Santé | Solidarité | 1
        Vacances / loisirs | Éducation / scolarité | 1
        """,
        motcle,
        motcle,
        number,
    ),
)

# Dimension × keyword per fiche; three fiches have an empty "Dimension" (Jardin collectif, Ta spécialité,
# Coin Accueil Familles) and drop out. Citoyenneté × Intergénérationnel: Baraque, Carnassiers, Atelier
# théâtre, Tisser du lien, Stage de danse, Loto (6); Citoyenneté × Mixité sociale: Carnassiers, Loto,
# Marmothèque, Espace-jeu, Bulle, Fête (6); Services fiches: One Women show, Mon ado, Journées santé.
EXPECTED["actions-par-dimension-et-mot-cle"] = (
    ("dimension", "libelleDimension", "motCle", "libelleMotCle", "actions"),
    table(
        """
        Citoyenneté | Intergénérationnel | 6
        Citoyenneté | Mixité sociale | 6
        Citoyenneté | Parentalité | 5
        Citoyenneté | Solidarité | 4
        Accompagnement de projets | Démocratie & citoyenneté | 3
        Citoyenneté | Culture | 3
        Citoyenneté | Démocratie & citoyenneté | 3
        Citoyenneté | Intégration | 3
        Citoyenneté | Vacances / loisirs | 3
        Accompagnement de projets | Développement durable | 2
        Citoyenneté | Alphabétisation & apprentissage du français | 2
        Services | Parentalité | 2
        Services | Santé | 2
        Accompagnement de projets | Environnement | 1
        Accompagnement de projets | Solidarité | 1
        Citoyenneté | Discriminations | 1
        Citoyenneté | Développement durable | 1
        Citoyenneté | Environnement | 1
        Citoyenneté | Éducation / scolarité | 1
        Services | Discriminations | 1
        Services | Intergénérationnel | 1
        Services | Solidarité | 1
        """,
        dimension,
        motcle,
        number,
    ),
)

# Partner kinds: the lines after "Partenaires d'action:". Association locale: Mon ado, Carnassiers,
# Atelier théâtre, Journées santé, Espace-jeu, Bulle (6). Autre: Gratuiterie, Olympiades, Loto, Journées
# santé, Bulle (5). Caf: Jardin collectif, Vendredi c'est Permis, Coin Accueil Familles, Baraque à fripes,
# Marmothèque (5). Commune: One Women show, Jardin, Loto, Journées santé (4). MSA: Mon ado, Baraque,
# P'Aus Café (3). CARSAT: Estime de soi, Tisser du lien (2). Conseil départemental: Graines, Journées
# santé (2). One each: Association nationale (Carnassiers), CPAM (Journées santé), Regroupement de
# communes (agir sur nos déchets), État ("Etat", Citoyenneté et valeurs). Four fiches list none
# (Ateliers de conversation, Ta spécialité, Stage de danse, Fête en Plein Air).
EXPECTED["types-de-partenaires"] = (
    ("typePartenaire", "libelle", "actions"),
    table(
        """
        Association locale | 6
        Autre | 5
        Caf | 5
        Commune | 4
        MSA | 3
        CARSAT | 2
        Conseil départemental | 2
        Association nationale | 1
        CPAM | 1
        Regroupement de communes | 1
        État | 1
        """,
        partenaire,
        number,
    ),
)

# Pairs of partner kinds on one fiche. Only 7 fiches list two or more: Mon ado (Association locale, MSA),
# Jardin (Caf, Commune), Baraque (Caf, MSA), Carnassiers (Association locale, Association nationale),
# Loto (Commune, Autre), Bulle (Association locale, Autre) and Journées santé (Association locale,
# Commune, Conseil départemental, CPAM, Autre: 10 pairs). Hence Association locale–Autre = Bulle +
# Journées santé (2) and Autre–Commune = Loto + Journées santé (2); every other pair is 1.
EXPECTED["paires-de-types-de-partenaires"] = (
    ("typeA", "libelleA", "typeB", "libelleB", "actions"),
    table(
        """
        Association locale | Autre | 2
        Autre | Commune | 2
        Association locale | Association nationale | 1
        Association locale | CPAM | 1
        Association locale | Commune | 1
        Association locale | Conseil départemental | 1
        Association locale | MSA | 1
        Autre | CPAM | 1
        Autre | Conseil départemental | 1
        CPAM | Commune | 1
        CPAM | Conseil départemental | 1
        Caf | Commune | 1
        Caf | MSA | 1
        Commune | Conseil départemental | 1
        """,
        partenaire,
        partenaire,
        number,
    ),
)

# Partner kind × keyword per fiche. The 3s: Association locale × Intergénérationnel (Mon ado,
# Carnassiers, Atelier théâtre), Association locale × Mixité sociale (Carnassiers, Espace-jeu, Bulle),
# Autre × Solidarité (Gratuiterie, Loto, Journées santé), Caf × Parentalité (Coin Accueil, Baraque,
# Marmothèque), Commune × Solidarité (Jardin, Loto, Journées santé).
EXPECTED["types-de-partenaires-par-mot-cle"] = (
    ("typePartenaire", "libelleTypePartenaire", "motCle", "libelleMotCle", "actions"),
    table(
        """
        Association locale | Intergénérationnel | 3
        Association locale | Mixité sociale | 3
        Autre | Solidarité | 3
        Caf | Parentalité | 3
        Commune | Solidarité | 3
        Association locale | Discriminations | 2
        Association locale | Parentalité | 2
        Association locale | Santé | 2
        Autre | Discriminations | 2
        Autre | Démocratie & citoyenneté | 2
        Autre | Mixité sociale | 2
        Caf | Mixité sociale | 2
        Caf | Solidarité | 2
        Commune | Mixité sociale | 2
        Conseil départemental | Solidarité | 2
        MSA | Intergénérationnel | 2
        MSA | Parentalité | 2
        Association locale | Environnement | 1
        Association locale | Intégration | 1
        Association locale | Solidarité | 1
        Association locale | Vacances / loisirs | 1
        Association nationale | Environnement | 1
        Association nationale | Intergénérationnel | 1
        Association nationale | Mixité sociale | 1
        Autre | Développement durable | 1
        Autre | Intergénérationnel | 1
        Autre | Intégration | 1
        Autre | Santé | 1
        CARSAT | Culture | 1
        CARSAT | Démocratie & citoyenneté | 1
        CARSAT | Intergénérationnel | 1
        CARSAT | Solidarité | 1
        CPAM | Discriminations | 1
        CPAM | Santé | 1
        CPAM | Solidarité | 1
        Caf | Culture | 1
        Caf | Développement durable | 1
        Caf | Intergénérationnel | 1
        Caf | Intégration | 1
        Commune | Discriminations | 1
        Commune | Développement durable | 1
        Commune | Intergénérationnel | 1
        Commune | Parentalité | 1
        Commune | Santé | 1
        Conseil départemental | Discriminations | 1
        Conseil départemental | Démocratie & citoyenneté | 1
        Conseil départemental | Développement durable | 1
        Conseil départemental | Santé | 1
        MSA | Culture | 1
        MSA | Santé | 1
        MSA | Solidarité | 1
        MSA | Vacances / loisirs | 1
        MSA | Éducation / scolarité | 1
        Regroupement de communes | Démocratie & citoyenneté | 1
        Regroupement de communes | Développement durable | 1
        Regroupement de communes | Environnement | 1
        État | Alphabétisation & apprentissage du français | 1
        État | Démocratie & citoyenneté | 1
        État | Intégration | 1
        """,
        partenaire,
        motcle,
        number,
    ),
)

# Each of the 25 structures has exactly one fiche. The 21 whose fiche lists partner kinds, with how many:
# CENTRE SOCIAL ESPOIR (Journées santé) 5, the six two-kind fiches listed above 2, the rest 1. The four
# structures of the fiches without partners (IZARDS-BORDEROUGE, COLOMIERS SAINT EXUPERY, ESCALQUENS,
# COLOMIERS EN JACCA) are absent. Names are the export's, before the last " - ".
EXPECTED["structures-par-types-de-partenaires"] = (
    ("structure", "nom", "nomDepartement", "nombre", "actions"),
    table(
        """
        CENTRE SOCIAL ESPOIR | Haute-Garonne | 5 | 1
        Centre Social " Maison Monique Culié" | Haute-Garonne | 2 | 1
        CENTRE SOCIAL POLYGONE - ASSQOT | Haute-Garonne | 2 | 1
        L'ESPACE DES POSSIBLES | Haute-Garonne | 2 | 1
        LA CAFETIERE | Haute-Garonne | 2 | 1
        LABO BINETTE | Haute-Garonne | 2 | 1
        LE CAFE DES MINOTIERS | Haute-Garonne | 2 | 1
        CENTRE SOCIAL AZIMUT | Haute-Garonne | 1 | 1
        CENTRE SOCIAL ESPACE POUR TOUS | Haute-Garonne | 1 | 1
        CENTRE SOCIAL GRAND SELVE ESPACE CHIOMENTO | Haute-Garonne | 1 | 1
        CENTRE SOCIAL LES CEVENNES-PADERNE | Haute-Garonne | 1 | 1
        Espace de Vie Sociale des Arènes Romaines | Haute-Garonne | 1 | 1
        LA PASSERELLE NEGRENEYS | Haute-Garonne | 1 | 1
        LE P'AUS CAFE | Haute-Garonne | 1 | 1
        LE TRIPORTEUR D'IDEES | Haute-Garonne | 1 | 1
        MAISON DE QUARTIER DU CYPRIE | Haute-Garonne | 1 | 1
        MAISON DE QUARTIER QUEFETS | Haute-Garonne | 1 | 1
        Maison des Habitants de La Salvetat Saint Gilles - Fontenilles | Haute-Garonne | 1 | 1
        Maison des Habitants de Lèguevin | Haute-Garonne | 1 | 1
        MJC JACQUES PREVERT | Haute-Garonne | 1 | 1
        SOUS LES TILLEULS | Haute-Garonne | 1 | 1
        """,
        structure,
        text,
        number,
        number,
    ),
)

# The five fiches listing "Caf" (above); of them, Parentalité is a keyword of Coin Accueil Familles,
# Baraque à fripes and Marmothèque (not of Jardin collectif nor Le Vendredi c'est Permis).
EXPECTED["actions-caf-parentalite"] = (
    ("action", "titre", "structure", "nomStructure", "nomDepartement"),
    [
        action_row('Centre Social " Maison Monique Culié"', "Baraque à fripes"),
        action_row("Espace de Vie Sociale des Arènes Romaines", "Marmothèque"),
        action_row("MAISON DE QUARTIER DU CYPRIE", "Coin Accueil Familles : Bibliothèque Parentalité"),
    ],
)

# "Qui est à l'initiative" lists "Un groupe d'habitants" in 7 fiches (agir sur nos déchets, Jardin,
# Baraque, Tisser du lien, Olympiades, Loto, Espace-jeu; three of them beside "Le centre social") and
# "Un habitant" in one (Stage de danse); no fiche has both.
EXPECTED["actions-initiees-par-des-habitants"] = (
    ("action", "titre", "structure", "nomStructure", "nomDepartement", "initiative"),
    [
        action_row('Centre Social " Maison Monique Culié"', "Baraque à fripes", "Un groupe d'habitants"),
        action_row("CENTRE SOCIAL ESCALQUENS", "Stage de danse latines parents-enfants", "Un habitant"),
        action_row(
            "CENTRE SOCIAL ESPACE POUR TOUS",
            "Espace - jeu / rencontre pour les parents accompagnés de leurs enfants âgés de 0 à 3 ans",
            "Un groupe d'habitants",
        ),
        action_row("CENTRE SOCIAL POLYGONE - ASSQOT", "Loto solidaire", "Un groupe d'habitants"),
        action_row(
            "LA PASSERELLE NEGRENEYS",
            "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles",
            "Un groupe d'habitants",
        ),
        action_row("LABO BINETTE", "Jardin collectif", "Un groupe d'habitants"),
        action_row(
            "LE TRIPORTEUR D'IDEES",
            "agir sur nos déchets : composteur coopératif de quartier :",
            "Un groupe d'habitants",
        ),
        action_row("MJC JACQUES PREVERT", "Les Olympiades de PATABOR", "Un groupe d'habitants"),
    ],
)

# Every fiche has one public and one status (17 "En cours", 8 "Terminée"). Terminée: One Women show,
# Vendredi, Ta spécialité, Graines, Atelier théâtre, Olympiades, Stage de danse, Fête; of them "familles":
# One Women show, Atelier théâtre, Olympiades, Stage de danse (4); "Adultes": Graines (1); the other three
# "Tous publics". En cours "familles": Coin Accueil (1); Adultes: Jardin, Estime de soi; Seniors: Tisser
# du lien, Loto; Petite enfance: Marmothèque, Espace-jeu; the other 10 "Tous publics".
EXPECTED["actions-par-public-et-statut"] = (
    ("public", "libellePublic", "statut", "libelleStatut", "actions"),
    table(
        """
        Tous publics | En cours | 10
        Familles | Terminée | 4
        Tous publics | Terminée | 3
        Adultes | En cours | 2
        Petite enfance | En cours | 2
        Seniors | En cours | 2
        Adultes | Terminée | 1
        Familles | En cours | 1
        """,
        public,
        statut,
        number,
    ),
)

# "Territoire concerné" (its two occurrences agree in every fiche): Une commune 11, Plusieurs communes
# 6 (Gratuiterie, Mon ado, Citoyenneté et valeurs, Vendredi, Baraque, Carnassiers), Un quartier 6
# (Ta spécialité, Tisser du lien, Olympiades, Journées santé, Marmothèque, Fête), Plusieurs quartiers 2
# (Ateliers de conversation, Loto).
EXPECTED["actions-par-echelle-territoriale"] = (
    ("echelle", "libelle", "actions"),
    table(
        """
        Une commune | 11
        Plusieurs communes | 6
        Un quartier | 6
        Plusieurs quartiers | 2
        """,
        echelle,
        number,
    ),
)

# Every "Structure organisatrice" line ends in " - Haute-Garonne"; the 25 structure names all differ.
EXPECTED["actions-par-departement"] = (
    ("departement", "nom", "code", "actions", "structures"),
    [(Iri("territoire/departement/31"), "Haute-Garonne", "31", 25, 25)],
)

# The seed has no listing table ("Nom | Département | Année"), so no action has a year.
EXPECTED["actions-par-annee"] = (("annee", "actions", "structures"), [])

# The 19 fiches with text under "Ressources financières mobilisées pour cette action" (lines joined with
# a line break); empty in agir sur nos déchets, Jardin, Olympiades, Loto, Espace-jeu, Bulle.
EXPECTED["ressources-financieres-declarees"] = (
    ("action", "titre", "structure", "nomStructure", "nomDepartement", "ressources"),
    [
        action_row(
            'Centre Social " Maison Monique Culié"',
            "Baraque à fripes",
            "achats de portants : 450€\n"
            "nourriture pour les bénévoles : repas convivialité : 100€ environ par évènement",
        ),
        action_row(
            "CENTRE SOCIAL AZIMUT",
            "Citoyenneté et valeurs de la République",
            "Dépenses : rémunération du personnel 2660.67€\nRecettes : Politique de la ville 1000€\n"
            "CIAS 1660.67€",
        ),
        action_row(
            "CENTRE SOCIAL DE COLOMIERS EN JACCA", '"Fête en Plein Air : Jeux, Repas et Loto"', "500€"
        ),
        action_row(
            "CENTRE SOCIAL DE COLOMIERS SAINT EXUPERY",
            '"Ta spécialité presque parfait"',
            "Aucun budget n'a était nécessaire",
        ),
        action_row(
            "CENTRE SOCIAL ESCALQUENS",
            "Stage de danse latines parents-enfants",
            "Pas de dépenses spécifiques engagées. Utilisation d'une salle communale et du matériel du "
            "centre social.",
        ),
        action_row("CENTRE SOCIAL ESPOIR", "Journées santé", "selon les années entre 500 et 4000€"),
        action_row(
            "CENTRE SOCIAL GRAND SELVE ESPACE CHIOMENTO",
            "RENFORCER L'ESTIME DE SOI",
            "le cout global du projet est de 11000 euros",
        ),
        action_row("CENTRE SOCIAL LES CEVENNES-PADERNE", "Graines de solidarités", "200€"),
        action_row(
            "CENTRE SOCIAL LES IZARDS-BORDEROUGE",
            "Ateliers de conversation en Français",
            "du temps de la référente dédié à cette action et à la coordination des bénévoles",
        ),
        action_row(
            "Espace de Vie Sociale des Arènes Romaines",
            "Marmothèque",
            "temps de travail d'une salariée, comprenant l'installation, l'animation/accueil, le rangement. "
            "Entre 2 et 3 h de réunion de préparation par an avec les partenaires.",
        ),
        action_row(
            "L'ESPACE DES POSSIBLES", "Mon ado, mon ami.e, mon corps, sa santé, sa sexualité", "6000€"
        ),
        action_row(
            "LA PASSERELLE NEGRENEYS",
            "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles",
            "2300 euros => RH\n1000 euros => Sorties\n500 euros => Matériel\n200 euros => Collations",
        ),
        action_row("LE CAFE DES MINOTIERS", "Café des Carnassiers - Ateliers techniques de pêche", "600€"),
        action_row("LE P'AUS CAFE", "P'Aus Café", "Budget de 60000€ en 2024 avec 2 salariés"),
        action_row(
            "MAISON DE QUARTIER DU CYPRIE",
            "Coin Accueil Familles : Bibliothèque Parentalité",
            "200€ pour le renouvellement des livres.",
        ),
        action_row(
            "MAISON DE QUARTIER QUEFETS",
            "ATELIER DECOUVERTE DU THEÂTRE",
            "Intervention gratuite de la professionnelle de l'association en contrepartie de la mise à "
            "disposition d'une salle pour son activité toute l'année. 10euros de budget pour le goûter.",
        ),
        action_row(
            "Maison des Habitants de La Salvetat Saint Gilles - Fontenilles",
            'One Women show "Parentalité"',
            "1500€",
        ),
        action_row("Maison des Habitants de Lèguevin", "GRATUITERIE", "frais de personnel"),
        action_row(
            "SOUS LES TILLEULS",
            "Le Vendredi c'est Permis !",
            "Pas de budget défini. Participation à prix libre des usagers.",
        ),
    ],
)

def euros(cell: str) -> tuple[str | None]:
    """An xsd:decimal cell as the store writes it ("2660.67", "60000"); "-" when unbound."""
    return (None if cell == "-" else cell,)


# Budgets of the hand-checked table of tests/graph/test_amounts.py (SEED_TABLE): 1500 One Women show, 6000
# Mon ado, 2660.67 Citoyenneté, 0 Ta spécialité, 200 Coin Accueil, 11000 Estime de soi, 600 Carnassiers,
# 200 Graines, 10 Atelier théâtre, 4000 Tisser du lien, 0 Stage de danse, 60000 P'Aus Café, 500 Fête; the
# other 12 have none (no amount, a range, a rate). Joined with the keywords listed above: Culture =
# Vendredi (none), Ta spécialité 0, Tisser 4000, P'Aus 60000; Vacances / loisirs = théâtre 10, Stage 0,
# P'Aus 60000; Démocratie = Citoyenneté 2660.67 + Estime 11000 + Graines 200 (Gratuiterie, agir,
# Olympiades none); Intergénérationnel = Mon ado 6000, Ta spécialité 0, Carnassiers 600, théâtre 10,
# Tisser 4000, Stage 0 (Baraque, Loto none); Parentalité = One Women 1500, Mon ado 6000, Coin 200,
# théâtre 10, Stage 0, Fête 500; Solidarité = Ta spécialité 0, Graines 200, Tisser 4000; Mixité sociale
# = Carnassiers 600, Fête 500; Discriminations = Journées santé (a range) and Bulle (nothing): no amount.
EXPECTED["budget-declare-par-mot-cle"] = (
    ("motCle", "libelle", "actions", "actionsAvecBudget", "budgetTotal", "budgetMin", "budgetMax"),
    table(
        """
        Culture | 4 | 3 | 64000 | 0 | 60000
        Vacances / loisirs | 3 | 3 | 60010 | 0 | 60000
        Éducation / scolarité | 1 | 1 | 60000 | 60000 | 60000
        Démocratie & citoyenneté | 6 | 3 | 13860.67 | 200 | 11000
        Intergénérationnel | 8 | 6 | 10610 | 0 | 6000
        Parentalité | 8 | 6 | 8210 | 0 | 6000
        Santé | 2 | 1 | 6000 | 6000 | 6000
        Solidarité | 8 | 3 | 4200 | 0 | 4000
        Alphabétisation & apprentissage du français | 2 | 1 | 2660.67 | 2660.67 | 2660.67
        Intégration | 3 | 1 | 2660.67 | 2660.67 | 2660.67
        Mixité sociale | 7 | 2 | 1100 | 500 | 600
        Environnement | 2 | 1 | 600 | 600 | 600
        Développement durable | 4 | 1 | 200 | 200 | 200
        Discriminations | 2 | 0 | - | - | -
        """,
        motcle,
        number,
        number,
        euros,
        euros,
        euros,
    ),
)

# Volunteers of the same table: 23 Gratuiterie, 30 Mon ado, 8 Ateliers de conversation, 14 Vendredi, 1
# Carnassiers, 8 Graines, 1 Tisser du lien, 5 Stage de danse, 1 Bulle, 24 P'Aus Café ("jusqu'à 22" at
# Baraque à fripes is a bound, not a count). Partner kinds of those fiches: MSA = Mon ado 30 + P'Aus 24
# (Baraque: a bound); Association locale = Mon ado 30 + Carnassiers 1 + Bulle 1 (théâtre, Journées,
# Espace-jeu: none); Autre = Gratuiterie 23 + Bulle 1; Caf = Vendredi 14 (Jardin, Coin, Baraque,
# Marmothèque: none); Conseil départemental = Graines 8; CARSAT = Tisser 1 (Estime: none); Association
# nationale = Carnassiers 1; Commune (One Women, Jardin, Loto, Journées), CPAM (Journées), Regroupement
# de communes (agir), État (Citoyenneté): no count.
EXPECTED["benevoles-par-type-de-partenaire"] = (
    ("typePartenaire", "libelle", "actions", "actionsAvecBenevoles", "benevoles"),
    table(
        """
        MSA | 3 | 2 | 54
        Association locale | 6 | 3 | 32
        Autre | 5 | 2 | 24
        Caf | 5 | 1 | 14
        Conseil départemental | 2 | 1 | 8
        CARSAT | 2 | 1 | 1
        Association nationale | 1 | 1 | 1
        Commune | 4 | 0 | 0
        CPAM | 1 | 0 | 0
        Regroupement de communes | 1 | 0 | 0
        État | 1 | 0 | 0
        """,
        partenaire,
        number,
        number,
        number,
    ),
)


def commune(cell: str) -> tuple[str, str, str, str]:
    """A commune column, "Name 31555": INSEE's IRI (not under the base), name, code, département."""
    name, code = cell.rsplit(" ", 1)
    return f"http://id.insee.fr/geo/commune/{code}", name, code, "Haute-Garonne"


# The structures' communes of tests/graph/test_places.py (SEED_TABLE) with a sure reading: Toulouse for
# the Izards-Borderouge (Ateliers de conversation), Négreneys (Tisser du lien) and Arènes Romaines
# (Marmothèque) quartiers; Colomiers (Ta spécialité, Fête en Plein Air), Léguevin (Gratuiterie), Revel
# (Baraque à fripes), Bonrepos-sur-Aussonnelle (P'Aus Café), Escalquens (Stage de danse), La
# Salvetat-Saint-Gilles and Fontenilles (One Women show). Centre social Espoir's Toulouse is a weak
# reading (the one commune its texts name), left out. Communes the texts name as the action's place:
# Toulouse (Tisser du lien's limites, Journées santé), Colomiers (Fête), Léguevin, Revel, Bonrepos;
# Tournefeuille (Graines, the partner MDS's commune, a weak reading) is left out. Populations: Etalab's
# découpage administratif 6.0.0, as shipped in graph/data/communes.csv.gz.
EXPECTED["actions-par-commune"] = (
    (
        "commune",
        "nom",
        "codeInsee",
        "nomDepartement",
        "population",
        "actions",
        "actionsDeSesStructures",
        "actionsQuiLaNomment",
    ),
    table(
        """
        Toulouse 31555 | 514819 | 4 | 3 | 2
        Colomiers 31149 | 40882 | 2 | 2 | 1
        Bonrepos-sur-Aussonnelle 31075 | 1241 | 1 | 1 | 1
        Escalquens 31169 | 6924 | 1 | 1 | 0
        Fontenilles 31188 | 5906 | 1 | 1 | 0
        La Salvetat-Saint-Gilles 31526 | 8511 | 1 | 1 | 0
        Léguevin 31291 | 9945 | 1 | 1 | 1
        Revel 31451 | 9762 | 1 | 1 | 1
        """,
        commune,
        number,
        number,
        number,
        number,
    ),
)

# Every value of the seed is in a reviewed scheme (see test_build's test_seed_values_are_all_reviewed).
EXPECTED["concepts-non-revus"] = (("concept", "libelle", "schema", "libelleSchema", "actions"), [])


# ---------------------------------------------------------------------------------------------------


def open_store(folder: Path) -> ox.Store:
    """The dataset's on-disk store read-only, or the dump in memory if another process holds it."""
    try:
        return ox.Store.read_only(str(folder / "store"))
    except OSError:
        store = ox.Store()
        store.load(path=folder / "graph.nt", format=ox.RdfFormat.N_TRIPLES)
        return store


def value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str | int | None:
    """A cell as the tests compare it: IRIs and strings as text, integers as int."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value == XSD_INTEGER:
        return int(term.value)
    return term.value


def answer(store: ox.Store, q: Question) -> tuple[tuple[str, ...], list[tuple]]:
    solutions = store.query(q.query)
    variables = tuple(variable.value for variable in solutions.variables)
    return variables, [tuple(value(term) for term in row) for row in solutions]


def resolve(rows: list[tuple], base: str) -> list[tuple]:
    return [tuple(base + cell.path if isinstance(cell, Iri) else cell for cell in row) for row in rows]


def seed_fiches(seed: Path) -> list[Fiche]:
    return [item for item in read_export(seed) if isinstance(item, Fiche)]


@pytest.fixture(scope="module")
def seed_store(seed_dataset: Path) -> ox.Store:
    return open_store(seed_dataset)


@pytest.fixture(scope="module")
def other_base_store(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The seed built under another base IRI: the questions must not depend on the default one."""
    out = tmp_path_factory.mktemp("seed-other-base")
    build_dataset(seed_fiches(seed), out, base_iri=OTHER_BASE, files=[str(seed)])
    return open_store(out)


NAMES = [q.name for q in catalogue()]


def test_every_question_has_a_hand_checked_expectation() -> None:
    assert sorted(EXPECTED) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_answer_on_the_seed(seed_store: ox.Store, name: str) -> None:
    variables, rows = answer(seed_store, question(name))
    expected_variables, expected_rows = EXPECTED[name]
    assert variables == expected_variables
    assert rows == resolve(expected_rows, DEFAULT_BASE)


@pytest.mark.parametrize("name", NAMES)
def test_answer_under_another_base_iri(seed_store: ox.Store, other_base_store: ox.Store, name: str) -> None:
    variables, rows = answer(other_base_store, question(name))
    assert (variables, rows) == (EXPECTED[name][0], resolve(EXPECTED[name][1], OTHER_BASE))

    def strip(rows: list[tuple], base: str) -> list[tuple]:
        return [
            tuple(c[len(base) :] if isinstance(c, str) and c.startswith(base) else c for c in r) for r in rows
        ]

    assert strip(rows, OTHER_BASE) == strip(answer(seed_store, question(name))[1], DEFAULT_BASE)


def test_years_and_unreviewed_concepts(seed: Path, tmp_path: Path) -> None:
    """The two questions whose seed answer is empty, on the seed given years and two unknown values."""
    changes = {
        "GRATUITERIE": {"annee": 2023, "mots_cles": ["Solidarité", "Numérique"]},
        "Jardin collectif": {"annee": 2024, "mots_cles": ["numérique"], "partenaires": ["Bailleur social"]},
        "Loto solidaire": {"annee": 2024},
    }
    fiches = [dataclasses.replace(f, **changes.get(f.titre or "", {})) for f in seed_fiches(seed)]
    build_dataset(fiches, tmp_path / "variant", files=[str(seed)])
    store = open_store(tmp_path / "variant")

    # 2023: GRATUITERIE (Lèguevin); 2024: Jardin collectif (LABO BINETTE) and Loto solidaire (POLYGONE).
    assert answer(store, question("actions-par-annee")) == (
        ("annee", "actions", "structures"),
        [(2023, 1, 1), (2024, 2, 2)],
    )
    # "Numérique" and "numérique" are one concept, labelled with the first spelling in code-point order.
    assert answer(store, question("concepts-non-revus"))[1] == resolve(
        [
            (Iri("concept/mots-cles/numerique"), "Numérique", Iri("concept/mots-cles"), "Mots clés", 2),
            (
                Iri("concept/types-partenaires/bailleur-social"),
                "Bailleur social",
                Iri("concept/types-partenaires"),
                "Types de partenaires",
                1,
            ),
        ],
        DEFAULT_BASE,
    )


# ---------------------------------------------------------------------------------------------------
# The catalogue itself


def test_names_are_unique_and_headers_filled() -> None:
    questions = catalogue()
    assert len(questions) >= 12
    assert len({q.name for q in questions}) == len(questions)
    for q in questions:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", q.name)
        assert q.title.strip() and q.description.strip()
        lines = q.query.splitlines()
        assert lines[0] == f"# titre: {q.title}"
        assert lines[1] == f"# description: {q.description}"


def test_files_are_in_display_order() -> None:
    from importlib.resources import files

    names = sorted(
        p.name for p in (files("maillage.graph") / "questions").iterdir() if p.name.endswith(".rq")
    )
    assert [re.sub(r"^\d{2}-|\.rq$", "", n) for n in names] == NAMES
    assert [n[:2] for n in names] == [f"{i:02d}" for i in range(1, len(names) + 1)]


@pytest.mark.parametrize("name", NAMES)
def test_query_is_self_contained_and_base_free(name: str) -> None:
    """Own PREFIX lines, no hard-coded data IRI (only the fixed ontology namespace), no regex."""
    query = question(name).query
    assert "PREFIX" in query
    assert re.findall(r"<https://w3id\.org/maillage/(?!ontologie#)[^>]*>", query) == []
    assert "regex" not in query.lower()
    ox.Store().query(query)  # parses without the caller's prefixes


def test_catalogue_is_cached() -> None:
    assert catalogue() == catalogue()
    assert question("actions-par-mot-cle") is question("actions-par-mot-cle")


def test_unknown_question_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as error:
        question("n-existe-pas")
    message = str(error.value)
    assert "n-existe-pas" in message
    assert all(name in message for name in NAMES)
    with pytest.raises(KeyError):
        question("01-actions-par-mot-cle")
