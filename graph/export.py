"""Reading SENACS exports ("Les actions des centres sociaux" pages as text) into fiche records.

The export is a flat sequence of lines: a page header, maybe a listing table, then fiches, each an
``Actions`` line, a title and labelled fields. Only the exact labels of the form start a field, so the
reader is a small state machine over lines that keeps one fiche in memory at a time. Everything it
cannot read as a fiche is reported as a :class:`Problem` with its file and line, never dropped silently.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import multiprocessing
import os
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from .departements import find_departement
from .record import Fiche, Source

PAGE_HEADER = "Les actions des centres sociaux"
FICHE_MARKER = "Actions"

# How a field's lines are read.
STRUCTURE, ONE, LIST, TEXT, IGNORED = "structure", "one", "list", "text", "ignored"

#: The form's labels in order: (label as printed, record key, kind).
FORM: tuple[tuple[str, str, str], ...] = (
    ("Structure organisatrice", "structure", STRUCTURE),
    ("Fichier(s) associé(s)", "fichiers", IGNORED),
    ("Statut de l'action", "statut", ONE),
    ("Raisons pour lesquelles l'action est terminée", "raison_fin", TEXT),
    ("Dimension", "dimensions", LIST),
    ("Mots clés associés à l'action", "mots_cles", LIST),
    ("Résumé", "resume", TEXT),
    ("Qui est à l'initiative de l'action ?", "initiative", LIST),
    ("Précision ( si autre )", "precision_initiative", TEXT),
    ("Territoire concerné", "territoire", ONE),
    (
        "Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",
        "description_experience",
        TEXT,
    ),
    ("Public", "public", LIST),
    ("Avec qui cette action a-t-elle été menée ?", "partenaires", LIST),
    ("Description générale", "description_generale", TEXT),
    ("Ressources financières mobilisées pour cette action", "ressources_financieres", TEXT),
    ("Nombre de personnes mobilisés pour cette action", "personnes_mobilisees", TEXT),
    ("Résultat sur le territoire", "resultat_territoire", TEXT),
    ("Résultat pour le centre social", "resultat_centre_social", TEXT),
    ("Résultat pour les habitants", "resultat_habitants", TEXT),
    ("Suite de l'action : Limites", "limites", TEXT),
    ("Suite de l'action : Perspectives", "perspectives", TEXT),
)
_KIND = {key: kind for _, key, kind in FORM}
_LAST_KEY = FORM[-1][1]
#: Where the lines under an unknown label go: reported, not filed under any field.
_UNKNOWN = "unknown label"
#: The sub-heading the form prints inside the partners field; not a value.
_PARTNERS_SUBHEADING = "partenaires d'action"


class _MarkTable(dict[int, int | None]):
    """A ``str.translate`` table that drops combining marks, filled on demand: a text loses its accents
    in C rather than character by character in Python (the export's parser folds every line that may be
    a label)."""

    def __missing__(self, code: int) -> int | None:
        kept = self[code] = None if unicodedata.combining(chr(code)) else code
        return kept


_MARKS = _MarkTable()
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Case, accents, apostrophes and spacing folded away, for comparing labels and titles."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return _SPACES.sub(" ", text.translate(_MARKS).casefold()).strip()


@lru_cache(maxsize=8192)
def label_key(line: str) -> str:
    """The comparison key of a line that may be a label: odd spacing and punctuation don't count."""
    text = _fold(line)
    if text.startswith("-"):
        text = text[1:]
    text = re.sub(r"\(\s*", "(", text)
    text = re.sub(r"\s*\)", ")", text)
    text = re.sub(r"\s*:\s*", " : ", text)
    return re.sub(r"[\s?:.]+$", "", text).strip()


_LABELS: dict[str, str] = {label_key(label): key for label, key, _ in FORM}
# Spellings met in exports of other years: the correct agreement of "mobilisées".
_LABELS[label_key("Nombre de personnes mobilisées pour cette action")] = "personnes_mobilisees"
_LABEL_NAMES = {key: label for label, key, _ in FORM}
#: No label is longer than this, however oddly spaced: longer lines are text, without folding them.
_LONGEST_LABEL = 2 * max(len(label) for label in _LABELS)


#: Every label begins with one of these three letters (folded): a cheap test before the full one.
_LABEL_STARTS = frozenset(key[:3] for key in _LABELS)


def _label(line: str) -> str | None:
    """The record key of the label ``line`` is, or None.

    Most lines are ruled out by their first three letters, without folding them. The cheap test only
    trusts ASCII letters: a line that starts with an accent (precomposed or combining, as in NFD text),
    a no-break or ideographic space, or any other character folding may change, gets the full test.
    """
    if len(line) > _LONGEST_LABEL:
        return None
    head = line.lstrip().lstrip("-").lstrip()[:3]
    if head.isascii() and head.casefold() not in _LABEL_STARTS:
        return None
    return _LABELS.get(label_key(line))


@dataclass(frozen=True)
class Problem:
    """Something in an export that is not a clean fiche: a rejected fiche, a warning or a file error."""

    file: str
    line: int
    message: str
    rejected: bool = False

    def __str__(self) -> str:
        kind = "rejected" if self.rejected else "warning"
        return f"{self.file}:{self.line}: {kind}: {self.message}"


@dataclass
class _Draft:
    """The lines of one fiche being read, kept raw until the fiche is complete."""

    file: str
    line: int
    title: str | None = None
    title_line: int = 0
    lines: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    territoires: list[list[tuple[int, str]]] = field(default_factory=list)
    current: str | None = None
    problems: list[Problem] = field(default_factory=list)
    last_line: tuple[int, str] | None = None

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def add(self, number: int, text: str) -> None:
        """File a line of the fiche under the field being read."""
        self.last_line = (number, text)
        if self.current is None:
            if self.title is None and text.strip():
                self.title, self.title_line = text.strip(), number
            elif text.strip():
                self.warn(number, f"text before the first label of the fiche, not kept: {text.strip()!r}")
            return
        if self.current == "territoire":
            self.territoires[-1].append((number, text))
        elif self.current != _UNKNOWN:
            self.lines[self.current].append((number, text))

    def start_field(self, key: str, number: int, text: str) -> None:
        """Open a field at a label line; a label met twice is text, but for the repeated territory."""
        if key == "territoire" and len(self.territoires) < 2:
            self.territoires.append([])
        elif key in self.lines or key == "territoire":
            self.warn(number, f"label {_LABEL_NAMES[key]!r} repeated in the fiche, kept as text")
            self.add(number, text)
            return
        else:
            self.lines[key] = []
        self.current = key
        self.last_line = (number, text)


def _is_boundary(text: str) -> bool:
    """A line that begins a fiche or a page whatever comes before it."""
    stripped = text.strip()
    return stripped == PAGE_HEADER or stripped.casefold() == FICHE_MARKER.casefold()


def _title_key(title: str) -> str:
    """How a title meets its row of a listing table: folded, spacing around ``|`` aside (the table's
    cells are trimmed, so "a | b" is written "a|b" there)."""
    return re.sub(r"\s*\|\s*", "|", _fold(title))


def _is_label_like(text: str) -> bool:
    """A line the form would print as a label: it ends like a question or a heading."""
    stripped = text.strip()
    return (
        len(stripped) > 3 and stripped[-1] in "?:" and _fold(stripped).lstrip("- ") != "partenaires d'action:"
    )


def _numbered_values(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """List items with their line: bullets removed, the lone "-" and the partners sub-heading dropped."""
    values = []
    for number, text in lines:
        value = text.strip()
        if value.startswith("-"):
            value = value[1:].strip()
        if value and label_key(value) != _PARTNERS_SUBHEADING:
            values.append((number, value))
    return values


def _values(lines: list[tuple[int, str]]) -> list[str]:
    """List items: bullets removed, the lone "-" and the partners sub-heading dropped."""
    return [value for _, value in _numbered_values(lines)]


def _text(lines: list[tuple[int, str]]) -> str | None:
    """Free text: lines as written, trailing spaces and surrounding blank lines removed."""
    rows = [text.rstrip() for _, text in lines]
    while rows and not rows[0].strip():
        rows.pop(0)
    while rows and not rows[-1].strip():
        rows.pop()
    return "\n".join(rows) or None


class _FicheReader:
    """Turns the lines of one file, or of a span of its pages, into fiches and problems.

    A span starts at line ``first_line``; ``next_span`` is the line the file's next span starts with (a
    page header), None when the span ends the file. Lines outside any fiche are noted in ``stray``,
    for the file's summary.
    """

    def __init__(
        self, file: str, lines: Iterable[str], first_line: int = 1, next_span: int | None = None
    ) -> None:
        self.file = file
        self.numbered = enumerate(lines, start=first_line)
        self.next_span = next_span
        self.ahead: deque[tuple[int, str]] = deque()
        self.draft: _Draft | None = None
        self.years: dict[str, deque[int]] = {}
        self.in_table_zone = False
        self.stray: list[int] = []

    def _next(self) -> tuple[int, str] | None:
        if self.ahead:
            return self.ahead.popleft()
        return next(self.numbered, None)

    def _peek(self, count: int) -> list[tuple[int, str]]:
        while len(self.ahead) < count:
            item = next(self.numbered, None)
            if item is None:
                break
            self.ahead.append(item)
        return list(self.ahead)[:count]

    def _starts_fiche(self) -> bool:
        """An ``Actions`` line starts a fiche unless it stands in a field of a fiche and nothing that
        begins or ends one (a label, another ``Actions`` line, a page header) follows it closely.

        Before its first label a fiche has no field the line could belong to: a fiche cut right after
        its title is followed by the next fiche, whose text must not be read into it.
        """
        if self.draft is None or self.draft.current is None:
            return True
        ahead = [text for _, text in self._peek(3) if text.strip()][:2]
        return len(ahead) < 2 or any(_label(text) or _is_boundary(text) for text in ahead)

    def __iter__(self) -> Iterator[Fiche | Problem]:
        while (item := self._next()) is not None:
            number, raw = item
            text = raw.rstrip("\r\n")
            stripped = text.strip()
            if stripped == PAGE_HEADER:
                yield from self._close(number)
                self.years.clear()
                self.in_table_zone = True
            elif stripped.casefold() == FICHE_MARKER.casefold() and self._starts_fiche():
                yield from self._close(number)
                self.in_table_zone = False
                self.draft = _Draft(self.file, number)
            elif self.draft is not None:
                self._fiche_line(number, text)
            elif self.in_table_zone and "|" in stripped:
                self._table_row(stripped)
            elif stripped:
                self.stray.append(number)
        yield from self._close(self.next_span)

    def _table_row(self, row: str) -> None:
        cells = [cell.strip() for cell in row.split("|")]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) < 3 or _fold(cells[0]) == "nom":
            return
        year = cells[-1]
        # A year has four digits: "0123" would become 123, which no xsd:gYear can say.
        if re.fullmatch(r"\d{4}", year) and int(year) >= 1000:
            self.years.setdefault(_title_key("|".join(cells[:-2])), deque()).append(int(year))

    def _fiche_line(self, number: int, text: str) -> None:
        draft = self.draft
        assert draft is not None
        key = _label(text)
        if key is not None and (
            draft.title is not None
            or draft.current is not None
            or key == "structure"
            or text.lstrip().startswith("-")
        ):
            # Before the title, only a bare label word ("Public") can be a title: "- Public" is a label.
            draft.start_field(key, number, text)
        elif _KIND.get(draft.current or "") in (STRUCTURE, LIST, ONE):
            if _is_label_like(text) and text.strip().startswith("-"):
                draft.warn(number, f"unknown label {text.strip()!r}; its content is not kept")
                draft.current = _UNKNOWN
                draft.last_line = (number, text)
            else:
                draft.add(number, text)
        else:
            draft.add(number, text)

    def _close(self, next_line: int | None) -> Iterator[Fiche | Problem]:
        """Finish the fiche being read; ``next_line`` is None at the end of the file."""
        draft, self.draft = self.draft, None
        if draft is None:
            return
        if next_line is None:
            self._drop_cut_label(draft)
        if _LAST_KEY not in draft.lines:
            where = "the file ends" if next_line is None else f"line {next_line} starts something else"
            draft.warn(draft.line, f"fiche truncated: {where} before its last field (Perspectives)")
        fiche, reason = self._build(draft)
        yield from draft.problems
        if fiche is None:
            yield Problem(self.file, reason[0], reason[1], rejected=True)
        else:
            yield fiche

    def _drop_cut_label(self, draft: _Draft) -> None:
        """An export cut in the middle of a label leaves a label's beginning as the last line."""
        if draft.last_line is None:
            return
        number, text = draft.last_line
        key = label_key(text)
        if len(key) < 3 or key in _LABELS:
            return
        if any(label.startswith(key) for label in _LABELS) or _fold(FICHE_MARKER).startswith(key):
            for lines in [*draft.lines.values(), *draft.territoires]:
                if lines and lines[-1] == (number, text):
                    lines.pop()
            draft.warn(number, f"the file ends inside a label ({text.strip()!r}); not kept as text")

    def _build(self, draft: _Draft) -> tuple[Fiche | None, tuple[int, str]]:
        if draft.title is None:
            return None, (draft.line, "missing title: a label follows the Actions line")
        structures = _numbered_values(draft.lines.get("structure", []))
        if not structures:
            return None, (draft.line, f"no structure: fiche {draft.title!r} has no Structure organisatrice")
        structure_line, structure = structures[0]
        if len(structures) > 1:
            extra = [value for _, value in structures[1:]]
            draft.warn(structure_line, f"extra lines in Structure organisatrice kept out: {extra}")
        name, sep, departement = structure.rpartition(" - ")
        if not sep or not name.strip():
            return None, (
                structure_line,
                f"no département: structure {structure!r} does not end with ' - <département>'",
            )
        if find_departement(departement) is None:
            return None, (
                structure_line,
                f"unknown département: {departement.strip()!r} is not one of France's 101",
            )
        if _text(draft.lines.get("fichiers", [])):
            draft.warn(
                draft.lines["fichiers"][0][0], "Fichier(s) associé(s) has content, not kept in the record"
            )
        fiche = Fiche(
            titre=draft.title,
            structure=name.strip(),
            departement=departement.strip(),
            territoire=self._territoire(draft),
            annee=self._year(draft),
            source=Source(self.file, draft.line),
        )
        for key, lines in draft.lines.items():
            kind = _KIND[key]
            if kind == LIST:
                setattr(fiche, key, _values(lines))
            elif kind == ONE:
                setattr(fiche, key, "\n".join(_values(lines)) or None)
            elif kind == TEXT:
                setattr(fiche, key, _text(lines))
        return fiche, (0, "")

    @staticmethod
    def _territoire(draft: _Draft) -> str | None:
        values = ["\n".join(_values(lines)) for lines in draft.territoires]
        kept = list(dict.fromkeys(value for value in values if value))
        return "\n".join(kept) or None

    def _year(self, draft: _Draft) -> int | None:
        """The year the page's listing table gives for this title (rows are used once, in order)."""
        years = self.years.get(_title_key(draft.title or ""))
        if years:
            return years.popleft()
        if self.years:
            draft.warn(draft.title_line, "no row of the page's listing table has this title: year unknown")
        return None


def _encoding(name: str, handle: BinaryIO) -> tuple[str | None, Problem | None]:
    """Which codec reads the file: UTF-8 (with or without BOM), else cp1252; None for non-text.

    A file that is not valid UTF-8 but begins with a UTF-8 BOM is read as UTF-8 all the same, its bad
    bytes replaced: it says what it is, and read as cp1252 its BOM would hide the first line.
    """
    head = handle.read(8192)
    if not head:
        return None, Problem(name, 0, "empty file: no fiche to read")
    control = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\v")
    if head.startswith((b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")) or control > len(head) // 20:
        return None, Problem(name, 0, "binary file, not a text export: skipped")
    decoder = codecs.getincrementaldecoder("utf-8")()
    handle.seek(0)
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        where = f"{error.reason} at byte {error.start}"
        if head.startswith(codecs.BOM_UTF8):
            # The byte order mark says UTF-8: read as cp1252, it would become "ï»¿" and hide line 1.
            return "utf-8-sig", Problem(
                name, 0, f"not valid UTF-8 ({where}) despite its UTF-8 BOM: read as UTF-8, bad bytes replaced"
            )
        return "cp1252", Problem(name, 0, f"not UTF-8 ({where}): read as cp1252")
    return "utf-8-sig", None


def _stray_summary(file: str, stray: list[int]) -> Iterator[Problem]:
    if stray:
        first, last = stray[0], stray[-1]
        yield Problem(file, first, f"{len(stray)} line(s) outside any fiche ignored (lines {first}-{last})")


def _read_decoded(
    name: str, handle: BinaryIO, encoding: str | None, problem: Problem | None, workers: int = 0
) -> Iterator[Fiche | Problem]:
    """The fiches and problems of an export open for reading bytes, its codec chosen by :func:`_encoding`;
    read by ``workers`` processes, a span of pages each, when there are several."""
    if problem is not None:
        yield problem
    if encoding is None:
        return
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline=None)
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield from _read_in_spans(name, text, pool, 2 * workers)
        return
    reader = _FicheReader(name, text)
    yield from reader
    yield from _stray_summary(name, reader.stray)


#: Lines of an export from which a span read by a worker process ends, at the next page header.
SPAN_LINES = 20_000
#: From how many bytes an export is read by worker processes (see :func:`read_export`).
PARALLEL_BYTES = 16 << 20


def _spans(lines: Iterable[str], size: int) -> Iterator[tuple[list[str], int, int | None]]:
    """The file's lines in spans of at least ``size`` lines, each (lines, first line, next span's first
    line or None), cut only before a page header: a page header closes whatever fiche is open and
    resets the reader, so each span reads as it would within the whole file."""
    span: list[str] = []
    first = 1
    for number, line in enumerate(lines, start=1):
        if len(span) >= size and PAGE_HEADER in line and line.strip() == PAGE_HEADER:
            yield span, first, number
            span, first = [], number
        span.append(line)
    yield span, first, None


def _read_span(
    name: str, lines: list[str], first_line: int, next_span: int | None
) -> tuple[list[Fiche | Problem], list[int]]:
    """One span's fiches and problems, and its stray lines (in a worker process)."""
    reader = _FicheReader(name, lines, first_line, next_span)
    return list(reader), reader.stray


def _read_in_spans(name: str, text: Iterable[str], pool: Executor, ahead: int) -> Iterator[Fiche | Problem]:
    """The file read a span at a time by ``pool``, in file order, at most ``ahead`` spans in flight: the
    caller maps the fiches read while the next are being read, and memory stays at a few spans."""
    stray: list[int] = []
    pending: deque[Future] = deque()

    def oldest() -> list[Fiche | Problem]:
        items, lines = pending.popleft().result()
        stray.extend(lines)
        return items

    for span in _spans(text, SPAN_LINES):
        pending.append(pool.submit(_read_span, name, *span))
        if len(pending) > ahead:
            yield from oldest()
    while pending:
        yield from oldest()
    yield from _stray_summary(name, stray)


def read_export(path: str | Path, workers: int = 0) -> Iterator[Fiche | Problem]:
    """The fiches and problems of one export file, in file order, one fiche in memory at a time.

    With ``workers`` > 1, a file of at least ``PARALLEL_BYTES`` is read by that many worker processes,
    a span of its pages each (the same fiches and problems, in the same order).
    """
    name = str(path)
    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(Path(path).open("rb"))
            encoding, problem = _encoding(name, handle)
            size = os.fstat(handle.fileno()).st_size
        except OSError as error:
            yield Problem(name, 0, f"cannot read file: {error.strerror or error}")
            return
        parallel = workers if size >= PARALLEL_BYTES else 0
        yield from _read_decoded(name, handle, encoding, problem, parallel)


def read_export_bytes(data: bytes, name: str = "<bytes>") -> Iterator[Fiche | Problem]:
    """The fiches and problems of an export held in memory, read exactly as a file of these bytes is.

    For callers that already hold the bytes (a fuzzer, an upload): no temporary file needed. ``name`` is
    the file name the records and problems carry.
    """
    handle = io.BytesIO(data)
    yield from _read_decoded(name, handle, *_encoding(name, handle))


def read_exports(paths: Iterable[str | Path], workers: int = 0) -> Iterator[Fiche | Problem]:
    """The fiches and problems of several files, one after the other (see :func:`read_export`)."""
    for path in paths:
        yield from read_export(path, workers)
