"""`maillage build --update DIR NEWFILE...` through the real console script: the summary, the release
switch, validation, idempotence, the errors, and the withdrawn mark seen through the SPARQL endpoint."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import running_server
from http_helpers import get, http

MAILLAGE = str(Path(sys.executable).with_name("maillage"))
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-export.txt"
BASE = "https://w3id.org/maillage/"
SORTIES = "31/maison-de-quartier-des-pradettes/sorties-familles-a-la-mer-2023"
REPAIR = "31/centre-social-bellefontaine/repair-cafe-du-quartier-2024"
#: 2026-05-28
EPOCH = "1780000000"
SUMMARY = re.compile(
    r"files: (\d+), fiches read: (\d+), kept: (\d+), merged: (\d+), rejected: (\d+).*?, warnings: \d+, "
    r"actions: (\d+) \(withdrawn: (\d+)\), triples written: (\d+)"
)
UPDATE = re.compile(
    r"update of .*: added (\d+), replaced (\d+), unchanged (\d+), restored (\d+), withdrawn (\d+) "
    r"\(still withdrawn (\d+)\), untouched (\d+); fiches re-mapped: (\d+) \(for a changed spelling: (\d+)\), "
    r"taken from the cache: (\d+)"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run([MAILLAGE, *args], capture_output=True, text=True, timeout=600, env=env)


def newer_export(path: Path) -> Path:
    """The sample without "Sorties familles à la mer", the Repair café's budget changed, its first fiche
    twice (an exact duplicate: merged) and a fiche with an unknown département (rejected)."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = lines[2:7]
    blocks = ["Actions\n" + block for block in "".join(lines[7:]).split("Actions\n")[1:]]
    repair = blocks[0].replace("300€ d'outillage", "450€ d'outillage")
    broken = blocks[2].replace("Atelier numérique", "Atelier perdu").replace("- Tarn", "- Atlantide")
    kept = [(rows[0], repair), (rows[2], blocks[2]), (rows[3], blocks[3]), (rows[4], blocks[4])]
    pairs = [*kept, (rows[0], repair), (rows[2].replace("Atelier numérique", "Atelier perdu"), broken)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines[:2]) + "".join(r for r, _ in pairs) + "".join(b for _, b in pairs), "utf-8")
    return path


class Updated(NamedTuple):
    data: Path
    #: The release DATA showed before the update.
    previous: Path
    done: subprocess.CompletedProcess[str]
    export: Path


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Updated:
    """A dataset built from the sample (as export.txt), then updated with its newer version."""
    folder = tmp_path_factory.mktemp("cli-update")
    first = folder / "v1" / "export.txt"
    first.parent.mkdir()
    first.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    data = folder / "data"
    built = run("build", str(first), "--out", str(data))
    assert built.returncode == 0, built.stderr
    previous = data.resolve()
    export = newer_export(folder / "v2" / "export.txt")
    done = run("build", "--update", str(data), str(export))
    assert done.returncode == 0, done.stderr
    return Updated(data, previous, done, export)


def test_update_summary_counts_add_up(updated: Updated) -> None:
    data, _, done, _ = updated
    files, read, kept, merged, rejected, actions, withdrawn, triples = map(
        int, SUMMARY.search(done.stderr).groups()
    )
    assert (files, read, kept, merged, rejected) == (1, 6, 4, 1, 1)
    assert read == kept + merged + rejected
    assert (actions, withdrawn) == (5, 1)
    assert triples == len((data / "graph.nt").read_text(encoding="utf-8").splitlines())
    added, replaced, unchanged, restored, gone, still, untouched, remapped, respelled, cached = map(
        int, UPDATE.search(done.stderr).groups()
    )
    assert (added, replaced, unchanged, restored, gone, still, untouched) == (0, 1, 3, 0, 1, 0, 0)
    assert (remapped, respelled, cached) == (1, 0, 4)
    assert "unknown département" in done.stderr or "Atlantide" in done.stderr
    assert "exact duplicate" in done.stderr
    assert "SHACL: the graph conforms to the shapes" in done.stderr


def test_update_switches_to_a_new_release_and_keeps_the_old(
    updated: Updated,
) -> None:
    data, previous, _, _ = updated
    assert data.is_symlink()
    assert data.resolve() != previous
    assert previous.is_dir()  # the release the update read is kept, untouched
    old = [json.loads(line) for line in (previous / "fiches.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("retrait" not in record for record in old)
    new = [json.loads(line) for line in (data / "fiches.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["chemin"], r["retrait"]) for r in new if "retrait" in r] == [(SORTIES, "2026-05-28")]
    assert json.loads((data / "build.json").read_text(encoding="utf-8"))["built"] == "2026-05-28"


def test_validate_accepts_the_withdrawn_fiche(updated: Updated) -> None:
    data, _, _, _ = updated
    checked = run("validate", str(data))
    assert checked.returncode == 0, checked.stderr
    assert "the graph conforms" in checked.stderr


def test_the_endpoint_shows_the_withdrawn_mark(updated: Updated) -> None:
    data, _, _, _ = updated
    query = """PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX foaf: <http://xmlns.com/foaf/0.1/>
    SELECT ?fiche ?day ?note WHERE {
      ?fiche prov:invalidatedAtTime ?day ; foaf:primaryTopic ?action . ?action skos:editorialNote ?note }"""
    with running_server(data) as base:
        status, _, body = get(base, query, accept="application/sparql-results+json")
        assert status == 200
        rows = json.loads(body)["results"]["bindings"]
        assert [(row["fiche"]["value"], row["day"]["value"]) for row in rows] == [
            (f"{BASE}fiche/{SORTIES}", "2026-05-28")
        ]
        assert rows[0]["day"]["datatype"] == "http://www.w3.org/2001/XMLSchema#date"
        assert "retirée le 28 mai 2026" in rows[0]["note"]["value"]
        # The fiche's page says it, with the property's French label.
        status, _, page = http(f"{base}/fiche/{urllib.parse.quote(SORTIES)}", headers={"Accept": "text/html"})
        assert status == 200
        html = page.decode("utf-8")
        assert "retirée de sa source le" in html
        assert "Fiche retirée le 28 mai 2026" in html


def test_the_same_update_again_maps_nothing_and_changes_nothing(updated: Updated, tmp_path: Path) -> None:
    data, _, _, export = updated
    copy = tmp_path / "again"
    again = run("build", "--update", str(data), str(export), "--out", str(copy))
    assert again.returncode == 0, again.stderr
    remapped, cached = (int(g) for g in UPDATE.search(again.stderr).groups()[7:10:2])
    assert (remapped, cached) == (0, 5)
    for name in ("graph.nt", "graph.ttl", "graph.jsonld", "fiches.jsonl"):
        assert (copy / name).read_bytes() == (data / name).read_bytes(), name


def test_update_errors(updated: Updated, tmp_path: Path) -> None:
    data, _, _, _ = updated
    before = data.resolve()
    missing = run("build", "--update", str(tmp_path / "absent"), str(SAMPLE))
    assert missing.returncode == 2
    assert "--update" in missing.stderr
    neither = run("build", str(SAMPLE))
    assert neither.returncode == 2
    assert "--out" in neither.stderr
    other_base = run("build", "--update", str(data), str(SAMPLE), "--base-iri", "https://example.org/x/")
    assert other_base.returncode == 2
    assert "keeps the dataset's base IRI" in other_base.stderr
    not_a_dataset = tmp_path / "plain"
    not_a_dataset.mkdir()
    refused = run("build", "--update", str(not_a_dataset), str(SAMPLE))
    assert refused.returncode == 2
    assert "build.json" in refused.stderr
    empty = tmp_path / "export.txt"
    empty.write_text("", encoding="utf-8")
    nothing = run("build", "--update", str(data), str(empty))
    assert nothing.returncode == 1
    assert "not updated" in nothing.stderr
    assert data.resolve() == before
