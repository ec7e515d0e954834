"""The dataset at a glance: what the landing page counts and what its title search looks through."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .iris import ONTOLOGY

COUNTED = {
    "actions": "Action",
    "structures": "Structure",
    "organisations": "Partenaire",
    "fiches": "Fiche",
    "documents": "DocumentSource",
}


@dataclass(frozen=True)
class Departement:
    """A département of the data, with the IRI of its page and its number of actions."""

    iri: str
    code: str
    name: str
    actions: int


@dataclass(frozen=True)
class Overview:
    """Counts by kind of resource, the concepts, the départements and the years of the fiches."""

    counts: dict[str, int]
    concepts: int
    departements: list[Departement] = field(default_factory=list)
    years: tuple[int, int] | None = None


def _one(store: ox.Store, query: str) -> ox.QuerySolution | None:
    return next(iter(store.query(query)), None)


def overview(store: ox.Store) -> Overview:
    """What the landing page says about the dataset, read from the graph."""
    counts = {}
    for key, cls in COUNTED.items():
        row = _one(store, f"SELECT (COUNT(?x) AS ?n) WHERE {{ ?x a <{ONTOLOGY}{cls}> }}")
        counts[key] = int(row["n"].value) if row else 0
    row = _one(
        store,
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> }",
    )
    concepts = int(row["n"].value) if row else 0
    departements = [
        Departement(r["d"].value, r["code"].value, r["nom"].value, int(r["n"].value))
        for r in store.query(
            f"""SELECT ?d ?code ?nom (COUNT(?a) AS ?n) WHERE {{
                  ?a a <{ONTOLOGY}Action> ; <{ONTOLOGY}departement> ?d .
                  ?d <http://rdf.insee.fr/def/geo#codeINSEE> ?code ;
                     <http://www.w3.org/2000/01/rdf-schema#label> ?nom .
                }} GROUP BY ?d ?code ?nom ORDER BY ?code"""
        )
    ]
    row = _one(
        store,
        f"SELECT (MIN(?y) AS ?first) (MAX(?y) AS ?last) WHERE {{ ?a <{ONTOLOGY}annee> ?y }}",
    )
    years = None
    if row is not None and row["first"] is not None:
        years = (int(row["first"].value), int(row["last"].value))
    return Overview(counts, concepts, departements, years)


def search_index(store: ox.Store, base_iri: str) -> list[list[str]]:
    """Every action as [title, structure name, département code, path of its page], sorted by title.

    Small enough to send whole to a browser (about 120 bytes an action), which searches it offline:
    the same file serves the server and the static site.
    """
    rows = store.query(
        f"""SELECT ?a ?titre ?nom ?code WHERE {{
              ?a a <{ONTOLOGY}Action> ; <http://purl.org/dc/terms/title> ?titre ;
                 <{ONTOLOGY}structureOrganisatrice> ?s ; <{ONTOLOGY}departement> ?d .
              ?s <http://www.w3.org/2000/01/rdf-schema#label> ?nom .
              ?d <http://rdf.insee.fr/def/geo#codeINSEE> ?code .
            }}"""
    )
    found = {
        (r["titre"].value, r["nom"].value, r["code"].value, r["a"].value[len(base_iri) :] + ".html")
        for r in rows
        if r["a"].value.startswith(base_iri)
    }
    return [list(entry) for entry in sorted(found, key=lambda e: (e[0].casefold(), e))]
