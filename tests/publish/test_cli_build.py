"""`maillage build` and `maillage validate` through the real console script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

MAILLAGE = str(Path(sys.executable).with_name("maillage"))
DATA = Path(__file__).resolve().parents[1] / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAILLAGE, *args], capture_output=True, text=True, timeout=300)


def test_build_and_validate_the_seed(seed: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    done = run("build", str(seed), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert re.search(r"files: 1, fiches read: 25, kept: 25, merged: 0, rejected: 0", done.stderr)
    triples = int(re.search(r"triples written: (\d+)", done.stderr).group(1))
    assert triples == len((out / "graph.nt").read_text(encoding="utf-8").splitlines())
    assert "the graph conforms" in done.stderr
    for name in ("fiches.jsonl", "graph.nt", "graph.ttl", "graph.jsonld", "build.json", "store"):
        assert (out / name).exists(), name

    checked = run("validate", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "conforms" in checked.stderr


def test_validate_reports_a_broken_graph_in_plain_words(seed: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    assert run("build", str(seed), "--out", str(out), "--no-validate").returncode == 0
    graph = out / "graph.nt"
    lines = graph.read_text(encoding="utf-8").splitlines(keepends=True)
    graph.write_text(
        "".join(
            line
            for line in lines
            if "<http://purl.org/dc/terms/title>" not in line or "/action/" not in line.split(" ", 1)[0]
        ),
        encoding="utf-8",
    )
    checked = run("validate", str(out))
    assert checked.returncode == 1
    assert "does not conform" in checked.stderr
    assert "https://w3id.org/maillage/action/31/labo-binette/jardin-collectif" in checked.stderr
    assert "http://purl.org/dc/terms/title" in checked.stderr


def test_build_keeps_going_past_bad_files_and_counts_add_up(seed: Path, tmp_path: Path) -> None:
    missing = tmp_path / "absent.txt"
    done = run(
        "build", str(missing), str(seed), str(DATA / "gironde-two-pages.txt"), "--out", str(tmp_path / "o")
    )
    assert done.returncode == 0, done.stderr
    assert f"{missing}:0: warning: cannot read file" in done.stderr
    summary = re.search(r"fiches read: (\d+), kept: (\d+), merged: (\d+), rejected: (\d+)", done.stderr)
    read, kept, merged, rejected = map(int, summary.groups())
    assert read == kept + merged + rejected
    assert kept >= 25


def test_build_with_nothing_usable_fails(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    done = run("build", str(empty), str(tmp_path / "absent.txt"), "--out", str(tmp_path / "o"))
    assert done.returncode == 1
    assert "empty file" in done.stderr
    assert "nothing built" in done.stderr


def test_build_refuses_a_base_iri_that_is_not_http(seed: Path, tmp_path: Path) -> None:
    done = run("build", str(seed), "--out", str(tmp_path / "o"), "--base-iri", "file:///etc/")
    assert done.returncode == 2
    assert "base IRI must be an http(s) IRI" in done.stderr


def test_validate_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    done = run("validate", str(tmp_path))
    assert done.returncode == 1
    assert "not a Maillage dataset folder" in done.stderr
