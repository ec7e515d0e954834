"""What the build reads in the fiches' texts, asserted on the BUILT graph of the seed and of variants.

The expectations are the hand-checked tables of the readers' own tests (one source of truth per fact):
tests/graph/test_places.py's SEED_TABLE gives each structure's commune as the fiche says it ("unknown"
when it does not), tests/graph/test_amounts.py's SEED_TABLE each fiche's total budget and counts of
professionals and volunteers. Here every one of the 25 rows must come out of the graph as SPARQL reads it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace
from test_amounts import SEED_TABLE as AMOUNTS
from test_places import SEED_TABLE as PLACES

from maillage.graph.amounts import read_budget, read_people
from maillage.graph.build import build_dataset
from maillage.graph.enrich import budget_label, count_label
from maillage.graph.export import Problem
from maillage.graph.record import Fiche, Source
from maillage.graph.validate import validate_graph

BASE = "https://w3id.org/maillage/"
PREFIXES = """
PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
SCHEMA = Namespace("https://schema.org/")
MLG = Namespace("https://w3id.org/maillage/ontologie#")


@pytest.fixture(scope="module")
def store(seed_dataset: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=seed_dataset / "graph.nt", format=ox.RdfFormat.N_TRIPLES)
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(PREFIXES + query)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def action_of(store: ox.Store, structure: str, title: str) -> str:
    rows = select(
        store,
        f"""SELECT ?a WHERE {{ ?a dct:title ?t ; mlg:structureOrganisatrice/mlg:departement ?d .
              ?a mlg:structureOrganisatrice ?s . ?s rdfs:label|skos:altLabel ?n .
              FILTER(STR(?t) = {title!r} && STR(?n) = {structure!r}) }}""",
    )
    assert len({r["a"] for r in rows}) == 1, (structure, title, rows)
    return rows[0]["a"]


def count(store: ox.Store, action: str, prop: str) -> int | tuple[int | None, int | None] | None:
    """A head-count as the hand-checked table writes it: the value, (min, max), or None."""
    rows = select(
        store,
        f"""SELECT ?v ?min ?max WHERE {{ <{action}> mlg:{prop} ?q .
              OPTIONAL {{ ?q schema:value ?v }} OPTIONAL {{ ?q schema:minValue ?min }}
              OPTIONAL {{ ?q schema:maxValue ?max }} }}""",
    )
    if not rows:
        return None
    assert len(rows) == 1, rows
    row = rows[0]
    if "v" in row:
        return int(row["v"])
    return (int(row["min"]) if "min" in row else None, int(row["max"]) if "max" in row else None)


def test_the_tables_cover_the_same_25_fiches() -> None:
    assert len(AMOUNTS) == 25 and {structure for structure, *_ in AMOUNTS} == set(PLACES)


@pytest.mark.parametrize(("structure", "title", "budget", "professionals", "volunteers"), AMOUNTS)
def test_seed_row_budget_and_people(store, structure, title, budget, professionals, volunteers) -> None:
    action = action_of(store, structure, title)
    totals = select(store, f"SELECT ?v WHERE {{ <{action}> mlg:budget/schema:value ?v }}")
    assert [Decimal(r["v"]) for r in totals] == ([] if budget is None else [budget])
    assert count(store, action, "effectifProfessionnels") == professionals
    assert count(store, action, "effectifBenevoles") == volunteers


@pytest.mark.parametrize("structure", sorted(PLACES))
def test_seed_row_commune(store, structure: str) -> None:
    """A sure reading gives mlg:commune; a weak one ("L": the one commune the texts name) only its node."""
    codes, basis = PLACES[structure]
    linked = select(
        store,
        f"""SELECT ?code WHERE {{ ?s a mlg:Structure ; rdfs:label {structure!r}@fr ;
              mlg:commune/igeo:codeINSEE ?code }}""",
    )
    read = select(
        store,
        f"""SELECT ?code ?confiance WHERE {{ ?s a mlg:Structure ; rdfs:label {structure!r}@fr .
              ?l mlg:localise ?s ; mlg:commune/igeo:codeINSEE ?code ; mlg:confiance ?confiance }}""",
    )
    assert {r["code"] for r in read} == set(codes)
    if basis == "L":
        assert linked == [] and {r["confiance"] for r in read} == {"faible"}
    else:
        assert {r["code"] for r in linked} == set(codes)


def test_the_commune_is_insee_s_with_name_departement_and_population(store) -> None:
    rows = select(
        store,
        """SELECT ?nom ?code ?dep ?pop WHERE {
             <http://id.insee.fr/geo/commune/31291> a igeo:Commune ; igeo:nom ?nom ; igeo:codeINSEE ?code ;
               mlg:population ?pop ; mlg:departement/rdfs:label ?dep }""",
    )
    assert rows == [{"nom": "Léguevin", "code": "31291", "dep": "Haute-Garonne", "pop": "9945"}]


def test_every_typed_value_keeps_the_words_it_was_read_from(store) -> None:
    """Raw text beside typed values: the value's own words (prov:value) and the whole field on the action."""
    rows = select(
        store,
        """SELECT ?a ?words ?field WHERE {
             { ?a mlg:budget ?q . ?a mlg:ressourcesFinancieres ?field }
             UNION { ?a mlg:effectifBenevoles|mlg:effectifProfessionnels ?q .
                     ?a mlg:personnesMobilisees ?field }
             ?q prov:value ?words ; prov:wasDerivedFrom ?fiche .
             ?a <http://xmlns.com/foaf/0.1/isPrimaryTopicOf> ?fiche }""",
    )
    assert len(rows) > 30
    # Counts added up from several fragments join them with " + " ("3 bénévoles administrateurs + 11 …").
    assert all(part in r["field"] for r in rows for part in r["words"].split(" + "))


def test_lines_ranges_and_zero_are_typed(store) -> None:
    tisser = action_of(
        store,
        "LA PASSERELLE NEGRENEYS",
        "Tisser du lien : Activités intergénérationnelles autour du textile et de sorties culturelles",
    )
    lines = select(
        store,
        f"""SELECT ?name ?v WHERE {{ <{tisser}> mlg:budget/mlg:poste ?p . ?p schema:name ?name ;
              schema:value ?v ; mlg:ordre ?o }} ORDER BY ?o""",
    )
    assert [(r["name"], r["v"]) for r in lines] == [
        ("RH", "2300"),
        ("Sorties", "1000"),
        ("Matériel", "500"),
        ("Collations", "200"),
    ]
    sante = action_of(store, "CENTRE SOCIAL ESPOIR", "Journées santé")
    query = "SELECT ?min ?max WHERE {{ <{}> mlg:budget [ schema:minValue ?min ; schema:maxValue ?max ] }}"
    assert select(store, query.format(sante)) == [{"min": "500", "max": "4000"}]
    zero = action_of(store, "CENTRE SOCIAL ESCALQUENS", "Stage de danse latines parents-enfants")
    query = "SELECT ?v ?why WHERE {{ <{}> mlg:budget [ schema:value ?v ; mlg:raisonMontantNul ?why ] }}"
    assert select(store, query.format(zero)) == [{"v": "0", "why": "Pas de dépenses spécifiques engagées"}]
    unreadable = action_of(store, "Maison des Habitants de Lèguevin", "GRATUITERIE")  # "frais de personnel"
    assert select(store, f"SELECT ?b WHERE {{ <{unreadable}> mlg:budget ?b }}") == []


def test_the_shapes_reject_a_broken_amount(seed_dataset: Path) -> None:
    graph = Graph().parse(seed_dataset / "graph.nt", format="nt")
    assert validate_graph(graph, BASE) == []
    budget = next(iter(graph.objects(None, MLG.budget)))
    graph.add((budget, SCHEMA.value, Literal("beaucoup")))
    count_node = next(iter(graph.objects(None, MLG.effectifBenevoles)))
    graph.add((count_node, SCHEMA.value, Literal(-3)))
    messages = " ".join(v.message for v in validate_graph(graph, BASE))
    assert "montant a au plus une valeur" in messages
    assert "effectif a au plus une valeur" in messages


def build(tmp_path: Path, *fiches: Fiche) -> tuple[ox.Store, list[Problem]]:
    problems: list[Problem] = []
    build_dataset(fiches, tmp_path, files=["variante.txt"], report=problems.append)
    store = ox.Store()
    store.load(path=tmp_path / "graph.nt", format=ox.RdfFormat.N_TRIPLES)
    return store, problems


def test_an_ambiguous_name_is_reported_and_kept_as_candidates(tmp_path: Path) -> None:
    fiche = Fiche(
        titre="Une sortie",
        structure="Centre social de Revel",
        departement="Gironde",
        resume="Une sortie à Caussade et un séjour à Beaulieu.",
        source=Source("variante.txt", 3),
    )
    store, problems = build(tmp_path, fiche)
    unresolved = [p for p in problems if "left unresolved" in p.message]
    assert [p.message.split(" in ")[0] for p in unresolved] == ["place 'Revel'", "place 'Beaulieu'"]
    assert all(p.file == fiche.source.file and p.line == fiche.source.line for p in unresolved)
    assert select(store, "SELECT ?c WHERE { ?s a mlg:Structure ; mlg:commune ?c }") == []
    candidates = select(
        store,
        """SELECT ?text (COUNT(?c) AS ?n) WHERE { ?l a mlg:LocalisationCommune ; prov:value ?text ;
             mlg:communeCandidate ?c . ?c a igeo:Commune ; mlg:departement/rdfs:label ?dep }
           GROUP BY ?text ORDER BY ?text""",
    )
    # Beaulieu: ten communes in as many départements; Revel: Haute-Garonne's and Isère's, none in Gironde.
    assert [(r["text"], r["n"]) for r in candidates] == [("Beaulieu", "10"), ("Revel", "2")]
    graph = Graph().parse(tmp_path / "graph.nt", format="nt")
    assert validate_graph(graph, BASE) == []


def test_the_seed_reports_its_two_weak_readings(seed: Path, tmp_path: Path) -> None:
    from maillage.graph.export import read_export

    fiches = [item for item in read_export(seed) if isinstance(item, Fiche)]
    _, problems = build(tmp_path, *fiches)
    weak = sorted(p.message.split(" read in ")[0] for p in problems if "low confidence" in p.message)
    assert weak == ["commune Toulouse (31555)", "commune Tournefeuille (31557)"]
    assert all(p.file.endswith("senacs-haute-garonne.txt") and p.line > 1 for p in problems)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2300 euros => RH\n1000 euros => Sorties", "Budget : 3\u00a0300\u00a0€"),
        ("Dépenses : rémunération du personnel 2660.67€", "Budget : 2\u00a0660,67\u00a0€"),
        ("selon les années entre 500 et 4000€", "Budget : entre 500 et 4\u00a0000\u00a0€"),
        ("Aucun budget n'a était nécessaire", "Budget : 0\u00a0€"),
        ("achats : 450€\nrepas : 100€ environ par évènement", "Budget : 2 ligne(s) chiffrée(s), sans total"),
    ],
)
def test_a_budget_page_label_says_the_amount_in_french(text: str, label: str) -> None:
    assert budget_label(read_budget(text)) == label


def test_a_count_page_label_says_the_number_or_the_bounds() -> None:
    people = read_people("jusqu'à 22 bénévoles, 12-15 jardiniers, 1500 habitants")
    assert count_label("Bénévoles", people.volunteers) == "Bénévoles : jusqu'à 22"
    assert [count_label("Participants", c) for c in people.participants] == [
        "Participants : entre 12 et 15",
        "Participants : 1\u00a0500",
    ]
