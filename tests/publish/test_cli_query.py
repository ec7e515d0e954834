"""`maillage query` through the real console script, on the built seed."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from maillage.graph.catalogue import catalogue

MAILLAGE = str(Path(sys.executable).with_name("maillage"))


def query(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MAILLAGE, "query", "--data", str(data), *args], capture_output=True, text=True, timeout=120
    )


def test_catalogue_name_as_a_readable_table(seed_dataset: Path) -> None:
    done = query(seed_dataset, "actions-par-mot-cle")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split(" | ")[0].strip() == "motCle"
    assert ":concept/mots-cles/" in lines[2]  # IRIs under the dataset's base are shortened
    assert lines[-1] == "(14 rows)"


def test_rq_file_in_csv_and_json(seed_dataset: Path) -> None:
    path = next(q for q in catalogue() if q.name == "actions-par-departement")
    rq = Path(__file__).resolve().parents[2] / "graph" / "questions"
    file = next(rq.glob("*-actions-par-departement.rq"))
    done = query(seed_dataset, str(file), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 1 and "25" in rows[0].values()
    done = query(seed_dataset, path.name, "--format", "json")
    assert json.loads(done.stdout)["results"]["bindings"]


def test_query_text_tsv_ask_and_construct(seed_dataset: Path) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/maillage/ontologie#Action> }"
    assert query(seed_dataset, text, "--format", "tsv").stdout.splitlines() == ["?n", "25"]
    assert query(seed_dataset, "ASK { ?s ?p ?o }").stdout.strip() == "yes"
    done = query(seed_dataset, "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 1")
    assert done.stdout.startswith("@prefix")


def test_the_same_rules_as_the_endpoint(seed_dataset: Path) -> None:
    done = query(seed_dataset, "INSERT DATA { <http://a.example/> <http://b.example/> <http://c.example/> }")
    assert done.returncode == 1 and "read-only" in done.stderr
    done = query(seed_dataset, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert done.returncode == 1 and "SERVICE is refused" in done.stderr
    done = query(seed_dataset, "SELECT WHERE")
    assert done.returncode == 1 and "not valid SPARQL" in done.stderr
