"""Property-based tests of the export parser: drawn exports, arbitrary bytes, and the way to the graph.

The exports are drawn by ``export_strategies.exports()``: fields in any order, missing, empty or repeated,
unknown labels, labels spelled oddly, any Unicode (controls, NUL, bidi marks, lone surrogates let through
as invalid UTF-8), very long lines, cp1252 files, CR/CRLF line ends, BOMs, fiches cut mid-way, several
fiches and pages per file. Each comes with what the README's format says must be read in it; the tests
check the parser finds exactly that, that no fiche holds a neighbour's text (every fiche's lines carry its
own token), and that every kept fiche comes back from the built graph, through SPARQL, with the same
values. Arbitrary and mutated bytes check the invariants that need no expectation.

The default run keeps the example counts small; the ``slow`` variants (CI: ``-m "slow or not slow"``) run
many more, the CLI's summary and a short coverage-guided run of ``benchmarks/fuzz_parser.py``.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from export_strategies import (
    KEPT,
    REJECTED,
    TOKEN,
    Export,
    check_invariants,
    exports,
    line_soups,
    mutated,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.graph.aliases import spelling_key
from maillage.graph.build import STORE, build_dataset
from maillage.graph.departements import find_departement
from maillage.graph.export import Problem, read_export, read_export_bytes
from maillage.graph.iris import DEFAULT_BASE_IRI
from maillage.graph.rdf import TEXT_PROPERTIES, Mapper, action_path
from maillage.graph.record import LIST_FIELDS, Fiche
from maillage.graph.vocabulary import SCHEMES, Vocabulary
from maillage.publish.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "senacs-haute-garonne.txt"
FUZZER = ROOT / "benchmarks" / "fuzz_parser.py"

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
# Sized so that the default run takes seconds and the slow one (CI) about two minutes on 2 cores; the long
# search is the coverage-guided `benchmarks/fuzz_parser.py --seconds N`.
FAST = settings(max_examples=25, **_COMMON)
FAST_BYTES = settings(max_examples=60, **_COMMON)
SLOW = settings(max_examples=250, **_COMMON)
FAST_BUILD = settings(max_examples=6, **_COMMON)
SLOW_BUILD = settings(max_examples=40, **_COMMON)


# --- helpers ------------------------------------------------------------------------------------------


def read_file(data: bytes) -> tuple[str, list[Fiche | Problem]]:
    """The parser's output for ``data`` written to a file, as ``maillage parse`` reads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.txt"
        path.write_bytes(data)
        return str(path), list(read_export(path))


def tokens(fiche: Fiche) -> set[int]:
    """The fiche tokens a record's strings hold."""
    found: set[int] = set()
    for key, value in fiche.to_json().items():
        if key != "source":
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    found |= {int(number) for number in TOKEN.findall(text)}
    return found


def assert_reads_as_expected(export: Export, items: list[Fiche | Problem]) -> None:
    """Each drawn fiche yields one fiche or one rejection, as expected, with the expected values."""
    fiches = {item.source.line: item for item in items if isinstance(item, Fiche)}
    rejected = [item for item in items if isinstance(item, Problem) and item.rejected]
    if export.binary:
        assert not fiches
        messages = [p.message for p in items if isinstance(p, Problem)]
        assert messages == ["binary file, not a text export: skipped"]
        return
    for expected in export.expected:
        kept = fiches.get(expected.line)
        rejections = [p for p in rejected if expected.line <= p.line <= expected.end]
        where = f"fiche {expected.index} (lines {expected.line}-{expected.end})"
        assert (kept is not None) + len(rejections) == 1, f"{where}: {kept}, {rejections}"
        if expected.outcome == KEPT:
            assert kept is not None, f"{where} should be kept: {rejections}"
        elif expected.outcome == REJECTED:
            assert kept is None, f"{where} should be rejected: {kept}"
        if kept is None:
            continue
        for key, value in expected.values.items():
            assert getattr(kept, key) == value, f"{where}: {key}"
        assert tokens(kept) <= {expected.index}, f"{where} holds text of fiches {tokens(kept)}"
    assert len(fiches) + len(rejected) == len(export.expected)


# --- the parser on drawn exports ----------------------------------------------------------------------


def _reads_as_expected(export: Export) -> None:
    name, items = read_file(export.data)
    check_invariants(export.data, items, name)
    assert_reads_as_expected(export, items)
    assert list(read_export_bytes(export.data, name)) == items, "bytes and file read alike"


@FAST
@given(exports())
def test_drawn_exports_read_as_the_format_says(export: Export) -> None:
    _reads_as_expected(export)


@pytest.mark.slow
@SLOW
@given(exports(max_fiches=6))
def test_drawn_exports_read_as_the_format_says_many(export: Export) -> None:
    _reads_as_expected(export)


# --- any bytes ----------------------------------------------------------------------------------------


def _seed_fiches() -> list[bytes]:
    """The real export cut into its fiches (each with the page header), when ../shared is there."""
    if not SEED.is_file():
        return [Path(ROOT / "tests/data/sample-export.txt").read_bytes()]
    text = SEED.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^(?=Actions$)", text)
    return [(parts[0] + part).encode("utf-8") for part in parts[1:]]


_VOCABULARY: list[Vocabulary] = []


def map_to_rdf(fiches: list[Fiche]) -> None:
    """Map fiches to triples as the build does, and write them as N-Triples: nothing may fail there."""
    if not _VOCABULARY:
        _VOCABULARY.append(Vocabulary(DEFAULT_BASE_IRI))
    vocabulary = _VOCABULARY[0]
    mapper = Mapper(vocabulary)
    for fiche in fiches:
        mapper.spellings.note(fiche, vocabulary)
    triples = [triple for fiche in fiches for triple in mapper.triples(fiche, action_path(fiche))]
    ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


ANY_BYTES = st.one_of(
    st.binary(max_size=2048),
    line_soups(),
    mutated(exports().map(lambda export: export.data)),
    mutated(st.sampled_from(_seed_fiches())),
)


def _invariants_hold(data: bytes, mapper: Callable[[list[Fiche]], None] | None) -> None:
    name = "fuzz.txt"
    check_invariants(data, list(read_export_bytes(data, name)), name, mapper)


@FAST_BYTES
@given(ANY_BYTES)
def test_any_bytes_keep_the_invariants(data: bytes) -> None:
    _invariants_hold(data, map_to_rdf)


@pytest.mark.slow
@SLOW
@given(ANY_BYTES)
def test_any_bytes_keep_the_invariants_many(data: bytes) -> None:
    _invariants_hold(data, map_to_rdf)


# --- from the export to the graph and back ------------------------------------------------------------

PREFIXES = """
PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
"""
#: The action of the fiche read at ?line (a merged duplicate's line leads to the fiche it was merged into).
ACTION_AT_LINE = """
?fiche mlg:extrait ?extract . ?extract mlg:ligne ?line . ?fiche foaf:primaryTopic ?action .
"""
CONCEPT_PROPERTIES = {key: f"https://w3id.org/maillage/ontologie#{SCHEMES[key][2]}" for key in SCHEMES}


def graph_view(store: ox.Store) -> dict[int, dict[str, Any]]:
    """What the graph says of each fiche, by the line it was read at: literals and linked labels."""
    view: dict[int, dict[str, Any]] = defaultdict(lambda: defaultdict(set))
    for row in store.query(PREFIXES + f"SELECT ?line ?p ?o WHERE {{ {ACTION_AT_LINE} ?action ?p ?o }}"):
        if isinstance(row["o"], ox.Literal):
            view[int(row["line"].value)][row["p"].value].add(row["o"].value)
    query = f"""SELECT ?line ?p ?thing ?label WHERE {{ {ACTION_AT_LINE}
        ?action ?p ?thing .
        ?thing skos:prefLabel|skos:altLabel|skos:hiddenLabel|skos:notation|rdfs:label ?label
    }}"""
    for row in store.query(PREFIXES + query):
        view[int(row["line"].value)][("labels", row["p"].value, row["thing"].value)].add(row["label"].value)
    query = f"SELECT ?line ?code WHERE {{ {ACTION_AT_LINE} ?action mlg:departement/igeo:codeINSEE ?code }}"
    for row in store.query(PREFIXES + query):
        view[int(row["line"].value)]["code"].add(row["code"].value)
    return view


def _controlled(fiche: Fiche, key: str) -> list[str]:
    raw = getattr(fiche, key)
    return [v for v in (raw if key in LIST_FIELDS else (raw or "").split("\n")) if v]


def assert_same_in_graph(fiche: Fiche, said: dict[str, Any]) -> None:
    """The graph gives back the record: title, département, structure, texts, controlled values."""
    dct, mlg = "http://purl.org/dc/terms/", "https://w3id.org/maillage/ontologie#"
    assert said[dct + "title"] == {fiche.titre}
    departement = find_departement(fiche.departement or "")
    assert departement is not None
    assert said["code"] == {departement.code}
    structures = [labels for (_, p, _), labels in _labelled(said) if p == mlg + "structureOrganisatrice"]
    assert len(structures) == 1 and fiche.structure in structures[0]
    for key, prop in TEXT_PROPERTIES.items():
        value = getattr(fiche, key)
        assert said[prop.value] == ({value} if value else set()), key
    assert said[mlg + "annee"] == ({str(fiche.annee)} if fiche.annee is not None else set())
    for key, prop in CONCEPT_PROPERTIES.items():
        linked = {thing: labels for (_, p, thing), labels in _labelled(said) if p == prop}
        meant = set()
        for value in _controlled(fiche, key):
            matches = [
                thing
                for thing, labels in linked.items()
                if value in labels or spelling_key(value) in {spelling_key(label) for label in labels}
            ]
            assert matches, f"{key} value {value!r} has no concept among {linked}"
            meant.update(matches)
        assert meant == set(linked), f"{key}: concepts no value names: {set(linked) - meant}"


def _labelled(said: dict[Any, Any]) -> list[tuple[tuple[str, str, str], set[str]]]:
    return [(key, labels) for key, labels in said.items() if isinstance(key, tuple)]


def _round_trips(export: Export) -> None:
    items = list(read_export_bytes(export.data, "export.txt"))
    fiches = [item for item in items if isinstance(item, Fiche)]
    if not fiches:
        return
    with tempfile.TemporaryDirectory() as folder:
        result = build_dataset(iter(fiches), Path(folder), files=["export.txt"])
        assert result.kept == len(fiches)
        assert result.actions + result.merged == result.kept
        store = ox.Store.read_only(str(Path(folder) / STORE))
        view = graph_view(store)
        for fiche in fiches:
            assert_same_in_graph(fiche, view[fiche.source.line])
        del store


@FAST_BUILD
@given(exports(max_fiches=4))
def test_kept_fiches_come_back_from_the_graph(export: Export) -> None:
    _round_trips(export)


@pytest.mark.slow
@SLOW_BUILD
@given(exports(max_fiches=6))
def test_kept_fiches_come_back_from_the_graph_many(export: Export) -> None:
    _round_trips(export)


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\u2029"], ids=["U+2028", "NEL", "U+2029"])
def test_text_with_a_unicode_line_separator_builds(separator: str, tmp_path: Path) -> None:
    """Found by the round trip: a résumé pasted with a Unicode line separator (Word writes U+2028)."""
    data = f"Actions\nT\n- Structure organisatrice\n- C - Nord\n- Résumé\na{separator}b\n".encode()
    fiches = [item for item in read_export_bytes(data, "export.txt") if isinstance(item, Fiche)]
    assert [fiche.resume for fiche in fiches] == [f"a{separator}b"]
    build_dataset(iter(fiches), tmp_path, files=["export.txt"])
    view = graph_view(ox.Store.read_only(str(tmp_path / STORE)))
    assert_same_in_graph(fiches[0], view[1])


# --- the command line's counts ------------------------------------------------------------------------

SUMMARY = re.compile(
    r"fiches read: (?P<read>\d+), kept: (?P<kept>\d+)(?:, merged: (?P<merged>\d+))?, "
    r"rejected: (?P<rejected>\d+)"
)


@pytest.mark.slow
@settings(max_examples=10, **_COMMON)
@given(exports(max_fiches=4))
def test_build_summary_counts_add_up(export: Export) -> None:
    """``maillage build`` says read = kept + merged + rejected, and read is the number of fiches drawn."""
    data = export.data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.txt"
        path.write_bytes(data)
        result = CliRunner().invoke(main, ["build", str(path), "--out", f"{folder}/out", "--no-validate"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    found = SUMMARY.search(result.output)
    assert found, result.output
    counts = {key: int(value or 0) for key, value in found.groupdict().items()}
    assert counts["read"] == counts["kept"] + counts["merged"] + counts["rejected"]
    assert counts["read"] == len(export.expected)


# --- the coverage-guided fuzzer -----------------------------------------------------------------------


@pytest.mark.slow
def test_fuzzer_runs_briefly_without_a_crash(tmp_path: Path) -> None:
    """``benchmarks/fuzz_parser.py`` (atheris) for 20 s from the seed corpus: it runs and finds nothing."""
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed (pip install atheris)")
    run = subprocess.run(
        [
            sys.executable,
            str(FUZZER),
            "--seconds",
            "20",
            "--corpus",
            str(tmp_path / "corpus"),
            "--crashes",
            str(tmp_path / "crashes"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"executions: [1-9]", run.stdout), run.stdout
    assert "crashes: 0" in run.stdout, run.stdout
    assert not list((tmp_path / "crashes").glob("*"))
