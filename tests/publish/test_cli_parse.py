"""`maillage parse` through the real console script: JSON Lines on stdout; problems, summary on stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from maillage.graph.record import JSON_KEYS, LIST_FIELDS

MAILLAGE = str(Path(sys.executable).with_name("maillage"))
DATA = Path(__file__).resolve().parents[1] / "data"
SEED = Path(__file__).resolve().parents[3] / "shared/seeds/senacs-haute-garonne.txt"
SAMPLE = str(DATA / "sample-export.txt")
GIRONDE = str(DATA / "gironde-two-pages.txt")

needs_seed = pytest.mark.skipif(
    not SEED.is_file(),
    reason=f"the reference export {SEED} is absent (../shared is not beside the repository)",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAILLAGE, *args], capture_output=True, text=True, timeout=300, encoding="utf-8")


def records(stdout: str) -> list[dict]:
    lines = [line for line in stdout.split("\n") if line.strip()]
    return [json.loads(line) for line in lines]


def summary(stderr: str) -> str:
    """The summary line of stderr: the one naming the counts of fiches read, kept and rejected."""
    found = [
        line
        for line in stderr.splitlines()
        if all(re.search(word, line, re.IGNORECASE) for word in (r"\bread\b", r"\bkept\b", r"\brejected\b"))
    ]
    assert found, f"no summary line with read/kept/rejected counts in stderr:\n{stderr}"
    return found[-1]


def count(line: str, word: str) -> int:
    """The number attached to ``word`` in the summary: "read: 25", "read 25" or "25 read"."""
    after = re.search(rf"\b{word}\w*\s*[:=]?\s*(\d+)", line, re.IGNORECASE)
    if after:
        return int(after.group(1))
    before = re.search(rf"(\d+)\s+(?:\w+\s+)?{word}", line, re.IGNORECASE)
    assert before, f"no count for {word!r} in {line!r}"
    return int(before.group(1))


def assert_summary(stderr: str, *, files: int, read: int, kept: int, rejected: int) -> None:
    line = summary(stderr)
    assert count(line, "file") == files, line
    assert count(line, "read") == read, line
    assert count(line, "kept") == kept, line
    assert count(line, "rejected") == rejected, line


def assert_interchange_format(record: dict) -> None:
    assert list(record) == list(JSON_KEYS)
    for key in LIST_FIELDS:
        assert isinstance(record[key], list), key
        assert all(isinstance(value, str) for value in record[key]), key
    assert isinstance(record["source"], dict)
    assert list(record["source"]) == ["file", "line"]
    assert isinstance(record["source"]["file"], str)
    assert isinstance(record["source"]["line"], int)
    assert record["annee"] is None or isinstance(record["annee"], int)


def test_console_script_is_installed() -> None:
    assert Path(MAILLAGE).is_file(), MAILLAGE


@needs_seed
@pytest.mark.parametrize("options", [[], ["--format", "jsonl"]], ids=["default", "jsonl"])
def test_parse_seed_prints_25_records(options: list[str]) -> None:
    done = run("parse", str(SEED), *options)
    assert done.returncode == 0, done.stderr
    printed = records(done.stdout)
    assert len(printed) == 25
    assert len([line for line in done.stdout.split("\n") if line.strip()]) == 25
    for record in printed:
        assert_interchange_format(record)
        assert record["source"]["file"] == str(SEED)
        assert record["departement"] == "Haute-Garonne"
    assert printed[0]["titre"] == "GRATUITERIE"
    assert printed[0]["source"] == {"file": str(SEED), "line": 2}
    assert printed[0]["mots_cles"] == ["Solidarité", "Démocratie & citoyenneté", "développement durable"]
    assert printed[-1]["titre"] == '"Fête en Plein Air : Jeux, Repas et Loto"'
    assert printed[-1]["source"]["line"] == 1250
    salvetat = next(r for r in printed if r["source"]["line"] == 102)
    assert salvetat["structure"] == "Maison des Habitants de La Salvetat Saint Gilles - Fontenilles"
    assert_summary(done.stderr, files=1, read=25, kept=25, rejected=0)


@needs_seed
def test_parse_prints_utf8_text_as_written() -> None:
    done = run("parse", str(SEED))
    assert done.returncode == 0, done.stderr
    first = records(done.stdout)[0]
    assert "« Gratuiterie de Noël »" in first["resume"]
    assert "l’égalité des chances" in first["resume"]


def test_parse_two_files_prints_both_in_order() -> None:
    done = run("parse", SAMPLE, GIRONDE)
    assert done.returncode == 0, done.stderr
    printed = records(done.stdout)
    for record in printed:
        assert_interchange_format(record)
    assert [(r["source"]["file"], r["source"]["line"]) for r in printed] == (
        [(SAMPLE, line) for line in (8, 55, 99, 142, 180)]
        + [(GIRONDE, line) for line in (5, 60, 105, 130, 166)]
    )
    assert [r["annee"] for r in printed] == [2024, 2023, 2024, 2025, 2024, 2023, 2024, 2022, 2025, None]
    assert printed[6]["territoire"] == "Un quartier"
    assert printed[5]["territoire"] == "Une commune\nPlusieurs communes"
    assert_summary(done.stderr, files=2, read=10, kept=10, rejected=0)


@needs_seed
def test_parse_seed_and_sample_keeps_files_apart() -> None:
    done = run("parse", str(SEED), SAMPLE)
    assert done.returncode == 0, done.stderr
    printed = records(done.stdout)
    assert [r["source"]["file"] for r in printed] == [str(SEED)] * 25 + [SAMPLE] * 5
    assert_summary(done.stderr, files=2, read=30, kept=30, rejected=0)


def test_parse_goes_on_after_a_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "absent-export.txt")
    done = run("parse", SAMPLE, missing, GIRONDE)
    assert done.returncode == 0, done.stderr
    printed = records(done.stdout)
    assert [r["source"]["file"] for r in printed] == [SAMPLE] * 5 + [GIRONDE] * 5
    assert missing in done.stderr
    assert_summary(done.stderr, files=3, read=10, kept=10, rejected=0)


def test_parse_reports_rejected_fiches_on_stderr_and_goes_on() -> None:
    bad = str(DATA / "unknown-departement.txt")
    done = run("parse", bad, SAMPLE)
    assert done.returncode == 0, done.stderr
    printed = records(done.stdout)
    assert [r["titre"] for r in printed[:2]] == ["Chorale des quartiers", "Bourse aux vêtements"]
    assert len(printed) == 7
    assert bad in done.stderr
    assert "Bretagne" in done.stderr
    assert_summary(done.stderr, files=2, read=8, kept=7, rejected=1)


def test_parse_only_bad_files_fails_with_a_message(tmp_path: Path) -> None:
    missing = str(tmp_path / "absent-export.txt")
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    empty = str(DATA / "empty.txt")
    done = run("parse", missing, str(binary), empty)
    assert done.returncode != 0
    assert done.stdout.strip() == ""
    assert missing in done.stderr
    assert str(binary) in done.stderr
    assert empty in done.stderr
    assert re.search("binary", done.stderr, re.IGNORECASE)
    assert "Traceback" not in done.stderr


def test_parse_a_single_missing_file_fails_with_a_message(tmp_path: Path) -> None:
    missing = str(tmp_path / "absent-export.txt")
    done = run("parse", missing)
    assert done.returncode != 0
    assert done.stdout.strip() == ""
    assert missing in done.stderr
    assert "Traceback" not in done.stderr
