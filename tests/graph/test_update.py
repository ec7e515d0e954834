"""Updating a built dataset with a newer export (`maillage build --update`): IRIs kept, fiches added,
replaced, withdrawn and restored, only changed fiches mapped, and the result equal, byte for byte, to a
full build of the records it ends with."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from maillage.graph import rdf
from maillage.graph.build import NTRIPLES, RECORDS, build_dataset, read_metadata, read_records
from maillage.graph.export import read_export
from maillage.graph.mapcache import CACHE
from maillage.graph.record import JSON_KEYS, Fiche
from maillage.graph.update import NothingToUpdate, UpdateResult, update_dataset
from maillage.graph.validate import check_dataset

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "sample-export.txt"
GIRONDE = DATA / "gironde-two-pages.txt"
BASE = "https://w3id.org/maillage/"
PREFIXES = """
PREFIX mlg: <https://w3id.org/maillage/ontologie#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
DAY = "2026-03-01"

REPAIR = "31/centre-social-bellefontaine/repair-cafe-du-quartier-2024"
SORTIES = "31/maison-de-quartier-des-pradettes/sorties-familles-a-la-mer-2023"
ATELIER = "81/centre-social-du-castelviel/atelier-numerique-pour-les-seniors-2024"
JARDIN = "81/espace-de-vie-sociale-l-escale-castres/jardin-partage-des-cordeliers-2025"
SCOLARITE = "31/centre-social-les-arenes/accompagnement-a-la-scolarite-2024"
TABLETTE = "81/centre-social-du-castelviel/atelier-tablette-pour-les-seniors-2024"
SAMPLE_PATHS = {REPAIR, SORTIES, ATELIER, JARDIN, SCOLARITE}


# --------------------------------------------------------------------------------------------------
# Exports written for the tests: the sample's fiches, edited
# --------------------------------------------------------------------------------------------------


def sample_parts() -> tuple[str, list[tuple[str, str]]]:
    """The sample export as its header and (listing row, fiche block) pairs, in order."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = lines[2:7]
    blocks = ["Actions\n" + block for block in "".join(lines[7:]).split("Actions\n")[1:]]
    assert len(blocks) == len(rows) == 5
    return "".join(lines[:2]), list(zip(rows, blocks, strict=True))


def write_export(path: Path, pairs: list[tuple[str, str]]) -> Path:
    head, _ = sample_parts()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + "".join(row for row, _ in pairs) + "".join(block for _, block in pairs), "utf-8")
    return path


def retitled(pair: tuple[str, str], old: str, new: str) -> tuple[str, str]:
    row, block = pair
    return row.replace(old, new), block.replace(f"Actions\n{old}\n", f"Actions\n{new}\n")


def variant_b(folder: Path, name: str = "export.txt") -> Path:
    """The sample without "Sorties familles à la mer", the Repair café's texts changed, one fiche added."""
    _, pairs = sample_parts()
    row, block = pairs[0]
    block = block.replace("300€ d'outillage", "450€ d'outillage").replace(
        "Le local est trop petit pour les vélos.", "Le local a été agrandi."
    )
    added = retitled(pairs[2], "Atelier numérique pour les seniors", "Atelier tablette pour les seniors")
    return write_export(folder / name, [(row, block), pairs[2], pairs[3], pairs[4], added])


def fiches_of(path: Path) -> list[Fiche]:
    return [item for item in read_export(path) if isinstance(item, Fiche)]


def build(folder: Path, *exports: Path, **kwargs) -> Path:
    fiches = [fiche for export in exports for fiche in fiches_of(export)]
    build_dataset(fiches, folder, files=[str(export) for export in exports], built="2026-01-15", **kwargs)
    return folder


def update(previous: Path, out: Path | None, *exports: Path, **kwargs) -> UpdateResult:
    fiches = [fiche for export in exports for fiche in fiches_of(export)]
    kwargs.setdefault("built", DAY)
    return update_dataset(previous, fiches, out, [str(export) for export in exports], **kwargs)


def rebuilt(folder: Path, out: Path, **kwargs) -> Path:
    """A full build of the records ``folder`` holds, with its files and day."""
    metadata = read_metadata(folder)
    build_dataset(
        read_records(folder / RECORDS), out, metadata.base_iri, metadata.files, built=metadata.built, **kwargs
    )
    return out


def select(folder: Path, query: str) -> list[dict[str, str]]:
    store = ox.Store.read_only(str(folder / "store"))
    return [
        {var.value: row[var].value for var in rows.variables if row[var] is not None}
        for rows in [store.query(PREFIXES + query)]
        for row in rows
    ]


def action_paths(folder: Path) -> set[str]:
    rows = select(folder, "SELECT ?a WHERE { ?a a mlg:Action }")
    return {row["a"].removeprefix(f"{BASE}action/") for row in rows}


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / RECORDS).read_text(encoding="utf-8").splitlines()]


def same_files(first: Path, second: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


DUMPS = (NTRIPLES, "graph.ttl", "graph.jsonld", RECORDS, "actions.csv", "structures.csv", "catalogue.ttl")


@pytest.fixture
def mapped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the fiches mapped in this process (the text readings run inside the mapping)."""
    calls: list[str] = []
    original = rdf.Mapper.content_triples

    def spy(self: rdf.Mapper, fiche: Fiche, path: str) -> Iterator[ox.Triple]:
        calls.append(path)
        return original(self, fiche, path)

    monkeypatch.setattr(rdf.Mapper, "content_triples", spy)
    return calls


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built once as ``export.txt`` (read-only for the tests)."""
    folder = tmp_path_factory.mktemp("update")
    return build(folder / "a", write_export(folder / "a-export" / "export.txt", sample_parts()[1]))


# --------------------------------------------------------------------------------------------------
# Records carry their IRI path
# --------------------------------------------------------------------------------------------------


def test_records_keep_their_iri_path_and_parse_output_is_unchanged(first: Path) -> None:
    kept = records(first)
    assert {record["chemin"] for record in kept} == SAMPLE_PATHS
    assert all("retrait" not in record for record in kept)
    assert all(tuple(record)[: len(JSON_KEYS)] == JSON_KEYS for record in kept)
    fiche = Fiche.from_json(kept[0])
    assert fiche.chemin == REPAIR and fiche.retrait is None
    assert tuple(fiches_of(SAMPLE)[0].to_json()) == JSON_KEYS  # `maillage parse` prints only the format
    assert rdf.content_digest(fiche) == rdf.content_digest(fiches_of(SAMPLE)[0])


def test_a_build_from_records_keeps_their_paths(tmp_path: Path) -> None:
    fiches = fiches_of(SAMPLE)
    fiches[0].chemin = "31/centre-social-bellefontaine/un-chemin-publie"
    build_dataset(fiches, tmp_path)
    assert "31/centre-social-bellefontaine/un-chemin-publie" in action_paths(tmp_path)
    assert REPAIR not in action_paths(tmp_path)


# --------------------------------------------------------------------------------------------------
# Add, replace, keep, withdraw
# --------------------------------------------------------------------------------------------------


def test_update_adds_replaces_keeps_and_withdraws(first: Path, tmp_path: Path, mapped: list[str]) -> None:
    newer = variant_b(tmp_path / "b")
    done = update(first, tmp_path / "out", newer)
    out = tmp_path / "out"

    assert (done.kept, done.merged, done.added, done.replaced, done.unchanged) == (5, 0, 1, 1, 3)
    assert (done.withdrawn, done.still_withdrawn, done.restored, done.untouched) == (1, 0, 0, 0)
    # Only the new and the changed fiche were read and mapped; the others came from the cache.
    assert sorted(mapped) == sorted([REPAIR, TABLETTE])
    assert (done.build.mapping.mapped, done.build.mapping.cached) == (2, 4)
    assert done.build.mapping.cache_unused == ""

    # Every IRI published before is still there; the new fiche is added.
    assert action_paths(out) == SAMPLE_PATHS | {TABLETTE}
    # The replaced fiche: new texts and readings at the same IRI, the old ones gone.
    repair = f"<{BASE}action/{REPAIR}>"
    texts = select(out, f"SELECT ?p ?v WHERE {{ {repair} ?p ?v . FILTER(isLiteral(?v)) }}")
    values = {row["v"] for row in texts}
    assert "450€ d'outillage" in values and "Le local a été agrandi." in values
    assert "300€ d'outillage" not in values and "Le local est trop petit pour les vélos." not in values
    budget = select(out, f"SELECT ?v WHERE {{ {repair} mlg:budget/schema:value ?v }}")
    assert [row["v"] for row in budget] == ["450"]
    assert "300€ d'outillage" not in (out / NTRIPLES).read_text(encoding="utf-8")

    # An unchanged fiche: same triples, its source extract refreshed to the newer export's line.
    line = next(f.source.line for f in fiches_of(newer) if f.titre == "Accompagnement à la scolarité")
    extracts = select(out, f"SELECT ?l WHERE {{ <{BASE}fiche/{SCOLARITE}> mlg:extrait/mlg:ligne ?l }}")
    assert [row["l"] for row in extracts] == [str(line)]
    assert line != 180  # the line it had in the first export

    # The fiche missing from the newer export of its source: kept, marked withdrawn with the day.
    marks = select(
        out,
        f"""SELECT ?day ?note ?actionNote ?title WHERE {{
          <{BASE}fiche/{SORTIES}> prov:invalidatedAtTime ?day ; skos:editorialNote ?note ;
                                 foaf:primaryTopic ?action .
          ?action skos:editorialNote ?actionNote ; dct:title ?title }}""",
    )
    assert len(marks) == 1
    assert marks[0]["day"] == DAY
    assert marks[0]["title"] == "Sorties familles à la mer"
    assert "retirée le 1 mars 2026" in marks[0]["note"]
    assert "retirée le 1 mars 2026" in marks[0]["actionNote"]
    assert f'"{DAY}"^^<http://www.w3.org/2001/XMLSchema#date>' in (out / NTRIPLES).read_text("utf-8")
    withdrawn = [record for record in records(out) if record.get("retrait")]
    assert [(record["chemin"], record["retrait"]) for record in withdrawn] == [(SORTIES, DAY)]
    only_one = select(out, "SELECT ?f WHERE { ?f prov:invalidatedAtTime ?d }")
    assert len(only_one) == 1
    metadata = read_metadata(out)
    assert (metadata.kept, metadata.actions, metadata.withdrawn, metadata.built) == (6, 6, 1, DAY)

    # The withdrawn fiche conforms to the shapes, like the rest.
    outcome = check_dataset(out)
    assert outcome.violations == []


def test_update_equals_a_full_build_of_its_records(first: Path, tmp_path: Path) -> None:
    """The strongest check: the updated folder is, byte for byte, what a full build of its records is."""
    update(first, tmp_path / "out", variant_b(tmp_path / "b"))
    full = rebuilt(tmp_path / "out", tmp_path / "full")
    same_files(tmp_path / "out", full, DUMPS)


def test_update_in_worker_processes_gives_the_same_files(first: Path, tmp_path: Path) -> None:
    """The parallel mapping path, with fiches from the cache and mapped ones in the same chunks."""
    newer = variant_b(tmp_path / "b")
    serial = update(first, tmp_path / "serial", newer, workers=0)
    parallel = update(first, tmp_path / "parallel", newer, workers=2)
    assert (parallel.build.mapping.mapped, parallel.build.mapping.cached) == (2, 4)
    assert serial.build.mapping == parallel.build.mapping
    same_files(tmp_path / "serial", tmp_path / "parallel", DUMPS)


def test_update_in_place(first: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "dataset"
    shutil.copytree(first, folder)
    done = update(folder, None, variant_b(tmp_path / "b"))
    assert done.added == 1
    assert action_paths(folder) == SAMPLE_PATHS | {TABLETTE}
    same_files(folder, rebuilt(folder, tmp_path / "full"), DUMPS)


def test_withdrawal_day_follows_source_date_epoch(
    first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")  # 2026-05-28
    done = update(first, tmp_path / "out", variant_b(tmp_path / "b"), built=None)
    assert done.build.built == "2026-05-28"
    assert select(tmp_path / "out", "SELECT ?d WHERE { ?f prov:invalidatedAtTime ?d }") == [
        {"d": "2026-05-28"}
    ]


# --------------------------------------------------------------------------------------------------
# Sources: only the files read again lose fiches
# --------------------------------------------------------------------------------------------------


def test_fiches_of_other_sources_are_untouched(tmp_path: Path) -> None:
    _, pairs = sample_parts()
    a = write_export(tmp_path / "a" / "a.txt", pairs)
    folder = build(tmp_path / "dir", a, GIRONDE)
    before = (folder / NTRIPLES).read_text(encoding="utf-8").splitlines()
    gironde = {fiche.source.line for fiche in fiches_of(GIRONDE)}
    assert gironde

    newer = write_export(tmp_path / "b" / "a.txt", [pairs[0], pairs[2], pairs[3], pairs[4]])
    done = update(folder, tmp_path / "out", newer)
    assert (done.unchanged, done.withdrawn, done.untouched) == (4, 1, len(gironde))
    assert done.sources == ["a.txt"]
    after = (tmp_path / "out" / NTRIPLES).read_text(encoding="utf-8").splitlines()

    # Every triple about the Gironde fiches and their actions is as it was.
    paths = {record["chemin"] for record in records(folder) if record["source"]["file"] == str(GIRONDE)}
    subjects = tuple(
        f"<{BASE}{kind}/{path}{end}" for path in paths for kind in ("action", "fiche") for end in ">#"
    )

    def about_gironde(lines: list[str]) -> list[str]:
        return [line for line in lines if line.startswith(subjects)]

    assert about_gironde(after) == about_gironde(before)
    assert len(about_gironde(before)) > 20
    withdrawn = select(tmp_path / "out", "SELECT ?f WHERE { ?f prov:invalidatedAtTime ?d }")
    assert [row["f"] for row in withdrawn] == [f"{BASE}fiche/{SORTIES}"]
    assert read_metadata(tmp_path / "out").files == sorted({"a.txt", GIRONDE.name})
    same_files(tmp_path / "out", rebuilt(tmp_path / "out", tmp_path / "full"), DUMPS)


def test_a_newer_export_under_another_name_replaces_at_the_same_iri(first: Path, tmp_path: Path) -> None:
    """Same identity from another file: it replaces the fiche (same IRI, new source); nothing withdrawn."""
    _, pairs = sample_parts()
    row, block = pairs[0]
    newer = write_export(tmp_path / "b" / "2025.txt", [(row, block.replace("300€", "320€"))])
    done = update(first, tmp_path / "out", newer)
    assert (done.replaced, done.withdrawn, done.untouched) == (1, 0, 4)
    extract = select(tmp_path / "out", f"SELECT ?e WHERE {{ <{BASE}fiche/{REPAIR}> mlg:extrait ?e }}")
    assert [row["e"] for row in extract] == [f"{BASE}source/2025-txt#line=3,4"]
    assert action_paths(tmp_path / "out") == SAMPLE_PATHS


# --------------------------------------------------------------------------------------------------
# Comebacks, clashes, idempotence, spellings
# --------------------------------------------------------------------------------------------------


def test_a_withdrawn_fiche_that_comes_back_is_restored_at_its_iri(first: Path, tmp_path: Path) -> None:
    update(first, tmp_path / "withdrawn", variant_b(tmp_path / "b"))
    again = write_export(tmp_path / "c" / "export.txt", sample_parts()[1])
    done = update(tmp_path / "withdrawn", tmp_path / "back", again, built="2026-04-01")
    assert (done.restored, done.replaced, done.withdrawn, done.still_withdrawn) == (1, 1, 1, 0)
    back = tmp_path / "back"
    assert not select(back, f"SELECT ?d WHERE {{ <{BASE}fiche/{SORTIES}> prov:invalidatedAtTime ?d }}")
    assert not select(back, f"SELECT ?n WHERE {{ <{BASE}action/{SORTIES}> skos:editorialNote ?n }}")
    # The added fiche is now the one missing: withdrawn in its turn.
    gone = select(back, "SELECT ?f ?d WHERE { ?f prov:invalidatedAtTime ?d }")
    assert gone == [{"f": f"{BASE}fiche/{TABLETTE}", "d": "2026-04-01"}]
    # Apart from it, the graph is the first build's again, its records too.
    first_lines = set((first / NTRIPLES).read_text(encoding="utf-8").splitlines())
    back_lines = set((back / NTRIPLES).read_text(encoding="utf-8").splitlines())
    assert first_lines <= back_lines
    assert all(TABLETTE in line or "atelier-tablette" in line for line in back_lines - first_lines)

    def lines(folder: Path) -> list[dict]:  # the export files' folders differ, not their names
        return [{**r, "source": r["source"]["line"]} for r in records(folder) if r["chemin"] != TABLETTE]

    assert lines(back) == lines(first)


def test_identity_clash_keeps_the_published_iri(first: Path, tmp_path: Path) -> None:
    """Two fiches of the newer export share the Repair café's identity: the one most like the published
    fiche keeps its IRI, the other gets a suffixed one, whatever their order in the export."""
    _, pairs = sample_parts()
    row, block = pairs[0]
    edited = (row, block.replace("300€ d'outillage", "350€ d'outillage"))
    other = pairs[4][1]  # Haute-Garonne, 2024, like the Repair café
    twin = (
        row,
        other.replace(
            "Actions\nAccompagnement à la scolarité\n", "Actions\nRepair café du quartier\n"
        ).replace("Centre social « Les Arènes »", "Centre social Bellefontaine"),
    )
    results = {}
    for order, chosen in (("edited-first", [edited, twin]), ("twin-first", [twin, edited])):
        newer = write_export(tmp_path / order / "export.txt", [*chosen, pairs[1], pairs[2], pairs[3]])
        out = tmp_path / f"out-{order}"
        done = update(first, out, newer)
        assert (done.replaced, done.added, done.withdrawn) == (1, 1, 1)
        paths = {record["chemin"]: record for record in records(out)}
        assert paths[REPAIR]["ressources_financieres"] == "350€ d'outillage"
        suffixed = [path for path in paths if path.startswith(REPAIR + "-")]
        assert len(suffixed) == 1
        assert paths[suffixed[0]]["resume"] == fiches_of(SAMPLE)[4].resume  # the twin
        assert rdf.content_digest(Fiche.from_json(paths[suffixed[0]])).startswith(suffixed[0][-6:])
        results[order] = {path: rdf.content_digest(Fiche.from_json(r)) for path, r in paths.items()}
        # A full build of the records keeps both IRIs (a build of the export alone would suffix both).
        same_files(out, rebuilt(out, tmp_path / f"full-{order}"), (NTRIPLES,))
    assert results["edited-first"] == results["twin-first"]
    alone = tmp_path / "alone"
    build_dataset(fiches_of(tmp_path / "edited-first" / "export.txt"), alone)
    assert REPAIR not in action_paths(alone)


def test_the_same_update_twice_changes_nothing(first: Path, tmp_path: Path, mapped: list[str]) -> None:
    newer = variant_b(tmp_path / "b")
    update(first, tmp_path / "once", newer)
    mapped.clear()
    done = update(tmp_path / "once", tmp_path / "twice", newer, built="2026-04-02")
    assert mapped == []
    assert (done.build.mapping.mapped, done.build.mapping.cached) == (0, 6)
    assert (done.unchanged, done.added, done.replaced, done.withdrawn, done.still_withdrawn) == (
        5,
        0,
        0,
        0,
        1,
    )
    same_files(tmp_path / "once", tmp_path / "twice", (NTRIPLES, "graph.ttl", "graph.jsonld", RECORDS))
    # The withdrawal keeps its first day.
    assert [r["retrait"] for r in records(tmp_path / "twice") if "retrait" in r] == [DAY]


def test_a_changed_spelling_count_maps_the_fiches_that_show_it(
    first: Path, tmp_path: Path, mapped: list[str]
) -> None:
    """Structure labels are chosen from the counts over all fiches: two new fiches spelling the Repair
    café's structure in capitals change its label, so the Repair café (unchanged) is mapped again."""
    _, pairs = sample_parts()
    row, block = pairs[0]
    capitals = [
        retitled((row, block.replace("Centre social Bellefontaine", "CENTRE SOCIAL BELLEFONTAINE")), old, new)
        for old, new in (("Repair café du quartier", "Troc de plantes"), ("Repair café du quartier", "Bal"))
    ]
    newer = write_export(tmp_path / "b" / "autre.txt", capitals)
    done = update(first, tmp_path / "out", newer)
    assert (done.added, done.untouched) == (2, 5)
    assert done.build.mapping.respelled == 1
    assert REPAIR in mapped and len(mapped) == 3
    label = select(
        tmp_path / "out",
        f"SELECT ?l WHERE {{ <{BASE}structure/31/centre-social-bellefontaine> rdfs:label ?l }}",
    )
    assert label == [{"l": "CENTRE SOCIAL BELLEFONTAINE"}]
    same_files(tmp_path / "out", rebuilt(tmp_path / "out", tmp_path / "full"), DUMPS)


# --------------------------------------------------------------------------------------------------
# The cache, old datasets, nothing to read
# --------------------------------------------------------------------------------------------------


def test_a_foreign_cache_is_not_used(first: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "dataset"
    shutil.copytree(first, folder)
    with sqlite3.connect(folder / CACHE) as db:
        db.execute("UPDATE meta SET value = 'other code' WHERE key = 'fingerprint'")
    done = update(folder, tmp_path / "out", variant_b(tmp_path / "b"))
    assert "other code" in done.build.mapping.cache_unused
    assert (done.build.mapping.mapped, done.build.mapping.cached) == (6, 0)
    same_files(tmp_path / "out", rebuilt(tmp_path / "out", tmp_path / "full"), DUMPS)


def test_a_dataset_built_before_paths_were_recorded_updates(first: Path, tmp_path: Path) -> None:
    """Records without ``chemin`` and no cache: the paths their build gave them are found again."""
    import shutil

    folder = tmp_path / "dataset"
    shutil.copytree(first, folder)
    legacy = [{k: v for k, v in record.items() if k != "chemin"} for record in records(folder)]
    (folder / RECORDS).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in legacy), "utf-8")
    (folder / CACHE).unlink()
    done = update(folder, tmp_path / "out", variant_b(tmp_path / "b"))
    assert (done.added, done.replaced, done.unchanged, done.withdrawn) == (1, 1, 3, 1)
    assert done.build.mapping.cached == 0
    same_files(tmp_path / "out", rebuilt(tmp_path / "out", tmp_path / "full"), DUMPS)
    update(first, tmp_path / "cached", variant_b(tmp_path / "b"))
    same_files(tmp_path / "out", tmp_path / "cached", (NTRIPLES,))


def test_nothing_read_updates_nothing(first: Path, tmp_path: Path) -> None:
    with pytest.raises(NothingToUpdate):
        update_dataset(first, [], tmp_path / "out", ["empty.txt"])
    assert not (tmp_path / "out").exists()
    with pytest.raises(FileNotFoundError):
        update_dataset(tmp_path, fiches_of(SAMPLE), tmp_path / "out", [str(SAMPLE)])
