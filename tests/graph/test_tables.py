"""The spreadsheet tables (graph/tables.py): what a researcher who opens them in a tableur relies on.

The tables claim to say exactly what the graph says, flattened: each test compares a table with SPARQL
answers on the same store, reads the files back with Python's csv module (RFC 4180) and validates them
against their ``csv-metadata.json`` with an independent CSVW implementation (the ``csvw`` package).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from csvw import CSVW, TableGroup

from maillage.graph import tables
from maillage.graph.build import STORE, build_dataset
from maillage.graph.export import read_export
from maillage.graph.record import Fiche
from maillage.graph.tables import (
    ACTIONS,
    METADATA,
    MOTS_CLES,
    PARTENARIATS,
    SEPARATOR,
    STRUCTURES,
    TABLES,
    csvw_metadata,
    write_tables,
)

DATA = Path(__file__).resolve().parents[1] / "data"
BASE = "https://w3id.org/maillage/"
CSV_FILES = (ACTIONS, STRUCTURES, PARTENARIATS, MOTS_CLES)
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = """
PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
"""

# RFC 4180's grammar, with CRLF after every record (the last one too): a field is either quoted (a
# doubled quote inside) or free of comma, quote, CR and LF. Line breaks may only occur inside quotes.
_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
RFC4180 = re.compile(rf"(?:{_FIELD}(?:,{_FIELD})*\r\n)+")
GYEAR = re.compile(r"-?[0-9]{4,}(?:Z|[+-][0-9]{2}:[0-9]{2})?")


# --- helpers ------------------------------------------------------------------------------------------


def open_store(folder: Path) -> ox.Store:
    return ox.Store.read_only(str(folder / STORE))


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(PREFIXES + query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in solutions]


def grouped(store: ox.Store, query: str) -> dict[str, set[str]]:
    """``?key`` -> the set of its ``?value``s (a key with no value maps to an empty set)."""
    out: dict[str, set[str]] = {}
    for row in select(store, query):
        values = out.setdefault(row["key"], set())
        if "value" in row:
            values.add(row["value"])
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def cells(value: str) -> set[str]:
    """A multi-valued cell split back on the declared separator (an empty cell holds no value)."""
    return set(value.split(SEPARATOR)) if value else set()


def metadata_columns(url: str) -> list[dict[str, Any]]:
    (table,) = [t for t in csvw_metadata(BASE)["tables"] if t["url"] == url]
    return table["tableSchema"]["columns"]


def header_of(url: str) -> list[str]:
    return [column["name"] for column in metadata_columns(url) if not column.get("virtual")]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def csvw_errors(folder: Path) -> list[str]:
    """Everything the csvw package objects to in the table group described by ``folder/csv-metadata.json``.

    Reading every row parses each cell with its column's datatype, format, separator and ``required``;
    then primary keys must be unique and foreign keys must resolve. Errors are logged rather than raised
    so that one call reports them all; warnings (unknown columns, bad formats) count as errors too.
    """
    handler = _Collect()
    log = logging.getLogger(f"{__name__}.csvw")
    log.addHandler(handler)
    log.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            group = TableGroup.from_file(folder / METADATA)
            for table in group.tables:
                for _ in table.iterdicts(log=log):
                    pass
                table.check_primary_key(log=log)
            group.check_referential_integrity(log=log)
    finally:
        log.removeHandler(handler)
    return handler.messages + [str(warning.message) for warning in caught]


def copy_tables(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in (*CSV_FILES, METADATA):
        shutil.copyfile(source / name, target / name)
    return target


def rewrite(path: Path, rows: list[list[str]]) -> None:
    """Write rows back in the tables' own dialect (the corruption must be the only change)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def read_raw(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# --- the seed's tables say what its graph says ---------------------------------------------------------


def test_every_action_is_one_row_with_the_graph_values(seed_dataset: Path) -> None:
    """One row per mlg:Action, and every cell is the graph's value or the French label of its concept."""
    store = open_store(seed_dataset)
    rows = read_rows(seed_dataset / ACTIONS)
    (count,) = select(store, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a mlg:Action }")
    assert len(rows) == int(count["n"]) == 25
    by_iri = {row["iri"]: row for row in rows}
    assert len(by_iri) == len(rows)

    single = {
        "titre": "?key dct:title ?value",
        "structure": "?key mlg:structureOrganisatrice ?value",
        "structure_nom": "?key mlg:structureOrganisatrice/rdfs:label ?value",
        "departement_code": "?key mlg:departement/igeo:codeINSEE ?value",
        "departement": "?key mlg:departement/rdfs:label ?value",
        "annee": "?key mlg:annee ?value",
        "statut": '?key mlg:statut/skos:prefLabel ?value FILTER(LANG(?value) = "fr")',
        "resume": "?key dct:abstract ?value",
        "fiche": "?key foaf:isPrimaryTopicOf ?value",
        "budget_euros": "?key mlg:budget/schema:value ?value",
        "budget_min_euros": "?key mlg:budget/schema:minValue ?value",
        "budget_max_euros": "?key mlg:budget/schema:maxValue ?value",
        "professionnels": "?key mlg:effectifProfessionnels/schema:value ?value",
        "benevoles": "?key mlg:effectifBenevoles/schema:value ?value",
    }
    multiple = {
        "dimensions": "mlg:dimension",
        "echelle_territoriale": "mlg:echelleTerritoriale",
        "publics": "mlg:public",
        "mots_cles": "mlg:motCle",
        "initiateurs": "mlg:initiateur",
        "types_partenaires": "mlg:typePartenaire",
    }
    for column, pattern in single.items():
        graph = grouped(store, f"SELECT ?key ?value WHERE {{ ?key a mlg:Action . OPTIONAL {{ {pattern} }} }}")
        assert set(graph) == set(by_iri), column
        for iri, values in graph.items():
            assert len(values) <= 1, (column, iri)
            assert by_iri[iri][column] == min(values, default=""), (column, iri)
    for column, prop in multiple.items():
        graph = grouped(
            store,
            f"""SELECT ?key ?value WHERE {{ ?key a mlg:Action .
                OPTIONAL {{ ?key {prop}/skos:prefLabel ?value FILTER(LANG(?value) = "fr") }} }}""",
        )
        for iri, labels in graph.items():
            assert cells(by_iri[iri][column]) == labels, (column, iri)
    for column, path in {
        "communes": "mlg:structureOrganisatrice/mlg:commune",
        "communes_concernees": "mlg:communeConcernee",
    }.items():
        graph = grouped(
            store,
            f"""SELECT ?key ?value WHERE {{ ?key a mlg:Action .
                OPTIONAL {{ ?key {path} ?c . ?c rdfs:label ?name ; igeo:codeINSEE ?code
                            BIND(CONCAT(STR(?name), " (", STR(?code), ")") AS ?value) }} }}""",
        )
        for iri, communes in graph.items():
            assert cells(by_iri[iri][column]) == communes, (column, iri)
    sources = grouped(
        store,
        """SELECT ?key ?value WHERE {
             ?key a mlg:Action ; foaf:isPrimaryTopicOf/mlg:extrait ?x .
             ?x mlg:ligne ?line ; dct:isPartOf/dct:title ?file
             BIND(CONCAT(?file, ":", STR(?line)) AS ?value) }""",
    )
    for iri, found in sources.items():
        assert cells(by_iri[iri]["source"]) == found, iri
    # Multi-valued cells are sorted as French labels, so that two builds compare cell by cell.
    jardin = next(row for row in rows if row["titre"] == "Jardin collectif")
    assert jardin["mots_cles"] == "Développement durable ; Mixité sociale ; Solidarité"
    # What the build read in the texts, as a spreadsheet user pivots on it (see tests/graph/test_enrich.py).
    sante = next(row for row in rows if row["titre"] == "Journées santé")
    budget = (sante["budget_euros"], sante["budget_min_euros"], sante["budget_max_euros"])
    assert budget == ("", "500", "4000")
    people = (sante["professionnels"], sante["benevoles"], sante["communes_concernees"])
    assert people == ("6", "", "Toulouse (31555)")
    one_women = next(row for row in rows if row["titre"].startswith("One Women show"))
    assert one_women["communes"] == "Fontenilles (31188) ; La Salvetat-Saint-Gilles (31526)"


def test_every_structure_counts_its_actions(seed_dataset: Path) -> None:
    """nombre_actions is what a pivot table of actions.csv by structure gives, and what SPARQL counts."""
    store = open_store(seed_dataset)
    rows = read_rows(seed_dataset / STRUCTURES)
    actions = read_rows(seed_dataset / ACTIONS)
    graph = select(
        store,
        """SELECT ?s ?name ?code ?dep (COUNT(DISTINCT ?a) AS ?n) WHERE {
             ?s a mlg:Structure ; rdfs:label ?name ; mlg:departement ?d .
             ?d igeo:codeINSEE ?code ; rdfs:label ?dep .
             ?a mlg:structureOrganisatrice ?s } GROUP BY ?s ?name ?code ?dep""",
    )
    (all_structures,) = select(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a mlg:Structure }")
    assert len(rows) == len(graph) == int(all_structures["n"])
    expected = {(g["s"], g["name"], g["code"], g["dep"], g["n"]) for g in graph}
    got = {(r["iri"], r["nom"], r["departement_code"], r["departement"], r["nombre_actions"]) for r in rows}
    assert got == expected
    per_structure: dict[str, int] = {}
    for action in actions:
        per_structure[action["structure"]] = per_structure.get(action["structure"], 0) + 1
    assert {r["iri"]: int(r["nombre_actions"]) for r in rows} == per_structure


def test_partenariats_are_the_action_kind_pairs(seed_dataset: Path) -> None:
    """One row per (action, mlg:typePartenaire), naming an organisation only where the graph identifies it."""
    store = open_store(seed_dataset)
    rows = read_rows(seed_dataset / PARTENARIATS)
    graph = select(
        store,
        """SELECT ?a ?kind ?label ?org ?orgname WHERE {
             ?a a mlg:Action ; mlg:typePartenaire ?kind .
             ?kind skos:prefLabel ?label FILTER(LANG(?label) = "fr")
             OPTIONAL { ?a mlg:partenaire ?org . ?org org:classification ?kind ; rdfs:label ?orgname } }""",
    )
    assert len(rows) == len(graph) == len({(g["a"], g["kind"]) for g in graph})
    expected = {(g["a"], g["kind"], g["label"], g.get("org", ""), g.get("orgname", "")) for g in graph}
    got = {
        (
            r["action"],
            r["type_partenaire"],
            r["type_partenaire_libelle"],
            r["organisation"],
            r["organisation_nom"],
        )
        for r in rows
    }
    assert got == expected
    assert any(r["organisation"] for r in rows) and any(not r["organisation"] for r in rows)
    _assert_action_context(seed_dataset, rows)
    actions = {row["iri"]: row for row in read_rows(seed_dataset / ACTIONS)}
    for iri, action in actions.items():
        labels = {r["type_partenaire_libelle"] for r in rows if r["action"] == iri}
        assert cells(action["types_partenaires"]) == labels, iri


def test_mots_cles_are_the_action_keyword_pairs(seed_dataset: Path) -> None:
    """One row per (action, mlg:motCle); 'revu' is 'non' exactly for the concepts minted as not reviewed."""
    store = open_store(seed_dataset)
    rows = read_rows(seed_dataset / MOTS_CLES)
    graph = select(
        store,
        """SELECT ?a ?k ?label ?unreviewed WHERE {
             ?a a mlg:Action ; mlg:motCle ?k . ?k skos:prefLabel ?label FILTER(LANG(?label) = "fr")
             BIND(EXISTS { ?k a mlg:ConceptNonRevu } AS ?unreviewed) }""",
    )
    assert len(rows) == len(graph) == len({(g["a"], g["k"]) for g in graph})
    expected = {(g["a"], g["k"], g["label"], "non" if g["unreviewed"] == "true" else "oui") for g in graph}
    assert {(r["action"], r["mot_cle"], r["mot_cle_libelle"], r["revu"]) for r in rows} == expected
    _assert_action_context(seed_dataset, rows)
    actions = {row["iri"]: row for row in read_rows(seed_dataset / ACTIONS)}
    for iri, action in actions.items():
        assert cells(action["mots_cles"]) == {r["mot_cle_libelle"] for r in rows if r["action"] == iri}, iri


def _assert_action_context(folder: Path, rows: list[dict[str, str]]) -> None:
    """The title, structure and département repeated on a link row are those of the action's row."""
    actions = {row["iri"]: row for row in read_rows(folder / ACTIONS)}
    for row in rows:
        action = actions[row["action"]]
        assert row["action_titre"] == action["titre"]
        assert row["structure"] == action["structure"]
        assert row["departement_code"] == action["departement_code"]
        if "structure_nom" in row:
            assert row["structure_nom"] == action["structure_nom"]


# --- RFC 4180 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CSV_FILES)
def test_tables_are_rfc4180(seed_dataset: Path, name: str) -> None:
    """UTF-8 without BOM, comma, double quotes, CRLF after every record, one header row: the metadata's."""
    raw = (seed_dataset / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert RFC4180.fullmatch(text), f"{name} is not RFC 4180 with CRLF row ends"
    rows = read_raw(seed_dataset / name)
    assert rows[0] == header_of(name)
    assert all(len(row) == len(rows[0]) for row in rows)
    assert csv.Sniffer().sniff(text.split("\r\n", 1)[0] + "\r\n").delimiter == ","


def test_quoted_cells_of_the_seed_read_back(seed_dataset: Path) -> None:
    """The seed has a title in double quotes and multi-line résumés: the csv module gives the graph's text."""
    store = open_store(seed_dataset)
    rows = {row["iri"]: row for row in read_rows(seed_dataset / ACTIONS)}
    texts = select(store, "SELECT ?a ?title ?resume WHERE { ?a dct:title ?title ; dct:abstract ?resume }")
    assert any('"' in t["title"] for t in texts) and any("\n" in t["resume"] for t in texts)
    for found in texts:
        assert (rows[found["a"]]["titre"], rows[found["a"]]["resume"]) == (found["title"], found["resume"])


# --- CSVW ---------------------------------------------------------------------------------------------


def test_tables_validate_against_their_csvw_metadata(seed_dataset: Path) -> None:
    """A CSVW processor reads every table with no error, and its typed values are the expected ones."""
    assert csvw_errors(seed_dataset) == []
    processor = CSVW(str(seed_dataset / METADATA), validate=True)
    assert processor.is_valid, [str(w.message) for w in processor.warnings]

    group = TableGroup.from_file(seed_dataset / METADATA)
    tables = group.tabledict
    assert set(tables) == set(CSV_FILES)
    for name, table in tables.items():
        rows = list(table.iterdicts())
        assert len(rows) == len(read_raw(seed_dataset / name)) - 1, name
        for column in table.tableSchema.columns:
            if column.datatype is not None and column.datatype.base == "anyURI":
                for row in rows:
                    uri = row[column.name]
                    if uri is not None:  # rfc3986 accepts nearly anything: absolute http(s) IRIs only
                        assert uri.scheme in ("http", "https") and uri.authority, (name, column.name)
    structures = list(tables[STRUCTURES].iterdicts())
    assert all(isinstance(row["nombre_actions"], int) and row["nombre_actions"] >= 1 for row in structures)
    assert {type(row["revu"]) for row in tables[MOTS_CLES].iterdicts()} == {bool}
    actions = list(tables[ACTIONS].iterdicts())
    assert all(isinstance(row["source"], list) and row["source"] for row in actions)
    # csvw reads gYear as a plain string: check its lexical form here.
    assert all(row["annee"] is None or GYEAR.fullmatch(row["annee"]) for row in actions)


def test_metadata_matches_the_declared_tables(seed_dataset: Path) -> None:
    """csv-metadata.json is csvw_metadata(): one description per CSV, keys that exist, headers that match."""
    written = json.loads((seed_dataset / METADATA).read_text(encoding="utf-8"))
    assert written == csvw_metadata(BASE)
    assert [table["url"] for table in written["tables"]] == [table.url for table in TABLES]
    for table in written["tables"]:
        schema = table["tableSchema"]
        names = {column["name"] for column in schema["columns"]}
        keys = schema["primaryKey"] if isinstance(schema["primaryKey"], list) else [schema["primaryKey"]]
        assert set(keys) <= names
        for foreign in schema.get("foreignKeys", []):
            assert foreign["columnReference"] in names
            target = foreign["reference"]
            assert target["columnReference"] in header_of(target["resource"])


CORRUPTIONS = [
    pytest.param(STRUCTURES, "nombre_actions", "beaucoup", "nombre_actions", id="count-not-integer"),
    pytest.param(STRUCTURES, "nombre_actions", "0", "nombre_actions", id="count-not-positive"),
    pytest.param(MOTS_CLES, "revu", "peut-être", "revu", id="boolean-not-oui-non"),
    pytest.param(ACTIONS, "departement_code", "310", "departement_code", id="code-not-insee"),
    pytest.param(ACTIONS, "source", "senacs.txt", "source", id="source-without-line"),
    pytest.param(ACTIONS, "titre", "", "required", id="required-title-empty"),
    pytest.param(
        ACTIONS, "structure", BASE + "structure/31/inexistante", "not found", id="dangling-structure"
    ),
    pytest.param(MOTS_CLES, "action", BASE + "action/31/x/inexistante", "not found", id="dangling-action"),
]


@pytest.mark.parametrize(("name", "column", "value", "expected"), CORRUPTIONS)
def test_csvw_reports_a_corrupt_cell(
    seed_dataset: Path, tmp_path: Path, name: str, column: str, value: str, expected: str
) -> None:
    """The validation above can fail: one bad cell in a copy of the tables is reported."""
    folder = copy_tables(seed_dataset, tmp_path)
    rows = read_raw(folder / name)
    rows[1][rows[0].index(column)] = value
    rewrite(folder / name, rows)
    errors = csvw_errors(folder)
    assert errors, f"{name}:{column}={value!r} went unnoticed"
    assert any(expected in error for error in errors), errors


def test_csvw_reports_a_duplicate_primary_key(seed_dataset: Path, tmp_path: Path) -> None:
    """Two rows for one (action, mot_cle) pair break the table's primary key."""
    folder = copy_tables(seed_dataset, tmp_path)
    rows = read_raw(folder / MOTS_CLES)
    rewrite(folder / MOTS_CLES, [*rows, rows[1]])
    assert any("duplicate primary key" in error for error in csvw_errors(folder))


def csv2rdf(folder: Path) -> Iterator[tuple[str, ox.Quad]]:
    """A minimal W3C csv2rdf of the tables: enough for the simple ``{+column}`` templates they use.

    (The csvw package has no RDF output, and its csv2json stops on per-column aboutUrls of local files.)
    Yields (table:column, triple) for every cell of a column that is not suppressed, virtual ones included.
    """
    metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))

    def expand(template: str, row: dict[str, str]) -> str:
        return re.sub(r"\{\+?(\w+)\}", lambda match: row[match.group(1)], template)

    for table in metadata["tables"]:
        schema = table["tableSchema"]
        for row in read_rows(folder / table["url"]):
            for column in schema["columns"]:
                if column.get("suppressOutput") or "propertyUrl" not in column:
                    continue
                if not column.get("virtual") and not row[column["name"]]:
                    continue  # an empty cell is a missing value: no triple
                subject = ox.NamedNode(expand(column.get("aboutUrl", schema["aboutUrl"]), row))
                value: ox.NamedNode | ox.Literal
                if "valueUrl" in column:
                    value = ox.NamedNode(expand(column["valueUrl"], row))
                elif column.get("lang"):
                    value = ox.Literal(row[column["name"]], language=column["lang"])
                else:
                    datatype = column.get("datatype", "string")
                    base = datatype if isinstance(datatype, str) else datatype["base"]
                    value = ox.Literal(row[column["name"]], datatype=ox.NamedNode(XSD + base))
                quad = ox.Quad(subject, ox.NamedNode(column["propertyUrl"]), value)
                yield f"{table['url']}:{column['name']}", quad


def test_csv2rdf_of_the_tables_gives_the_graph_triples(seed_dataset: Path) -> None:
    """What the metadata maps the cells to is in the graph, for every resource of the graph.

    Triples about INSEE's IRIs (the département code and name, and dct:spatial to INSEE's département) are
    links out of the graph that the metadata documents as such: they are left out here.
    """
    store = open_store(seed_dataset)
    checked: dict[str, int] = {}
    missing: list[str] = []
    for where, quad in csv2rdf(seed_dataset):
        if not quad.subject.value.startswith(BASE) or quad.object.value.startswith("http://id.insee.fr/"):
            continue
        checked[where] = checked.get(where, 0) + 1
        if quad not in store:
            missing.append(f"{where}: {quad}")
    assert missing == []
    for where in (
        "actions.csv:titre",
        "actions.csv:structure",
        "actions.csv:fiche",
        "actions.csv:type",
        "structures.csv:nom",
        "structures.csv:type",
        "partenariats.csv:type_partenaire",
        "partenariats.csv:organisation",
        "mots-cles.csv:mot_cle",
        "mots-cles.csv:mot_cle_libelle",
    ):
        assert checked.get(where, 0) > 0, where
    assert checked["actions.csv:type"] == 25


# --- determinism and the API --------------------------------------------------------------------------


def test_write_tables_again_gives_the_same_bytes_and_counts(seed_dataset: Path, tmp_path: Path) -> None:
    """Rewriting the tables from the built store reproduces the build's files; the counts are data rows."""
    counts = write_tables(open_store(seed_dataset), tmp_path, BASE)
    assert counts == {name: len(read_raw(tmp_path / name)) - 1 for name in CSV_FILES}
    assert counts[ACTIONS] == 25
    for name in (*CSV_FILES, METADATA):
        assert (tmp_path / name).read_bytes() == (seed_dataset / name).read_bytes(), name


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_tables_read_in_batches_of_actions_are_the_same_bytes(
    seed_dataset: Path, tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The actions are read a batch at a time (memory holds a batch): any batch size, the same files."""
    monkeypatch.setattr(tables, "BATCH", batch)
    counts = write_tables(open_store(seed_dataset), tmp_path, BASE)
    assert counts[ACTIONS] == 25
    for name in (*CSV_FILES, METADATA):
        assert (tmp_path / name).read_bytes() == (seed_dataset / name).read_bytes(), name


@pytest.mark.slow
def test_two_builds_give_byte_identical_tables(seed: Path, seed_dataset: Path, tmp_path: Path) -> None:
    """A new build of the seed gives the same bytes: a diff between releases shows only real changes."""
    fiches = [item for item in read_export(seed) if isinstance(item, Fiche)]
    build_dataset(reversed(fiches), tmp_path, files=[str(seed)])
    for name in (*CSV_FILES, METADATA):
        assert (tmp_path / name).read_bytes() == (seed_dataset / name).read_bytes(), name


# --- edge cases ---------------------------------------------------------------------------------------


def test_an_empty_store_gives_header_only_tables(tmp_path: Path) -> None:
    """No action at all: every table is its header row alone, and still a valid CSVW table group."""
    counts = write_tables(ox.Store(), tmp_path, BASE)
    assert counts == dict.fromkeys(CSV_FILES, 0)
    for name in CSV_FILES:
        assert (tmp_path / name).read_bytes() == (",".join(header_of(name)) + "\r\n").encode()
    assert csvw_errors(tmp_path) == []


def test_a_structure_without_action_is_not_a_row(tmp_path: Path) -> None:
    """structures.csv lists the structures that organise an action: a 0 would break positiveInteger."""
    store = ox.Store()
    structure = ox.NamedNode(BASE + "structure/31/sans-action")
    departement = ox.NamedNode(BASE + "territoire/departement/31")
    mlg = "https://w3id.org/maillage/ontologie#"
    for predicate, value in (
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(mlg + "Structure")),
        ("http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("Sans action", language="fr")),
        (mlg + "departement", departement),
    ):
        store.add(ox.Quad(structure, ox.NamedNode(predicate), value))
    assert write_tables(store, tmp_path, BASE)[STRUCTURES] == 0
    assert csvw_errors(tmp_path) == []


def test_text_that_looks_escaped_reads_back_as_in_the_graph(tmp_path: Path) -> None:
    """An action's values cross from the store in one cell, '%' and ' ' escaped: text that already looks
    escaped ("%20", "%25"), runs of spaces, '=' and an empty value come back as the graph has them."""
    store = ox.Store()
    action = ox.NamedNode(BASE + "action/31/centre/pourcentages")
    mlg = "https://w3id.org/maillage/ontologie#"
    title = " 100%20 de  réussite = %25 ou 50 %% "
    for predicate, value in (
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(mlg + "Action")),
        ("http://purl.org/dc/terms/title", ox.Literal(title, language="fr")),
        ("http://purl.org/dc/terms/abstract", ox.Literal("", language="fr")),
    ):
        store.add(ox.Quad(action, ox.NamedNode(predicate), value))
    write_tables(store, tmp_path, BASE)
    assert [(row["iri"], row["titre"], row["resume"]) for row in read_rows(tmp_path / ACTIONS)] == [
        (action.value, title, "")
    ]


def test_an_action_with_no_value_is_still_a_row(tmp_path: Path) -> None:
    """Every mlg:Action is a row of actions.csv, even one the graph says nothing else about."""
    store = ox.Store()
    action = ox.NamedNode(BASE + "action/31/centre/muette")
    store.add(
        ox.Quad(
            action,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/maillage/ontologie#Action"),
        )
    )
    assert write_tables(store, tmp_path, BASE)[ACTIONS] == 1
    assert read_raw(tmp_path / ACTIONS)[1] == [action.value] + [""] * (len(header_of(ACTIONS)) - 1)


@pytest.mark.slow
def test_an_empty_export_builds_header_only_tables(tmp_path: Path) -> None:
    """The build of an export with no fiche writes the tables too, header rows only."""
    fiches = [item for item in read_export(DATA / "empty.txt") if isinstance(item, Fiche)]
    assert fiches == []
    build_dataset(fiches, tmp_path, files=[str(DATA / "empty.txt")])
    for name in CSV_FILES:
        assert read_raw(tmp_path / name) == [header_of(name)]
    assert csvw_errors(tmp_path) == []


TITLE = 'Repair café, « le "Bricol" » du quartier'
RESUME = (
    'Premier paragraphe, avec une virgule et un "guillemet".\n'
    "Second paragraphe ; avec un point-virgule.\n"
    "Un samedi par mois, des bénévoles"
)


def variant_export(folder: Path) -> Path:
    """The project's sample export with the first fiche's text made hard for a CSV writer.

    Its title has a comma and double quotes, its résumé line breaks, quotes and a semicolon, and two raw
    keywords (minted as not reviewed) hold the cell separator's ";": "Bricolage ;" and "Sport ; culture".
    """
    text = (DATA / "sample-export.txt").read_text(encoding="utf-8")
    assert text.count("Repair café du quartier") == 2 and text.count("Un samedi par mois, des bénévoles") == 1
    text = text.replace("Repair café du quartier", TITLE)
    text = text.replace("Un samedi par mois, des bénévoles", RESUME)
    text = text.replace("- Solidarité\n", "- Solidarité\n- Bricolage ;\n- Sport ; culture\n", 1)
    path = folder / "variant.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_hard_text_round_trips_through_the_tables(tmp_path: Path) -> None:
    """Commas, quotes, line breaks and semicolons of the export read back from the CSV as in the graph."""
    export = variant_export(tmp_path)
    fiches = [item for item in read_export(export) if isinstance(item, Fiche)]
    first = fiches[0]
    assert (first.titre, "\n" in (first.resume or "")) == (TITLE, True)
    # An exact duplicate read far below in the same file: two sources, in line order (8 before 100).
    twin = Fiche.from_json({**first.to_json(), "source": {"file": str(export), "line": 100}})
    out = tmp_path / "dataset"
    build_dataset([*fiches, twin], out, files=[str(export)])

    assert RFC4180.fullmatch((out / ACTIONS).read_bytes().decode("utf-8"))
    assert csvw_errors(out) == []
    store = open_store(out)
    rows = [row for row in read_rows(out / ACTIONS) if row["titre"] == TITLE]
    assert len(rows) == 1
    row = rows[0]
    (graph,) = select(
        store,
        f"SELECT ?resume WHERE {{ <{row['iri']}> dct:title {json.dumps(TITLE)}@fr ; dct:abstract ?resume }}",
    )
    assert row["resume"] == graph["resume"] == first.resume
    assert row["resume"].startswith(RESUME)
    assert row["source"] == "variant.txt:8 ; variant.txt:100"

    # Labels keep their ";" in the graph and in mots-cles.csv; in the multi-valued cell every ";" becomes
    # "," (as the metadata says), so that the cell splits back into exactly one value per keyword.
    labels = grouped(
        store,
        f"SELECT ?key ?value WHERE {{ BIND(<{row['iri']}> AS ?key) ?key mlg:motCle/skos:prefLabel ?value "
        'FILTER(LANG(?value) = "fr") }',
    )
    assert {"Bricolage ;", "Sport ; culture"} <= labels[row["iri"]]
    assert row["mots_cles"].split(SEPARATOR) == [
        "Bricolage ,",
        "Développement durable",
        "Solidarité",
        "Sport , culture",
    ]
    assert cells(row["mots_cles"]) == {label.replace(";", ",") for label in labels[row["iri"]]}
    keyword_rows = [r for r in read_rows(out / MOTS_CLES) if r["action"] == row["iri"]]
    assert {r["mot_cle_libelle"]: r["revu"] for r in keyword_rows} == {
        "Bricolage ;": "non",
        "Développement durable": "oui",
        "Solidarité": "oui",
        "Sport ; culture": "non",
    }
    assert all(r["action_titre"] == TITLE for r in keyword_rows)
