"""The synthetic export generator: exact format, determinism, realism of the quirks, flat memory."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillage.graph.departements import DEPARTEMENTS
from maillage.graph.generate import (
    FICHE_MARKER,
    L_PARTENAIRES,
    L_RAISON_FIN,
    L_RESUME,
    L_STATUT,
    L_STRUCTURE,
    LABELS,
    LISTING_HEADER,
    MANDATORY_LABELS,
    OPTIONAL_LABELS,
    PAGE_HEADER,
    generate,
    load_vocabulary,
)
from maillage.publish.generate_command import generate_command

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "senacs-haute-garonne.txt"
DERIVE_SCRIPT = ROOT / "benchmarks" / "derive_generator_vocabulary.py"
DEPARTEMENT_NAMES = {nom for _, nom in DEPARTEMENTS}
LABEL_SET = set(LABELS)
# Fields whose content is free text (everything but the structure, statut, lists and territoires).
LIST_LABELS = {
    L_STRUCTURE, L_STATUT, "- Dimension", "- Mots clés associés à l'action",
    "- Qui est à l'initiative de l'action ?", "- Territoire concerné", "- Public", L_PARTENAIRES,
    "- Fichier(s) associé(s)",
}
TEXT_LABELS = LABEL_SET - LIST_LABELS


def corpus(fiches: int, seed: int = 0, **kwargs) -> str:
    out = io.StringIO()
    assert generate(fiches, seed, out, **kwargs) == fiches
    return out.getvalue()


def split(text: str) -> tuple[list[list[str]], list[dict]]:
    """The listing rows of each page, and each fiche as title + [(label, content lines)], by plain reading."""
    pages: list[list[str]] = []
    fiches: list[dict] = []
    lines = text.split("\n")
    assert lines[-1] == "", "the file ends with a newline"
    i = 0
    while i < len(lines) - 1:
        line = lines[i]
        if line == PAGE_HEADER:
            assert lines[i + 1] == LISTING_HEADER
            i += 2
            rows = []
            while lines[i] != FICHE_MARKER:
                rows.append(lines[i])
                i += 1
            pages.append(rows)
            continue
        assert line == FICHE_MARKER, f"line {i + 1}: {line!r}"
        fiche = {"title": lines[i + 1], "fields": [], "page": len(pages) - 1}
        i += 2
        while i < len(lines) - 1 and lines[i] not in (FICHE_MARKER, PAGE_HEADER):
            if lines[i] in LABEL_SET:
                fiche["fields"].append((lines[i], []))
            else:
                assert fiche["fields"], f"line {i + 1}: content before the first label"
                fiche["fields"][-1][1].append(lines[i])
            i += 1
        fiches.append(fiche)
    return pages, fiches


@pytest.fixture(scope="module")
def c500() -> str:
    return corpus(500, seed=11)


@pytest.fixture(scope="module")
def split500(c500):
    return split(c500)


def test_same_seed_gives_the_same_bytes():
    assert corpus(150, seed=3) == corpus(150, seed=3)


def test_output_does_not_depend_on_hash_seed():
    """No set or dict iteration order leaks into the output: other PYTHONHASHSEEDs, other processes."""
    code = (
        "import hashlib, io, sys\n"
        "from maillage.graph.generate import generate\n"
        "out = io.StringIO(); generate(60, 5, out)\n"
        "print(hashlib.sha256(out.getvalue().encode()).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": hashseed},
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for hashseed in ("1", "2")
    }
    assert digests == {hashlib.sha256(corpus(60, seed=5).encode()).hexdigest()}


def test_different_seeds_differ():
    assert corpus(50, seed=1) != corpus(50, seed=2)


@pytest.mark.parametrize(("fiches", "per_page"), [(0, 40), (1, 40), (40, 40), (97, 40), (23, 7)])
def test_counts_pages_and_listing_rows(fiches, per_page):
    text = corpus(fiches, seed=fiches, per_page=per_page)
    pages, parsed = split(text)
    assert len(parsed) == fiches
    assert text.count(f"\n{FICHE_MARKER}\n") + text.startswith(f"{FICHE_MARKER}\n") == fiches
    assert sum(len(rows) for rows in pages) == fiches
    assert len(pages) == -(-fiches // per_page)
    assert all(len(rows) == per_page for rows in pages[:-1])
    if fiches == 0:
        assert text == ""


def test_listing_rows_describe_the_page_fiches(split500):
    pages, fiches = split500
    rows = iter(row for page in pages for row in page)
    for fiche in fiches:
        row = next(rows)
        assert row.endswith(" |")
        title, departement, year = row.removesuffix(" |").rsplit(" | ", 2)
        assert title == fiche["title"]
        assert fiche["fields"][0][1][0].endswith(f" - {departement}")
        assert 2019 <= int(year) <= 2025


def test_every_fiche_has_the_mandatory_labels_in_the_seed_order(split500):
    _, fiches = split500
    for fiche in fiches:
        labels = [label for label, _ in fiche["fields"]]
        assert [label for label in labels if label not in OPTIONAL_LABELS] == list(MANDATORY_LABELS)
        # Optional labels sit at their place in the form.
        positions = iter(range(len(LABELS)))
        for label in labels:
            assert any(LABELS[p] == label for p in positions), labels


def test_raison_fin_only_for_finished_actions(split500):
    _, fiches = split500
    seen = 0
    for fiche in fiches:
        fields = dict(fiche["fields"][:4])
        statut = fields[L_STATUT]
        assert statut in (["- En cours"], ["- Terminée"])
        if L_RAISON_FIN in fields:
            seen += 1
            assert statut == ["- Terminée"]
    assert seen > 0


def test_structure_lines_end_with_a_departement(split500):
    _, fiches = split500
    for fiche in fiches:
        label, content = fiche["fields"][0]
        assert label == L_STRUCTURE and len(content) == 1
        line = content[0]
        assert line.startswith("- ")
        assert line.rsplit(" - ", 1)[1] in DEPARTEMENT_NAMES


def test_labels_are_the_seed_labels():
    if not SEED.exists():
        pytest.skip(f"seed export not found at {SEED}")
    seed_lines = set(SEED.read_text(encoding="utf-8").split("\n"))
    assert seed_lines >= LABEL_SET
    assert load_vocabulary()["labels"] == list(LABELS)


def test_quirks_are_present(split500):
    _, fiches = split500
    titles = [f["title"] for f in fiches]
    structures = [f["fields"][0][1][0][2:].rsplit(" - ", 1)[0] for f in fiches]
    text_lines = [
        line for f in fiches for label, content in f["fields"] if label in TEXT_LABELS for line in content
    ]
    resume_lines = [line for f in fiches for label, content in f["fields"] if label == L_RESUME
                    for line in content]
    assert any(" - " in s for s in structures), "a structure name containing ' - '"
    assert any('"' in s for s in structures), "a structure name with quotes"
    assert any(line.startswith("- ") for line in text_lines), "a '- ' line inside free text"
    assert any(t == t.lower() for t in titles), "a lower-case title"
    assert any(t.startswith('"') for t in titles), "a title in quotes"
    assert any("«" in t for t in titles), "a title with « »"
    assert any(line.startswith("Partenaires : ") for line in resume_lines), "a 'Partenaires :' résumé line"
    empty = [1 for f in fiches for label, content in f["fields"] if label in TEXT_LABELS and not content]
    assert len(empty) > len(fiches), "empty fields: a label directly followed by the next one"
    territoires = [
        tuple(tuple(content) for label, content in f["fields"] if label == "- Territoire concerné")
        for f in fiches
    ]
    equal = sum(a == b for a, b in territoires)
    assert 0.85 * len(fiches) < equal < len(fiches), "the two Territoire concerné: usually equal"


def test_no_generated_line_can_be_mistaken_for_structure(split500):
    """Free text never reproduces a label, a fiche marker, a page header or a listing header."""
    _, fiches = split500
    for fiche in fiches:
        assert fiche["title"] not in LABEL_SET | {FICHE_MARKER, PAGE_HEADER, LISTING_HEADER}
        assert "|" not in fiche["title"].replace(" | ", "")
        for label, content in fiche["fields"]:
            if label in TEXT_LABELS:
                assert all(line.strip() and line not in (FICHE_MARKER, PAGE_HEADER, "-") for line in content)


def test_structures_come_from_a_pool_per_departement():
    _, fiches = split(corpus(3000, seed=2))
    by_dep: dict[str, set[str]] = {}
    per_structure: Counter = Counter()
    for fiche in fiches:
        name, dep = fiche["fields"][0][1][0][2:].rsplit(" - ", 1)
        by_dep.setdefault(dep, set()).add(name)
        per_structure[dep, name] += 1
    assert set(by_dep) == DEPARTEMENT_NAMES, "every département appears"
    assert max(len(names) for names in by_dep.values()) <= 50
    assert sum(1 for c in per_structure.values() if c >= 3) > 100, "structures write several fiches"
    counts = Counter(dep for dep, _ in per_structure.elements())
    assert counts["Haute-Garonne"] < 3 * 3000 / 101, "Haute-Garonne weighs like the others"


def test_mean_fiche_size_is_close_to_the_seed():
    text = corpus(1000, seed=4)
    mean = len(text.encode("utf-8")) / 1000
    seed_mean = load_vocabulary()["seed"]["mean_fiche_bytes"]
    assert abs(mean - seed_mean) / seed_mean < 0.12, (mean, seed_mean)


class _CountingWriter:
    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _peak(fiches: int) -> tuple[int, int]:
    generate(1, 0, _CountingWriter())  # load the vocabulary before measuring
    sink = _CountingWriter()
    tracemalloc.start()
    try:
        generate(fiches, 9, sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sink.chars


def test_memory_is_flat():
    """About 10 MB written, well under 3 MB traced: nothing accumulates (20,000 fiches: marked slow)."""
    peak, chars = _peak(3_000)
    assert chars > 9_000_000
    assert peak < 3_000_000, f"peak {peak:,} bytes for {chars:,} characters written"


@pytest.mark.slow
def test_memory_is_flat_for_20000_fiches():
    peak, chars = _peak(20_000)
    assert chars > 60_000_000
    assert peak < 3_000_000, f"peak {peak:,} bytes for {chars:,} characters written"


def test_vocabulary_is_reproducible_from_the_seed():
    if not SEED.exists():
        pytest.skip(f"seed export not found at {SEED}")
    spec = importlib.util.spec_from_file_location("derive_generator_vocabulary", DERIVE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    derived = json.loads(json.dumps(module.derive(SEED.read_text(encoding="utf-8")), ensure_ascii=False))
    assert derived == load_vocabulary()


def test_generate_command(tmp_path):
    target = tmp_path / "export.txt"
    result = CliRunner().invoke(generate_command, ["--fiches", "12", "--seed", "4", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == corpus(12, seed=4)
    assert f"wrote 12 fiches to {target}" in result.stderr


def test_generate_command_to_stdout():
    result = CliRunner().invoke(generate_command, ["--fiches", "3", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout == corpus(3, seed=0)
    assert "wrote 3 fiches to <stdout>" in result.stderr


def test_generated_export_parses_cleanly(tmp_path):
    try:
        from maillage.graph.export import Problem, read_export
        from maillage.graph.record import Fiche
    except ImportError as error:  # pragma: no cover - the parser is written alongside
        pytest.skip(f"maillage.graph.export.read_export is not importable yet: {error}")
    path = tmp_path / "synthetic.txt"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        generate(300, 21, out)
    pages, expected = split(path.read_text(encoding="utf-8"))
    years = [int(row.removesuffix(" |").rsplit(" | ", 1)[1]) for page in pages for row in page]
    items = list(read_export(path))
    records = [item for item in items if isinstance(item, Fiche)]
    rejected = [item for item in items if isinstance(item, Problem) and item.rejected]
    assert not rejected, [str(p) for p in rejected[:5]]
    assert len(records) == 300
    assert [r.annee for r in records] == years
    for record, fiche in zip(records, expected, strict=True):
        fields = dict(fiche["fields"])
        name, dep = fields[L_STRUCTURE][0][2:].rsplit(" - ", 1)
        assert (record.titre, record.structure, record.departement) == (fiche["title"], name, dep)
        assert record.statut == fields[L_STATUT][0][2:]
        assert record.partenaires == [v[2:] for v in fields[L_PARTENAIRES][2:]]


def test_generated_statistics_match_the_seed():
    """Read back with the derivation script's own reader, a generated corpus has the seed's statistics."""
    spec = importlib.util.spec_from_file_location("derive_generator_vocabulary", DERIVE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fiches = 2000
    text = corpus(fiches, seed=8, per_page=fiches)
    text = text.split("\n", fiches + 2)[-1]  # drop the page header and its listing table
    got, want = module.derive(text), load_vocabulary()

    def share(counts: dict[str, int], key: str) -> float:
        return counts.get(key, 0) / sum(counts.values())

    assert abs(share(got["statut"], "Terminée") - share(want["statut"], "Terminée")) < 0.04
    for key, field in want["text_fields"].items():
        assert abs(got["text_fields"][key]["empty_share"] - field["empty_share"]) < 0.05, key
        words, expected = got["text_fields"][key]["mean_words_if_not_empty"], field["mean_words_if_not_empty"]
        assert abs(words - expected) <= max(1.5, 0.1 * expected), key
    for key, field in want["lists"].items():
        for n in field["per_fiche"]:
            assert abs(share(got["lists"][key]["per_fiche"], n) - share(field["per_fiche"], n)) < 0.05, key
    mean, seed_mean = got["seed"]["mean_fiche_bytes"], want["seed"]["mean_fiche_bytes"]
    assert abs(mean - seed_mean) < 0.05 * seed_mean
