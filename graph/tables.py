"""Spreadsheet tables of the graph: CSV files described by W3C CSVW metadata.

Many researchers open a spreadsheet before they write a SPARQL query. The tables give them the graph
flattened: one row per action, per structure, per (action, partner kind) and per (action, keyword), with
French labels next to every IRI so that a row reads on its own, and the IRIs kept so that a row leads
back to the graph. They are computed by SPARQL SELECT queries on the built store (never from the records),
so they say exactly what the graph says.

``csv-metadata.json`` (the file name CSVW processors look for beside the tables) documents every column in
French and maps it back to the ontology's properties: a CSV-to-RDF conversion (W3C csv2rdf) of the tables
gives the graph's own triples (``mlg:structureOrganisatrice``, ``mlg:motCle``…), the label columns give
``rdfs:label``/``skos:prefLabel`` of the resource they name, and the columns with no faithful RDF reading
(labels joined in one cell, counts, ``oui``/``non``, file:line) are marked ``suppressOutput``.

The dialect is CSVW's default, which is RFC 4180: comma, double quotes, UTF-8 without a byte order mark,
CRLF at the end of every row, one header row. Rows are sorted and nothing depends on time or on the
store's iteration order, so the same graph always gives the same bytes.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .dump import atomic_write
from .iris import ONTOLOGY

ACTIONS = "actions.csv"
STRUCTURES = "structures.csv"
PARTENARIATS = "partenariats.csv"
MOTS_CLES = "mots-cles.csv"
METADATA = "csv-metadata.json"

#: Between the values of a multi-valued cell (the ``separator`` CSVW declares for those columns).
SEPARATOR = " ; "

DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
IGEO = "http://rdf.insee.fr/def/geo#"
#: INSEE's IRI of a département from its code: the graph's territories are skos:closeMatch of it.
INSEE_DEPARTEMENT = "http://id.insee.fr/geo/departement/"

PREFIXES = f"""
PREFIX mlg: <{ONTOLOGY}>
PREFIX dct: <{DCT}>
PREFIX foaf: <{FOAF}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX igeo: <{IGEO}>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
"""

#: Key of an action's values -> the property path that leads to them: the fiche's fields, the partners the
#: graph identifies, then what the build read in the texts (graph/enrich.py: exact totals and counts,
#: bounds, communes). Every value is kept, those of single-valued keys too (see _Action.one).
ACTION_VALUES = {
    "titre": "dct:title",
    "structure": "mlg:structureOrganisatrice",
    "departement": "mlg:departement",
    "annee": "mlg:annee",
    "statut": "mlg:statut",
    "dimensions": "mlg:dimension",
    "echelle_territoriale": "mlg:echelleTerritoriale",
    "publics": "mlg:public",
    "mots_cles": "mlg:motCle",
    "initiateurs": "mlg:initiateur",
    "types_partenaires": "mlg:typePartenaire",
    "partenaires": "mlg:partenaire",
    "resume": "dct:abstract",
    "fiche": "foaf:isPrimaryTopicOf",
    "budget": "mlg:budget/schema:value",
    "budget_min": "mlg:budget/schema:minValue",
    "budget_max": "mlg:budget/schema:maxValue",
    "professionnels": "mlg:effectifProfessionnels/schema:value",
    "benevoles": "mlg:effectifBenevoles/schema:value",
    "communes": "mlg:structureOrganisatrice/mlg:commune",
    "communes_concernees": "mlg:communeConcernee",
}


def _actions_query(actions: Iterable[str]) -> str:
    """The values of ``actions`` (IRIs), one row per action that has any, as ``key=value`` entries joined
    by spaces in one cell.

    Turning a term into text costs more than anything else in the store, and it is done per answer row:
    one row per value (290,000 at 20,000 fiches) would spell the action's IRI each time. So the values are
    grouped first; '%' then ' ' are escaped in each value so that the cell splits back (_entries). Values
    are IRIs or literals, as the shapes require: Oxigraph leaves a GROUP_CONCAT unbound when one of its
    terms fails, as STR of a blank node would.
    """
    paths = "\n    UNION ".join(
        f'{{ ?action {path} ?value BIND("{key}" AS ?key) }}' for key, path in ACTION_VALUES.items()
    )
    listed = " ".join(str(ox.NamedNode(iri)) for iri in actions)
    return (
        PREFIXES
        + f"""
SELECT ?action (GROUP_CONCAT(?entry; separator=" ") AS ?entries) WHERE {{
  VALUES ?action {{ {listed} }}
  {{
    {paths}
  }}
  BIND(CONCAT(?key, "=", REPLACE(REPLACE(STR(?value), "%", "%25"), " ", "%20")) AS ?entry)
}} GROUP BY ?action"""
    )


Q_ACTION_IRIS = PREFIXES + "SELECT ?action WHERE { ?action a mlg:Action }"
#: Actions read from the store at a time: memory holds a batch's values, not every action's. At 100,000
#: fiches the tables took 316 MB and 41.7 s of CPU in batches of 2,000, 375 MB and 35.8 s in batches of
#: 10,000, 1,179 MB and 31.2 s in one (measured on 2026-12-02).
BATCH = 10_000

# The label a person reads: a concept's skos:prefLabel, else the rdfs:label of a structure, territory or
# partner organisation; French only.
Q_LABELS = (
    PREFIXES
    + """
SELECT ?resource ?rank ?label WHERE {
  {
    ?resource skos:prefLabel ?label .
    BIND(0 AS ?rank)
  } UNION {
    VALUES ?class { mlg:Structure igeo:Departement mlg:Territoire mlg:Partenaire }
    ?resource a ?class ; rdfs:label ?label .
    BIND(1 AS ?rank)
  }
  FILTER(LANGMATCHES(LANG(?label), "fr"))
}"""
)

Q_CODES = (
    PREFIXES
    + """
SELECT ?territory ?code WHERE { ?territory igeo:codeINSEE ?code }"""
)

Q_SOURCES = (
    PREFIXES
    + """
SELECT ?fiche ?file ?line WHERE {
  ?fiche a mlg:Fiche ; mlg:extrait ?extract .
  ?extract mlg:ligne ?line ; dct:isPartOf ?document .
  ?document dct:title ?file .
}"""
)

Q_STRUCTURES = (
    PREFIXES
    + """
SELECT ?structure ?departement WHERE {
  ?structure a mlg:Structure .
  OPTIONAL { ?structure mlg:departement ?departement }
}"""
)

# The kinds under which the partner organisations are classified, and the keywords no one has reviewed.
Q_CLASSIFICATIONS = (
    PREFIXES
    + """
SELECT ?organisation ?kind WHERE { ?organisation org:classification ?kind }"""
)

Q_UNREVIEWED = (
    PREFIXES
    + """
SELECT ?keyword WHERE { ?keyword a mlg:ConceptNonRevu }"""
)


# ---------------------------------------------------------------------------------------------------
# The tables' description: one source for the CSV headers and for the CSVW metadata
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column and how it reads as RDF (``about``: the subject template when it is not the row's)."""

    name: str
    title: str
    description: str
    datatype: str | dict[str, str] = "string"
    required: bool = False
    multiple: bool = False
    lang: str | None = None
    property_url: str | None = None
    value_url: str | None = None
    about_url: str | None = None
    suppress: bool = False
    virtual: bool = False

    def metadata(self) -> dict[str, Any]:
        described: dict[str, Any] = {"name": self.name}
        if not self.virtual:
            # The header cell is a title too, so that validators that match headers on titles accept it.
            described["titles"] = {"fr": [self.title, self.name]}
            described["dc:description"] = self.description
            described["datatype"] = self.datatype
            described["required"] = self.required
        if self.multiple:
            described["separator"] = SEPARATOR
        if self.lang:
            described["lang"] = self.lang
        for key, value in (
            ("aboutUrl", self.about_url),
            ("propertyUrl", self.property_url),
            ("valueUrl", self.value_url),
        ):
            if value is not None:
                described[key] = value
        if self.suppress:
            described["suppressOutput"] = True
        if self.virtual:
            described["virtual"] = True
        return described


@dataclass(frozen=True)
class Table:
    """One CSV file: its columns in order, the row's subject, its keys."""

    url: str
    title: str
    description: str
    about_url: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    #: (column, referenced table, referenced column)
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns if not column.virtual]

    def metadata(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "columns": [column.metadata() for column in self.columns],
            "aboutUrl": self.about_url,
            "primaryKey": list(self.primary_key) if len(self.primary_key) > 1 else self.primary_key[0],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"columnReference": column, "reference": {"resource": table, "columnReference": target}}
                for column, table, target in self.foreign_keys
            ]
        return {
            "url": self.url,
            "dc:title": self.title,
            "dc:description": self.description,
            "tableSchema": schema,
        }


def _iri(name: str, title: str, description: str, **kwargs: Any) -> Column:
    return Column(name, title, description, datatype="anyURI", required=True, **kwargs)


def _labels(name: str, title: str, what: str, prop: str) -> Column:
    return Column(
        name,
        title,
        f"{what} : libellés français (skos:prefLabel) des concepts liés à l'action par {prop}, "
        f"triés par ordre alphabétique et séparés par « ; ». Vide si la fiche n'en donne aucun. "
        f"Les IRI des concepts ne sont que dans le graphe : la colonne n'est pas convertie en RDF.",
        multiple=True,
        lang="fr",
        suppress=True,
    )


def _departement_columns(whose: str) -> tuple[Column, Column]:
    insee = INSEE_DEPARTEMENT + "{departement_code}"
    return (
        Column(
            "departement_code",
            "Code Insee du département",
            f"Code officiel géographique (Insee) du département {whose} : « 31 », « 2A », « 974 ». "
            "Dans le graphe, igeo:codeINSEE du territoire (mlg:departement). En RDF, la colonne décrit "
            "l'IRI du département à l'Insee (http://id.insee.fr/geo/departement/{code}), dont le "
            "territoire du graphe est un skos:closeMatch.",
            datatype={"base": "string", "format": "^(?:[0-9]{2}|2[AB]|97[1-6])$"},
            required=True,
            about_url=insee,
            property_url=IGEO + "codeINSEE",
        ),
        Column(
            "departement",
            "Département",
            f"Nom officiel du département {whose} (rdfs:label en français du territoire).",
            required=True,
            lang="fr",
            about_url=insee,
            property_url=IGEO + "nom",
        ),
    )


def _virtual_columns(cls: str, subject: str) -> tuple[Column, Column]:
    """The triples CSVW-to-RDF adds to every row: its class and its Insee département."""
    return (
        Column(
            "type",
            "Type",
            f"Chaque ligne décrit une mlg:{cls}.",
            property_url=RDF + "type",
            value_url=ONTOLOGY + cls,
            virtual=True,
        ),
        Column(
            "departement_insee",
            "Département (Insee)",
            f"{subject} se situe dans le département de l'Insee (dct:spatial, super-propriété de "
            "mlg:departement).",
            property_url=DCT + "spatial",
            value_url=INSEE_DEPARTEMENT + "{departement_code}",
            virtual=True,
        ),
    )


def _euros(name: str, title: str, what: str) -> Column:
    return Column(
        name,
        title,
        f"{what} en euros, lu dans le texte « Ressources financières » (mlg:budget, voir le README) ; "
        "vide quand le texte ne le donne pas clairement. Non converti en RDF (dans le graphe, "
        "un schema:MonetaryAmount).",
        datatype="decimal",
        suppress=True,
    )


def _people(name: str, title: str, prop: str) -> Column:
    return Column(
        name,
        title,
        f"Nombre de {title.lower()} lu dans le texte « Nombre de personnes mobilisées » ({prop}) ; vide "
        "quand le texte ne le donne pas exactement (« jusqu'à 22 », « des bénévoles »). Non converti en "
        "RDF (dans le graphe, un schema:QuantitativeValue).",
        datatype="nonNegativeInteger",
        suppress=True,
    )


def _communes(name: str, title: str, what: str) -> Column:
    return Column(
        name,
        title,
        f"{what}, sous la forme « Nom (code Insee) », séparées par « ; » ; lues dans les textes par la "
        "construction (voir le README), les lectures de faible confiance exclues. Non converti en RDF.",
        lang="fr",
        multiple=True,
        suppress=True,
    )


def _reading_columns() -> tuple[Column, ...]:
    """Columns of what the build read in the texts: the figures a spreadsheet user pivots on."""
    return (
        _euros(
            "budget_euros",
            "Budget (euros)",
            "Budget total de l'action (0 quand la fiche dit n'en avoir aucun)",
        ),
        _euros("budget_min_euros", "Budget minimum (euros)", "Borne basse d'un budget donné en fourchette"),
        _euros("budget_max_euros", "Budget maximum (euros)", "Borne haute d'un budget donné en fourchette"),
        _people("professionnels", "Professionnels", "mlg:effectifProfessionnels"),
        _people("benevoles", "Bénévoles", "mlg:effectifBenevoles"),
        _communes("communes", "Communes de la structure", "Communes où se trouve la structure organisatrice"),
        _communes(
            "communes_concernees",
            "Communes concernées",
            "Communes que les textes nomment comme lieux de l'action",
        ),
    )


ACTION = _iri(
    "action",
    "Action",
    "IRI de l'action (mlg:Action) ; renvoie à la ligne de actions.csv qui porte la même IRI.",
    suppress=True,
)
ACTION_TITRE = Column(
    "action_titre",
    "Titre de l'action",
    "Titre de l'action (dct:title), repris de actions.csv pour lire la ligne sans jointure.",
    required=True,
    lang="fr",
    about_url="{+action}",
    property_url=DCT + "title",
)
STRUCTURE = _iri(
    "structure",
    "Structure organisatrice",
    "IRI de la structure qui organise l'action (mlg:structureOrganisatrice) : centre social, espace de "
    "vie sociale… ; renvoie à la colonne iri de structures.csv.",
    property_url=ONTOLOGY + "structureOrganisatrice",
    value_url="{+structure}",
)
STRUCTURE_NOM = Column(
    "structure_nom",
    "Nom de la structure",
    "Nom de la structure organisatrice (rdfs:label), tel que l'export l'écrit le plus souvent.",
    required=True,
    lang="fr",
    about_url="{+structure}",
    property_url=RDFS + "label",
)

TABLES: tuple[Table, ...] = (
    Table(
        ACTIONS,
        "Actions des centres sociaux",
        "Une ligne par action (mlg:Action), c'est-à-dire par fiche-action SENACS retenue (les doublons "
        "exacts sont fusionnés) : ce que la structure a fait, avec les valeurs contrôlées de la fiche "
        "sous forme de libellés. Les textes longs de la fiche (descriptions, résultats, limites, "
        "perspectives) sont dans le graphe.",
        "{+iri}",
        (
            _iri(
                "iri",
                "IRI de l'action",
                "Identifiant pérenne de l'action (mlg:Action) dans le graphe ; l'ouvrir donne sa page.",
                suppress=True,
            ),
            Column(
                "titre",
                "Titre",
                "Titre de l'action tel que la fiche l'écrit (dct:title).",
                required=True,
                lang="fr",
                property_url=DCT + "title",
            ),
            STRUCTURE,
            STRUCTURE_NOM,
            *_departement_columns("de l'action (celui de sa structure)"),
            Column(
                "annee",
                "Année",
                "Année que le tableau récapitulatif de l'export donne pour l'action (mlg:annee) ; vide "
                "quand l'export n'a pas ce tableau. Ce n'est pas forcément l'année où l'action a commencé.",
                datatype="gYear",
                property_url=ONTOLOGY + "annee",
            ),
            Column(
                "statut",
                "Statut",
                "Statut de l'action selon la fiche (libellé du concept mlg:statut : « En cours », "
                "« Terminée ») ; vide si la fiche ne le dit pas. Non converti en RDF (libellé).",
                lang="fr",
                suppress=True,
            ),
            _labels("dimensions", "Dimensions", "Dimensions du projet social", "mlg:dimension"),
            _labels(
                "echelle_territoriale",
                "Échelle territoriale",
                "Échelle du territoire concerné (une catégorie, pas un lieu)",
                "mlg:echelleTerritoriale",
            ),
            _labels("publics", "Publics", "Publics visés", "mlg:public"),
            _labels(
                "mots_cles",
                "Mots clés",
                "Mots clés (thèmes) ; une ligne par mot clé, avec son IRI, dans mots-cles.csv",
                "mlg:motCle",
            ),
            _labels(
                "initiateurs",
                "Initiateurs",
                "Qui est à l'initiative de l'action, comme catégorie",
                "mlg:initiateur",
            ),
            _labels(
                "types_partenaires",
                "Types de partenaires",
                "Types de partenaires avec qui l'action a été menée (des catégories, pas des "
                "organisations) ; une ligne par type, avec l'organisation quand elle est identifiée, "
                "dans partenariats.csv",
                "mlg:typePartenaire",
            ),
            Column(
                "resume",
                "Résumé",
                "Résumé de l'action écrit dans la fiche (dct:abstract), tel quel (il peut contenir des "
                "retours à la ligne) ; vide si la fiche n'en a pas.",
                lang="fr",
                property_url=DCT + "abstract",
            ),
            *_reading_columns(),
            _iri(
                "fiche",
                "Fiche-action",
                "IRI de la fiche-action (mlg:Fiche) qui décrit l'action (foaf:isPrimaryTopicOf) : "
                "l'enregistrement SENACS, qui porte la provenance.",
                property_url=FOAF + "isPrimaryTopicOf",
                value_url="{+fiche}",
            ),
            Column(
                "source",
                "Source",
                "Où la fiche a été lue : nom du fichier d'export et numéro de ligne (à partir de 1) de son "
                "repère « Actions », sous la forme « fichier.txt:12 ». Plusieurs valeurs, séparées par "
                "« ; », quand des doublons exacts ont été fusionnés. Dans le graphe : mlg:extrait de la "
                "fiche. Non converti en RDF.",
                datatype={"base": "string", "format": "^.+:[1-9][0-9]*$"},
                required=True,
                multiple=True,
                suppress=True,
            ),
            *_virtual_columns("Action", "L'action"),
        ),
        ("iri",),
        (("structure", STRUCTURES, "iri"),),
    ),
    Table(
        STRUCTURES,
        "Structures organisatrices",
        "Une ligne par structure (mlg:Structure) qui organise au moins une action : centre social, "
        "espace de vie sociale, maison des habitants… Une structure est identifiée par son nom et son "
        "département : deux graphies d'un même nom qui ne donnent pas le même identifiant restent deux "
        "lignes.",
        "{+iri}",
        (
            _iri(
                "iri",
                "IRI de la structure",
                "Identifiant pérenne de la structure (mlg:Structure) dans le graphe.",
                suppress=True,
            ),
            Column(
                "nom",
                "Nom",
                "Nom de la structure (rdfs:label) : la graphie la plus fréquente dans les fiches.",
                required=True,
                lang="fr",
                property_url=RDFS + "label",
            ),
            *_departement_columns("de la structure"),
            Column(
                "nombre_actions",
                "Nombre d'actions",
                "Nombre d'actions de la structure dans le graphe (lignes de actions.csv qui la citent). "
                "Compte calculé, non converti en RDF.",
                datatype="positiveInteger",
                required=True,
                suppress=True,
            ),
            *_virtual_columns("Structure", "La structure"),
        ),
        ("iri",),
    ),
    Table(
        PARTENARIATS,
        "Partenariats des actions",
        "Une ligne par action et par type de partenaire que sa fiche déclare (mlg:typePartenaire). Le "
        "formulaire SENACS ne nomme que des types ; quand un type ne compte qu'une organisation par "
        "département (Caf, MSA, CPAM, CARSAT, Conseil départemental, État), le graphe identifie "
        "l'organisation du département de l'action (mlg:partenaire) et la ligne la donne. Pour les "
        "types génériques (Commune, Association locale, Autre…), les colonnes de l'organisation sont "
        "vides : aucune organisation n'est inventée.",
        "{+action}",
        (
            ACTION,
            ACTION_TITRE,
            STRUCTURE,
            STRUCTURE_NOM,
            _iri(
                "type_partenaire",
                "Type de partenaire",
                "IRI du concept « type de partenaire » (mlg:TypePartenaire) déclaré par la fiche.",
                property_url=ONTOLOGY + "typePartenaire",
                value_url="{+type_partenaire}",
            ),
            Column(
                "type_partenaire_libelle",
                "Libellé du type de partenaire",
                "Libellé français du type de partenaire (skos:prefLabel).",
                required=True,
                lang="fr",
                about_url="{+type_partenaire}",
                property_url=SKOS + "prefLabel",
            ),
            Column(
                "organisation",
                "Organisation partenaire",
                "IRI de l'organisation partenaire identifiée (mlg:Partenaire, lié à l'action par "
                "mlg:partenaire et classé sous ce type par org:classification), par exemple la Caf de la "
                "Haute-Garonne ; vide pour un type générique.",
                datatype="anyURI",
                property_url=ONTOLOGY + "partenaire",
                value_url="{+organisation}",
            ),
            Column(
                "organisation_nom",
                "Nom de l'organisation partenaire",
                "Libellé de l'organisation partenaire (rdfs:label), « Caf (Haute-Garonne) » ; vide pour "
                "un type générique.",
                lang="fr",
                about_url="{+organisation}",
                property_url=RDFS + "label",
            ),
            _departement_columns("de l'action")[0],
        ),
        ("action", "type_partenaire"),
        (("action", ACTIONS, "iri"), ("structure", STRUCTURES, "iri")),
    ),
    Table(
        MOTS_CLES,
        "Mots clés des actions",
        "Une ligne par action et par mot clé (thème) que sa fiche lui donne (mlg:motCle) : la table à "
        "filtrer ou à croiser pour compter les actions par thème.",
        "{+action}",
        (
            ACTION,
            ACTION_TITRE,
            STRUCTURE,
            _iri(
                "mot_cle",
                "Mot clé",
                "IRI du concept mot clé (mlg:Theme) du schéma « mots clés ».",
                property_url=ONTOLOGY + "motCle",
                value_url="{+mot_cle}",
            ),
            Column(
                "mot_cle_libelle",
                "Libellé du mot clé",
                "Libellé français du mot clé (skos:prefLabel).",
                required=True,
                lang="fr",
                about_url="{+mot_cle}",
                property_url=SKOS + "prefLabel",
            ),
            Column(
                "revu",
                "Mot clé revu",
                "« oui » quand le mot clé appartient au schéma revu du projet ; « non » quand c'est une "
                "valeur rencontrée dans l'export qu'aucune personne n'a encore revue (mlg:ConceptNonRevu) "
                ": son libellé est la graphie brute de l'export. Non converti en RDF.",
                datatype={"base": "boolean", "format": "oui|non"},
                required=True,
                suppress=True,
            ),
            _departement_columns("de l'action")[0],
        ),
        ("action", "mot_cle"),
        (("action", ACTIONS, "iri"), ("structure", STRUCTURES, "iri")),
    ),
)


def csvw_metadata(base_iri: str) -> dict[str, Any]:
    """The CSVW table group describing the four tables (relative URLs: it lives beside them)."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "fr"}],
        "dc:title": "Maillage : les actions des centres sociaux en tableaux",
        "dc:description": (
            "Le graphe de connaissances Maillage (fiches-actions SENACS des centres sociaux et espaces de "
            "vie sociale) mis à plat pour les tableurs, calculé par des requêtes SPARQL sur le graphe. "
            f"Toutes les IRI commencent par {base_iri} et mènent à la ressource décrite ; les propriétés "
            "citées sont celles de l'ontologie Maillage (mlg: = https://w3id.org/maillage/ontologie#) et "
            "des vocabulaires standard (dct: Dublin Core, skos:, foaf:, igeo: Insee). Une cellule vide "
            "veut dire que le graphe n'a pas la valeur. Dans une cellule à plusieurs valeurs, elles sont "
            "séparées par « ; » (un « ; » dans un libellé y devient « , »). Fichiers CSV selon la RFC "
            "4180 : virgule, guillemets doubles, UTF-8 sans BOM, fins de ligne CRLF, une ligne d'en-tête."
        ),
        "dc:language": "fr",
        "dc:conformsTo": "https://w3id.org/maillage/ontologie",
        "tables": [table.metadata() for table in TABLES],
    }


# ---------------------------------------------------------------------------------------------------
# Reading the graph
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Action:
    values: dict[str, list[str]] = field(default_factory=dict)

    def one(self, key: str) -> str:
        """The single value of ``key`` ('' when absent; the smallest, deterministically, if the graph has
        several, which its shapes forbid)."""
        found = self.values.get(key)
        return min(found) if found else ""


def _select(store: ox.Store, query: str) -> Iterator[dict[str, ox.Term]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    for solution in solutions:
        yield {name: solution[name] for name in names if solution[name] is not None}


@lru_cache(maxsize=1 << 16)
def _fold(text: str) -> tuple[str, str]:
    """Sort key of a French label: accents and case ignored first ("Écologie" before "Famille").

    Cached: the same few thousand labels come back in every row, and decomposing them each time took
    over a second at 20,000 fiches.
    """
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.casefold(), text


def _join(values: Iterable[str], ordered: bool = False) -> str:
    """Values of a multi-valued cell, sorted as French labels unless ``ordered`` (kept in their order).

    Every ";" of a value becomes "," (as the metadata says): replacing only " ; " is not enough, since a
    value ending with " ;" (a raw keyword "Bricolage ;") would run into the next one, and the cell would
    not split back into its values. Empty values are left out: they would read back as missing ones.
    """
    kept = dict.fromkeys(value.replace(";", ",") for value in values if value)
    return SEPARATOR.join(kept if ordered else sorted(kept, key=_fold))


def _entries(cell: ox.Term | None) -> dict[str, list[str]]:
    """The values of each key in a cell of :func:`_actions_query`: '%20' then '%25' unescaped, the
    reverse order."""
    values: dict[str, list[str]] = {}
    for entry in cell.value.split(" ") if cell is not None and cell.value else ():
        key, _, value = entry.partition("=")
        if "%" in value:
            value = value.replace("%20", " ").replace("%25", "%")
        values.setdefault(key, []).append(value)
    return values


def _actions(store: ox.Store, batch: int) -> Iterator[tuple[str, _Action]]:
    """Every action with its values, in the order of their IRIs, read ``batch`` actions at a time (an
    action without values too)."""
    iris = sorted(action.value for action, in store.query(Q_ACTION_IRIS))
    for start in range(0, len(iris), batch):
        part = iris[start : start + batch]
        cells = {action.value: cell for action, cell in store.query(_actions_query(part))}
        for iri in part:
            yield iri, _Action(_entries(cells.get(iri)))


class _Graph:
    """What the tables need from the store besides the actions' values, read with a handful of queries."""

    def __init__(self, store: ox.Store) -> None:
        ranked: dict[str, tuple[int, str]] = {}
        for row in _select(store, Q_LABELS):
            key = row["resource"].value
            candidate = (int(row["rank"].value), row["label"].value)
            if key not in ranked or candidate < ranked[key]:
                ranked[key] = candidate
        self.labels = {key: label for key, (_, label) in ranked.items()}
        self.codes = _smallest((row["territory"].value, row["code"].value) for row in _select(store, Q_CODES))
        lines: dict[str, set[tuple[str, int]]] = {}
        for row in _select(store, Q_SOURCES):
            lines.setdefault(row["fiche"].value, set()).add((row["file"].value, int(row["line"].value)))
        self.sources = {
            fiche: [f"{file}:{line}" for file, line in sorted(found)] for fiche, found in lines.items()
        }
        # A structure's département: the smallest if the graph gave it several, which its shapes forbid.
        self.structures = _smallest(
            (row["structure"].value, row["departement"].value if "departement" in row else "")
            for row in _select(store, Q_STRUCTURES)
        )
        self.kinds: dict[str, set[str]] = {}
        for row in _select(store, Q_CLASSIFICATIONS):
            self.kinds.setdefault(row["organisation"].value, set()).add(row["kind"].value)
        self.unreviewed = {row["keyword"].value for row in _select(store, Q_UNREVIEWED)}

    def label(self, iri: str) -> str:
        return self.labels.get(iri, "")

    def code(self, territory: str) -> str:
        return self.codes.get(territory, "")

    def commune(self, iri: str) -> str:
        return f"{self.label(iri)} ({self.code(iri)})"


def _smallest(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The smallest value of each key: one, and always the same, when the graph gives several."""
    found: dict[str, str] = {}
    for key, value in pairs:
        found[key] = min(value, found.get(key, value))
    return found


def _action_row(graph: _Graph, iri: str, action: _Action) -> list[str]:
    values = action.values
    structure = action.one("structure")
    departement = action.one("departement")
    fiche = action.one("fiche")
    return [
        iri,
        action.one("titre"),
        structure,
        graph.label(structure),
        graph.code(departement),
        graph.label(departement),
        action.one("annee"),
        _join(graph.label(concept) for concept in values.get("statut", [])),
        *(
            _join(graph.label(concept) for concept in values.get(key, []))
            for key in (
                "dimensions",
                "echelle_territoriale",
                "publics",
                "mots_cles",
                "initiateurs",
                "types_partenaires",
            )
        ),
        action.one("resume"),
        *(action.one(key) for key in ("budget", "budget_min", "budget_max", "professionnels", "benevoles")),
        *(
            _join(graph.commune(commune) for commune in values.get(key, []))
            for key in ("communes", "communes_concernees")
        ),
        fiche,
        _join(graph.sources.get(fiche, []), ordered=True),  # by file, then line number
    ]


def _structure_rows(graph: _Graph, organised: Counter[str]) -> Iterator[list[str]]:
    """The structures that organise an action (``organised``: how many), as structures.csv promises: a
    structure with none would give a nombre_actions of 0, which its datatype (positiveInteger) rejects."""
    for iri, departement in graph.structures.items():
        if count := organised[iri]:
            yield [iri, graph.label(iri), graph.code(departement), graph.label(departement), str(count)]


def _context(graph: _Graph, action: _Action) -> tuple[str, str, str]:
    """An action's title, structure and département code, repeated on the rows of the link tables."""
    return action.one("titre"), action.one("structure"), graph.code(action.one("departement"))


def _partenariat_rows(graph: _Graph, iri: str, action: _Action) -> Iterator[list[str]]:
    """One row per kind of partner of an action, with each organisation the action links (mlg:partenaire)
    that is classified under the kind: generic kinds (Commune, Autre…) name no organisation."""
    titre, structure, code = _context(graph, action)
    for kind in action.values.get("types_partenaires", []):
        named = [o for o in action.values.get("partenaires", []) if kind in graph.kinds.get(o, ())]
        for organisation in named or [""]:
            yield [
                iri,
                titre,
                structure,
                graph.label(structure),
                kind,
                graph.label(kind),
                organisation,
                graph.label(organisation) if organisation else "",
                code,
            ]


def _mot_cle_rows(graph: _Graph, iri: str, action: _Action) -> Iterator[list[str]]:
    titre, structure, code = _context(graph, action)
    for keyword in action.values.get("mots_cles", []):
        reviewed = "non" if keyword in graph.unreviewed else "oui"
        yield [iri, titre, structure, keyword, graph.label(keyword), reviewed, code]


class _SortedCsv:
    """A CSV file of sorted, de-duplicated rows under one header row, written as rows come.

    The rows come grouped by their first column, the groups in its order (each action's rows, actions by
    IRI): sorting each group is sorting the file, without holding it.
    """

    def __init__(self, stack: ExitStack, path: Path, header: list[str]) -> None:
        handle = stack.enter_context(atomic_write(path))  # newline="\n": the writer's "\r\n" is kept
        self._writer = csv.writer(handle, lineterminator="\r\n")
        self._writer.writerow(header)
        self.rows = 0
        self._last: tuple[str, ...] = ()

    def add(self, rows: Iterable[list[str]]) -> None:
        group = sorted({tuple(row) for row in rows})
        if group:
            assert group[0] > self._last, "rows must come grouped by their first column, in its order"
            self._writer.writerows(group)
            self.rows += len(group)
            self._last = group[-1]


def _write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> int:
    """Sorted, de-duplicated rows under one header row; returns the number of data rows."""
    with ExitStack() as stack:
        table = _SortedCsv(stack, path, header)
        table.add(rows)
    return table.rows


def write_tables(store: ox.Store, out: Path, base_iri: str) -> dict[str, int]:
    """Write the four CSV tables and their CSVW metadata into ``out``; returns rows per CSV file name.

    ``base_iri`` is only named in the metadata's description: the IRIs themselves come from the store.
    """
    graph = _Graph(store)
    headers = {table.url: table.header for table in TABLES}
    organised: Counter[str] = Counter()
    with ExitStack() as stack:
        actions, partenariats, mots_cles = (
            _SortedCsv(stack, out / name, headers[name]) for name in (ACTIONS, PARTENARIATS, MOTS_CLES)
        )
        for iri, action in _actions(store, BATCH):  # streamed, in the order of the IRIs: memory stays flat
            actions.add([_action_row(graph, iri, action)])
            partenariats.add(_partenariat_rows(graph, iri, action))
            mots_cles.add(_mot_cle_rows(graph, iri, action))
            organised.update(set(action.values.get("structure", [])))
    counts = {
        ACTIONS: actions.rows,
        STRUCTURES: _write_csv(out / STRUCTURES, headers[STRUCTURES], _structure_rows(graph, organised)),
        PARTENARIATS: partenariats.rows,
        MOTS_CLES: mots_cles.rows,
    }
    with atomic_write(out / METADATA) as handle:
        json.dump(csvw_metadata(base_iri), handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return counts
