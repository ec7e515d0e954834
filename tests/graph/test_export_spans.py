"""Reading a large export by spans of pages in worker processes gives what reading it whole gives.

``maillage build`` reads an export of at least ``PARALLEL_BYTES`` a span of pages per worker process;
a researcher relies on the same fiches, problems and line numbers either way, whatever the export holds
at the cuts (a fiche cut before a page header, stray lines, an ``Actions`` line just before a header).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from export_strategies import Export, exports
from hypothesis import HealthCheck, given, settings
from test_export_fuzz import ANY_BYTES

from maillage.graph import export
from maillage.graph.export import PAGE_HEADER, Problem, read_export, read_export_bytes
from maillage.graph.generate import generate
from maillage.graph.record import Fiche

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "senacs-haute-garonne.txt"


def by_spans(data: bytes, span_lines: int, monkeypatch: pytest.MonkeyPatch) -> list[Fiche | Problem]:
    """The export read span by span (threads here: the cutting and merging are what is tested)."""
    monkeypatch.setattr(export, "SPAN_LINES", span_lines)
    encoding, problem = export._encoding("export.txt", io.BytesIO(data))
    items: list[Fiche | Problem] = [problem] if problem is not None else []
    if encoding is None:
        return items
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline=None)
    with ThreadPoolExecutor(2) as pool:
        items += export._read_in_spans("export.txt", text, pool, ahead=2)
    return items


def generated(fiches: int, seed: int, per_page: int) -> str:
    out = io.StringIO()
    generate(fiches, seed, out, per_page=per_page)
    return out.getvalue()


def variants() -> Iterator[tuple[str, str]]:
    """Exports that put what the reader must carry over, or must not, right at a page header."""
    text = generated(12, 7, per_page=3)
    lines = text.splitlines(keepends=True)
    headers = [n for n, line in enumerate(lines) if line.strip() == PAGE_HEADER]
    yield "generated", text
    # The fiche before each header cut in the middle of a label ("Suite de l'ac").
    cut = list(lines)
    for n in reversed(headers[1:]):
        cut[n - 1 : n] = ["- Suite de l'ac\n"]
    yield "cut mid-label before headers", "".join(cut)
    # The fiche before each header cut right after its title.
    titled = list(lines)
    for n in reversed(headers[1:]):
        titled[n:n] = ["Actions\n", "Un titre coupé\n"]
    yield "title only before headers", "".join(titled)
    # An Actions line alone just before each header, and stray lines just after it.
    stray = list(lines)
    for n in reversed(headers[1:]):
        stray[n + 1 : n + 1] = ["une ligne égarée\n", "\n"]
        stray[n:n] = ["Actions\n"]
    yield "actions and stray lines at headers", "".join(stray)
    yield "crlf", text.replace("\n", "\r\n")
    yield "ends mid-fiche", "".join(lines[: len(lines) * 2 // 3])


@pytest.mark.parametrize(("name", "text"), list(variants()), ids=[name for name, _ in variants()])
@pytest.mark.parametrize("span_lines", [1, 5, 40])
def test_spans_read_as_the_whole_file(
    name: str, text: str, span_lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = text.encode("utf-8")
    whole = list(read_export_bytes(data, "export.txt"))
    assert any(isinstance(item, Fiche) for item in whole), name
    assert by_spans(data, span_lines, monkeypatch) == whole


@pytest.mark.parametrize("name", sorted(path.name for path in DATA.glob("*.txt")))
def test_spans_read_the_hand_written_exports_as_whole(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (DATA / name).read_bytes()
    assert by_spans(data, 1, monkeypatch) == list(read_export_bytes(data, "export.txt"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports(max_fiches=6))
def test_drawn_exports_read_by_spans_as_whole(export_: Export) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert by_spans(export_.data, 1, monkeypatch) == list(read_export_bytes(export_.data, "export.txt"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_BYTES)
def test_any_bytes_read_by_spans_as_whole(data: bytes) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert by_spans(data, 1, monkeypatch) == list(read_export_bytes(data, "export.txt"))


def test_worker_processes_read_a_large_export_as_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the public reader, with real worker processes (the size threshold lowered)."""
    path = tmp_path / "export.txt"
    path.write_text(generated(60, 3, per_page=4), encoding="utf-8")
    whole = list(read_export(path))
    monkeypatch.setattr(export, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(export, "SPAN_LINES", 50)
    assert list(read_export(path, workers=2)) == whole
    assert len([item for item in whole if isinstance(item, Fiche)]) == 60


def test_a_small_export_is_read_whole_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below the threshold no worker process starts: start-up would cost more than the reading."""
    path = tmp_path / "export.txt"
    path.write_text(generated(5, 3, per_page=2), encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker pool was started for a small export")

    monkeypatch.setattr(export, "ProcessPoolExecutor", refuse)
    assert len([item for item in read_export(path, workers=2) if isinstance(item, Fiche)]) == 5


@pytest.mark.skipif(not SEED.exists(), reason="the real seed export is in ../shared")
def test_the_seed_reads_by_spans_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    data = SEED.read_bytes()
    assert by_spans(data, 1, monkeypatch) == list(read_export_bytes(data, "export.txt"))
