"""Hypothesis strategies that write SENACS exports, and what a correct parser must read in them.

``exports()`` draws an :class:`Export`: the bytes a file would hold and, per fiche, what the interchange
format (README, "The interchange format") says a parser must find there: kept or rejected, and for a kept
fiche its title, structure, département, year and the values of the fields nothing made ambiguous. The
expectations follow the format's written rules, on purpose not the parser's code, so that a disagreement
is a finding rather than the same mistake made twice. Every line a fiche writes carries the fiche's own
token (``QZ007QZ``), so that text wandering into a neighbour shows.

``check_invariants()`` holds what must be true of the parser's output for *any* bytes, expectation or
not; the property tests and the coverage-guided fuzzer (``benchmarks/fuzz_parser.py``) share it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from maillage.graph.departements import DEPARTEMENTS, find_departement
from maillage.graph.export import FICHE_MARKER, FORM, PAGE_HEADER, Problem, _label, label_key
from maillage.graph.record import LIST_FIELDS, TEXT_FIELDS, Fiche

# --- the format -----------------------------------------------------------------------------------------

STRUCTURE, FICHIERS, UNKNOWN = "structure", "fichiers", "unknown label"
ONE_FIELDS = ("statut", "territoire")
#: Fields whose lines are values, where a line ending like a question or a heading is an unknown label.
VALUE_KINDS = frozenset({STRUCTURE, *LIST_FIELDS, *ONE_FIELDS})
LABELS = {key: label for label, key, _ in FORM}
LABEL_KEYS = frozenset({label_key(label) for label in LABELS.values()})
ALT_LABELS = {"personnes_mobilisees": ["Nombre de personnes mobilisées pour cette action"]}
PARTNERS_SUBHEADING = "Partenaires d'action:"
BOM = b"\xef\xbb\xbf"
KEPT, REJECTED, EITHER = "kept", "rejected", "either"
TOKEN = re.compile(r"QZ(\d{3})QZ")
STRAY_INDEX = 999


def token(index: int) -> str:
    """The mark every line of fiche ``index`` carries (999: lines outside any fiche)."""
    return f"QZ{index:03d}QZ"


def fold(text: str) -> str:
    """Case, accents, curly apostrophes and spacing aside: how the README says labels and titles match."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def is_binary(data: bytes) -> bool:
    """The README's "binary file": a known binary signature or more than 1 control byte in 20 at the start."""
    head = data[:8192]
    control = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\v")
    return head.startswith((b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")) or control > len(head) // 20


#: How the lines of a file are decoded: (codec, errors).
UTF8, UTF8_REPLACED, CP1252 = ("utf-8", "strict"), ("utf-8", "replace"), ("cp1252", "replace")


def reading(data: bytes) -> tuple[str, str]:
    """How the README says a file is decoded: UTF-8 when it is; else cp1252, but for a file that says
    it is UTF-8 with a BOM (its bad bytes are replaced)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return UTF8_REPLACED if data.startswith(BOM) else CP1252
    return UTF8


def view_lines(data: bytes) -> list[str] | None:
    """The lines of an export as the README says they are read; None for a skipped (empty, binary) file.

    Lines end at LF, CRLF or a lone CR (and nowhere else: not at form feeds, NEL or U+2028); a leading
    UTF-8 BOM is not text.
    """
    if not data or is_binary(data):
        return None
    codec = reading(data)
    pieces = re.split(rb"\r\n|\r|\n", data.removeprefix(BOM) if codec != CP1252 else data)
    if pieces[-1] == b"":
        pieces.pop()
    return [piece.decode(*codec) for piece in pieces]


def is_label_like(text: str) -> bool:
    """A line of a list field the form would print as a label it does not know: "- Date de fin :"."""
    stripped = text.strip()
    return (
        stripped.startswith("-")
        and len(stripped) > 3
        and stripped[-1] in "?:"
        and fold(stripped).lstrip("- ") != "partenaires d'action:"
    )


def is_label_prefix(text: str) -> bool:
    """A last line that may be a label cut by the end of the file (dropped there, with a warning)."""
    key = label_key(text)
    return len(key) >= 3 and key not in LABEL_KEYS and (
        any(label.startswith(key) for label in LABEL_KEYS) or fold(FICHE_MARKER).startswith(key)
    )


def list_values(lines: Iterable[str]) -> list[str]:
    """List items as the README says: trimmed, the ``- `` bullet removed, empty items and the partners
    sub-heading left out."""
    values = []
    for line in lines:
        value = line.strip()
        if value.startswith("-"):
            value = value[1:].strip()
        if value and label_key(value) != label_key(PARTNERS_SUBHEADING):
            values.append(value)
    return values


def text_value(lines: list[str]) -> str | None:
    """Free text as the README says: line for line, trailing spaces and surrounding blank lines removed."""
    rows = [line.rstrip() for line in lines]
    while rows and not rows[0].strip():
        rows.pop(0)
    while rows and not rows[-1].strip():
        rows.pop()
    return "\n".join(rows) or None


def one_value(lines: Iterable[str]) -> str | None:
    return "\n".join(list_values(lines)) or None


def title_key(title: str) -> str:
    """How a title meets its row of the listing table: folded, spacing around ``|`` aside."""
    return re.sub(r"\s*\|\s*", "|", fold(title))


# --- what the export holds ------------------------------------------------------------------------------


@dataclass
class Block:
    """A label and the lines under it, as printed. ``key`` is a record key, ``fichiers`` or UNKNOWN."""

    key: str
    label: str
    lines: list[str] = field(default_factory=list)


@dataclass
class FicheSpec:
    """One fiche as the export prints it, possibly cut: ``cut`` = (index of its last line written, how
    many characters of that line were written, None for all)."""

    index: int
    marker: str
    blanks: int
    title: str | None
    blocks: list[Block]
    cut: tuple[int, int | None] | None = None

    @property
    def token(self) -> str:
        return token(self.index)

    def lines(self) -> list[tuple[str, int, str]]:
        """(role, block index, text) of every line written: marker, blank, title, label or content."""
        rows = [("marker", -1, self.marker)] + [("blank", -1, "")] * self.blanks
        if self.title is not None:
            rows.append(("title", -1, self.title))
        for number, block in enumerate(self.blocks):
            rows.append(("label", number, block.label))
            rows.extend(("content", number, line) for line in block.lines)
        if self.cut is None:
            return rows
        last, chars = self.cut
        rows = rows[: last + 1]
        if chars is not None:
            role, number, text = rows[-1]
            rows[-1] = (role, number, text[:chars])
        return rows


@dataclass
class Page:
    """A page of the export: its header line, its listing table, lines before its first fiche, fiches."""

    header: str | None
    rows: list[str]
    stray: list[str]
    fiches: list[FicheSpec]


@dataclass
class Expected:
    """What a correct parser finds for one fiche: ``line`` is its Actions line, ``end`` its last line."""

    index: int
    line: int
    end: int
    outcome: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Export:
    """Bytes of an export and, fiche by fiche, what must be read in them (nothing for a binary file)."""

    data: bytes
    expected: list[Expected]
    binary: bool
    description: str = ""

    def __repr__(self) -> str:
        """What hypothesis prints for an example: all of a shrunk one, the start of a large one."""
        if len(self.data) <= 4000:
            return f"Export({self.description}, data={self.data!r})"
        return f"Export({self.description}, {len(self.data)} bytes, data[:4000]={self.data[:4000]!r})"


# --- how the fiche is read, by the README's rules -------------------------------------------------------


class _Reading:
    """A fiche read by the format's rules, from lines whose role (label, content) is known by construction.

    Fields made ambiguous (by a cut in the middle of a line, or a repeated label filed into them) are
    ``tainted``: their value is not checked.
    """

    def __init__(self) -> None:
        self.title: str | None = None
        self.current: str | None = None
        self.fields: dict[str, list[str]] = {}
        self.territoires: list[list[str]] = []
        self.tainted: set[str] = set()

    def taint(self) -> None:
        if self.current is not None:
            self.tainted.add(self.current)

    def text(self, line: str) -> None:
        """A line that opens no field: the title, a line of the field being read, or dropped."""
        if self.current is None:
            if self.title is None and line.strip():
                self.title = line.strip()
        elif self.current in VALUE_KINDS and is_label_like(line):
            self.current = UNKNOWN  # "an unknown label in a list field": what follows is not kept
        elif self.current == "territoire":
            self.territoires[-1].append(line)
        elif self.current != UNKNOWN:
            self.fields[self.current].append(line)

    def label(self, key: str, line: str) -> None:
        """A label line: a field opens, unless it stands where the title does (a title may be a label
        word, "Public", but never the bulleted label "- Public" nor "Structure organisatrice")."""
        opens = (
            self.title is not None
            or self.current is not None
            or key == STRUCTURE
            or line.lstrip().startswith("-")
        )
        if key == UNKNOWN or not opens:
            self.text(line)
        elif key == "territoire" and len(self.territoires) < 2:
            self.territoires.append([])
            self.current = key
        elif key in self.fields or key == "territoire":
            self.taint()  # "a label repeated in a fiche (kept as text)": it and its lines go to this field
            self.text(line)
        else:
            self.fields[key] = []
            self.current = key

    def outcome(self) -> tuple[str, dict[str, Any]]:
        """Kept, rejected or either, and for a kept fiche the values that can be checked."""
        if self.title is None:
            return REJECTED, {}
        if STRUCTURE in self.tainted:
            return EITHER, {}
        values = list_values(self.fields.get(STRUCTURE, []))
        if not values:
            return REJECTED, {}
        name, sep, departement = values[0].rpartition(" - ")
        if not sep or not name.strip() or find_departement(departement.strip()) is None:
            return REJECTED, {}
        found: dict[str, Any] = {
            "titre": self.title,
            "structure": name.strip(),
            "departement": departement.strip(),
        }
        for key in (*LIST_FIELDS, *TEXT_FIELDS, "statut"):
            if key in self.tainted:
                continue
            lines = self.fields.get(key, [])
            if key in LIST_FIELDS:
                found[key] = list_values(lines)
            elif key == "statut":
                found[key] = one_value(lines)
            else:
                found[key] = text_value(lines)
        if "territoire" not in self.tainted:
            kept = dict.fromkeys(v for v in (one_value(lines) for lines in self.territoires) if v)
            found["territoire"] = "\n".join(kept) or None
        return KEPT, found


def read_fiche(spec: FicheSpec, decoded: list[str]) -> tuple[str, dict[str, Any]]:
    """What the format's rules find in a fiche whose written lines decode to ``decoded``."""
    reading = _Reading()
    rows = spec.lines()
    partial_at = len(rows) - 1 if spec.cut is not None and spec.cut[1] is not None else -1
    for number, ((role, block, _), line) in enumerate(zip(rows, decoded, strict=True)):
        partial = number == partial_at
        if role in ("marker", "blank"):
            continue
        if role == "title":
            reading.title = line.strip() or None
        elif role == "label" and partial:
            # A label cut short may still read as its label, or as text of the field before it.
            reading.taint()
            reading.tainted.add(spec.blocks[block].key)
            if reading.current is None and reading.title is None:
                reading.title = line.strip() or None
        elif role == "label":
            reading.label(spec.blocks[block].key, line)
        else:
            if partial:
                reading.taint()
            reading.text(line)
            if partial:
                reading.taint()
    return reading.outcome()


# --- drawing exports ------------------------------------------------------------------------------------

FRENCH = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPRSTUVWXYéèêëàâäîïôöûüùçÉÈÀÇŒœ0123456789"
    "      ,.;:!?'’«»()-/&€%\"…"
)
NASTY = (
    "\x00\x01\x07\x1b\x7f\x0b\x0c\x1c\x1f\x85\xa0\u2028\u2029\u200b\u200e\u200f\u202a\u202e\u2066\u2069"
    "\ufeff\ufffd\u0301\u0327\U0001f600\U00010000ßİﬁＡ｜|\t-:? \u3000\u00ad\uffff\U0010ffffΩاע"
)
SURROGATES = "\ud800\udbff\udc80\udfff"


def _characters(surrogates: bool) -> st.SearchStrategy[str]:
    """Mostly French, some of the characters that break parsers, any code point now and then."""
    pools = [
        st.sampled_from(FRENCH),
        st.sampled_from(FRENCH),
        st.sampled_from(FRENCH),
        st.sampled_from(NASTY),
        st.characters(blacklist_characters="\r\n"),
    ]
    if surrogates:
        pools.append(st.sampled_from(SURROGATES))
    return st.one_of(pools)


@st.composite
def _words(draw: st.DrawFn, chars: st.SearchStrategy[str], max_size: int = 30) -> str:
    """Random text on one line, sometimes very long (a chunk repeated thousands of times)."""
    text = draw(st.text(chars, max_size=max_size)).replace("QZ", "Qz")
    if draw(st.integers(0, 30)) == 0:
        text = (text or "x") * draw(st.integers(200, 2000))
    return text


@st.composite
def _with_token(draw: st.DrawFn, chars: st.SearchStrategy[str], mark: str) -> str:
    """Random text with the fiche's token somewhere in it."""
    text = draw(_words(chars))
    at = draw(st.integers(0, len(text)))
    return text[:at] + mark + text[at:]


def _variant_spacing(draw: st.DrawFn, label: str) -> str:
    """Odd spacing: runs of spaces, tabs or no-break spaces between words and around ( ) : ?."""
    spaces = st.sampled_from([" ", "  ", "\t", "\xa0", " \u3000", "\u2009"])
    words = label.split(" ")
    out = words[0]
    for word in words[1:]:
        out += (draw(spaces) if draw(st.booleans()) else " ") + word
    if draw(st.booleans()):
        out = out.replace("( ", "(").replace(" )", ")")
    if draw(st.booleans()):
        out = re.sub(r"\s*([?:])", r"\1", out) if draw(st.booleans()) else out.replace("?", " ?")
    return out


@st.composite
def label_variant(draw: st.DrawFn, key: str) -> str:
    """A label as an export may print it: the README says case, accents, a missing leading dash, odd
    spacing and curly apostrophes do not count."""
    label = draw(st.sampled_from([LABELS[key], *ALT_LABELS.get(key, [])]))
    if draw(st.integers(0, 2)) == 0:
        label = _variant_spacing(draw, label)
    case = draw(st.sampled_from(["as is", "as is", "upper", "lower", "swap"]))
    label = {"upper": label.upper(), "lower": label.lower(), "swap": label.swapcase()}.get(case, label)
    accents = draw(st.sampled_from(["as is", "as is", "none", "decomposed"]))
    if accents == "none":
        label = "".join(
            c for c in unicodedata.normalize("NFD", label) if not unicodedata.combining(c)
        )
    elif accents == "decomposed":
        label = unicodedata.normalize("NFD", label)
    if draw(st.booleans()):
        label = label.replace("'", draw(st.sampled_from(["’", "‘", "'"])))
    dash = draw(st.sampled_from(["- ", "- ", "- ", "-", "", "  - ", "\t- ", "\xa0- ", "\u3000", "\x0c- "]))
    trail = draw(st.sampled_from(["", "", " ", "\t", " :", "."]))
    return dash + label + trail


def _departement(draw: st.DrawFn, chars: st.SearchStrategy[str], mark: str) -> str:
    """A département as centres write it (name, code, odd case or spacing), or something that is none."""
    code, name = draw(st.sampled_from(DEPARTEMENTS))
    kind = draw(st.sampled_from(["name", "name", "name", "code", "upper", "plain", "spaces", "bad", "bad"]))
    if kind == "code":
        return code
    if kind == "upper":
        return name.upper()
    if kind == "plain":
        return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    if kind == "spaces":
        return name.replace("-", " ")
    if kind == "bad":
        return draw(st.sampled_from([mark, draw(_words(chars, 12)), name + "x", ""]))
    return name


@st.composite
def _structure_lines(draw: st.DrawFn, chars: st.SearchStrategy[str], mark: str) -> list[str]:
    """The lines under "Structure organisatrice": usually "- <name> - <département>"."""
    name = draw(_with_token(chars, mark))
    departement = _departement(draw, chars, mark)
    shape = draw(st.sampled_from(["usual"] * 8 + ["bare", "no dash", "no name", "dashes", "empty", "two"]))
    if shape == "bare":
        return [f"{name} - {departement}"]
    if shape == "no dash":
        return [f"- {name}"]
    if shape == "no name":
        return [f"-  - {departement}"]
    if shape == "dashes":
        return [draw(st.sampled_from(["- --", "--", "- - -", "-\t-", "---"]))]
    if shape == "empty":
        return draw(st.sampled_from([[], ["-"], [""]]))
    lines = [f"- {name} - {departement}"]
    if shape == "two":
        lines.append(f"- {draw(_with_token(chars, mark))} - Nord")
    return lines


VOCABULARY = {
    "statut": ["En cours", "Terminée"],
    "dimensions": ["Citoyenneté", "Services", "Accompagnement de projets"],
    "mots_cles": ["Solidarité", "Démocratie & citoyenneté", "développement durable", "Parentalité"],
    "initiative": ["Le centre social", "Un groupe d'habitants", "Autre"],
    "territoire": ["Une commune", "Un quartier", "Plusieurs communes"],
    "public": ["Tous publics", "familles", "Jeunes (12-17 ans)"],
    "partenaires": ["Caf", "Commune", "Association locale", "Autre"],
}


@st.composite
def _value_lines(draw: st.DrawFn, key: str, chars: st.SearchStrategy[str], mark: str) -> list[str]:
    """The lines of a list or one-value field: "- value" lines, with the fillers exports print."""
    lines = []
    if key == "partenaires" and draw(st.booleans()):
        lines += ["-", PARTNERS_SUBHEADING]
    elif draw(st.integers(0, 3)) == 0:
        lines.append("-")
    for _ in range(draw(st.integers(0, 2 if key in ONE_FIELDS else 4))):
        if draw(st.integers(0, 2)) == 0 and key in VOCABULARY:
            value = draw(st.sampled_from(VOCABULARY[key]))
        else:
            value = draw(_with_token(chars, mark))
        shape = draw(st.sampled_from(["- ", "- ", "- ", "- ", "", "-", "  - "]))
        lines.append(shape + value)
        if draw(st.integers(0, 8)) == 0:
            lines.append(draw(st.sampled_from(["", "-", "- ", " \t"])))
    return lines


@st.composite
def _text_lines(draw: st.DrawFn, chars: st.SearchStrategy[str], mark: str) -> list[str]:
    """Free text: lines as typed, blank lines, "- " bullet lines that stay text."""
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        shape = draw(st.sampled_from(["text", "text", "text", "bullet", "blank", "spaces"]))
        if shape == "blank":
            lines.append("")
        elif shape == "spaces":
            lines.append(draw(st.sampled_from([" ", "\t", "\xa0", " \u3000 "])))
        else:
            line = draw(_with_token(chars, mark))
            lines.append("- " + line if shape == "bullet" else line)
    return lines


@st.composite
def _block(draw: st.DrawFn, key: str, chars: st.SearchStrategy[str], mark: str) -> Block:
    label = draw(label_variant(key))
    if key == STRUCTURE:
        return Block(key, label, draw(_structure_lines(chars, mark)))
    if key == FICHIERS:
        return Block(key, label, [draw(_with_token(chars, mark))] if draw(st.integers(0, 5)) == 0 else [])
    if key in LIST_FIELDS or key in ONE_FIELDS:
        return Block(key, label, draw(_value_lines(key, chars, mark)))
    return Block(key, label, draw(_text_lines(chars, mark)))


@st.composite
def _unknown_block(draw: st.DrawFn, chars: st.SearchStrategy[str], mark: str) -> Block:
    """A label the form does not have ("- Date de fin de l'action :") and its lines."""
    words = draw(st.sampled_from(["Date de fin de l'action", "Date de début", "Lieu", "Commentaire"]))
    label = f"- {words} {mark} {draw(st.sampled_from(['?', ':']))}"
    return Block(UNKNOWN, label, draw(_text_lines(chars, mark)))


#: The form's order, the territory printed twice as in real exports.
FORM_ORDER = [key for _, key, _ in FORM]
FORM_ORDER.insert(FORM_ORDER.index("description_generale"), "territoire")


@st.composite
def fiche_spec(draw: st.DrawFn, index: int, chars: st.SearchStrategy[str]) -> FicheSpec:
    """One fiche: fields in the form's order or any order, some missing, empty, repeated or unknown."""
    mark = token(index)
    keys = [key for key in FORM_ORDER if draw(st.integers(0, 9)) < (9 if key == STRUCTURE else 7)]
    if draw(st.booleans()):
        keys = draw(st.permutations(keys))
    blocks = [draw(_block(key, chars, mark)) for key in keys]
    if blocks and draw(st.integers(0, 9)) == 0:  # a label repeated further down
        again = draw(st.sampled_from([b.key for b in blocks]))
        blocks.insert(draw(st.integers(1, len(blocks))), draw(_block(again, chars, mark)))
    if blocks and draw(st.integers(0, 6)) == 0:  # never first: a fiche starts with a label of the form
        blocks.insert(draw(st.integers(1, len(blocks))), draw(_unknown_block(chars, mark)))
    if draw(st.integers(0, 14)) == 0:  # a fiche cut right after its title
        blocks = []
    title_kind = draw(st.sampled_from(["text"] * 10 + ["missing", "missing", "label word", "pipe", "quotes"]))
    title: str | None = None
    if title_kind == "text":
        title = draw(_with_token(chars, mark))
    elif title_kind == "pipe":
        title = f"{draw(_words(chars, 10))} | {mark}{draw(st.sampled_from(['', ' |', '|x', ' | y |']))}"
    elif title_kind == "quotes":
        title = f"« {draw(_words(chars, 10))} » : le \"{mark}\" - {draw(_words(chars, 10))}"
    elif title_kind == "label word":
        title = draw(st.sampled_from(["Public", "Résumé", "Dimension", "Description générale"]))
    marker = draw(st.sampled_from(["Actions"] * 6 + ["ACTIONS", "actions", " Actions ", "Actions\t"]))
    return FicheSpec(index, marker, draw(st.sampled_from([0] * 8 + [1, 2])), title, blocks)


def _cut(draw: st.DrawFn, spec: FicheSpec, first_on_page: bool) -> tuple[int, int | None]:
    """Where an export cut short stops writing a fiche: after a whole line, or inside one (inside a
    label anywhere; inside a text only after the fiche's token, so that what is left stays its own).

    A fiche after another on its page is never cut inside its first label: an Actions line followed by
    a title and a line that is neither a label, an Actions line nor a page header is, by the format's
    rule, text of the fiche before (the marker rule needs one of them close after it).
    """
    rows = spec.lines()
    labels = [number for number, (role, _, _) in enumerate(rows) if role == "label"]
    whole = -1 if first_on_page or not labels else labels[0]
    last = draw(st.integers(0, len(rows) - 1))
    role, _, text = rows[last]
    if role in ("marker", "blank") or last == whole or draw(st.booleans()):
        return last, None
    if role == "label":
        return last, draw(st.integers(1, max(1, len(text) - 1)))
    at = text.find(spec.token)
    if at < 0:
        return last, None
    return last, draw(st.integers(at + len(spec.token), len(text)))


class _Codec:
    """How the export's lines become bytes (UTF-8, lone surrogates let through; or cp1252) and how they
    are read back (``reading``: decided for the whole file, see :func:`reading`)."""

    def __init__(self, encoding: str, reading: tuple[str, str]) -> None:
        self.encoding = encoding
        self.reading = reading

    def encode(self, line: str) -> bytes:
        if self.encoding == "cp1252":
            return line.encode("cp1252", errors="ignore")
        return line.encode("utf-8", errors="surrogatepass")

    def read(self, line: str) -> str:
        return self.encode(line).decode(self.reading[0], errors="replace")


def _unambiguous(line: str, read: str, mark: str, values: bool) -> str:
    """A line of a fiche that the format cannot mistake for structure: when what is read could be a
    label, a marker, a page header, a cut label or (in a list) an unknown label, the token is appended."""
    stripped = read.strip()
    if not stripped:
        return line
    ambiguous = (
        _label(read) is not None
        or label_key(read) in LABEL_KEYS
        or stripped.casefold() == FICHE_MARKER.casefold()
        or stripped == PAGE_HEADER
        or is_label_prefix(read)
        or (values and is_label_like(read))
    )
    return f"{line} {mark}" if ambiguous else line


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _settle(spec: FicheSpec, codec: _Codec) -> None:
    """Make every line of the fiche mean what its role says once encoded and read back."""
    mark = spec.token
    if spec.title is not None and spec.title not in ("Public", "Résumé", "Dimension", "Description générale"):
        spec.title = _unambiguous(spec.title, codec.read(spec.title), mark, values=False)
        if mark not in codec.read(spec.title):
            spec.title += f" {mark}"
    for block in spec.blocks:
        if block.key != UNKNOWN and (codec.read(block.label) != block.label or len(block.label) > 150):
            # Read as cp1252, UTF-8 accents are no longer accents: the label without them still is one.
            block.label = "- " + _without_accents(LABELS[block.key])
        values = block.key in VALUE_KINDS
        block.lines = [_unambiguous(line, codec.read(line), mark, values) for line in block.lines]


@st.composite
def exports(draw: st.DrawFn, max_fiches: int = 5) -> Export:
    """An export file as bytes, with what the format says must be read in it."""
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["cp1252"]))
    surrogates = encoding == "utf-8" and draw(st.integers(0, 3)) == 0
    bom = draw(st.integers(0, 5)) == 0
    # The file is read as UTF-8 unless it is not valid UTF-8 (a lone surrogate makes sure of it here, and
    # cp1252 bytes nearly always are not); then as cp1252, or for a BOM as UTF-8 with bad bytes replaced.
    invalid = surrogates or encoding == "cp1252"
    codec = _Codec(encoding, (UTF8_REPLACED if bom else CP1252) if invalid else UTF8)
    chars = _characters(surrogates)
    count = draw(st.integers(1, max_fiches))
    specs = [draw(fiche_spec(index, chars)) for index in range(count)]
    for spec in specs:
        _settle(spec, codec)
    pages = _pages(draw, specs, chars, codec)
    if surrogates:
        pages[0].stray.append(f"\udc80 {token(STRAY_INDEX)}")
    for page in pages:
        for position, spec in enumerate(page.fiches):
            if draw(st.integers(0, 6)) == 0:
                spec.cut = _cut(draw, spec, first_on_page=position == 0)
    newline = draw(st.sampled_from(["\n"] * 4 + ["\r\n", "\r"]))
    export, written = _render(
        pages,
        codec,
        newline,
        bom=bom,
        final_newline=draw(st.booleans()),
        description=f"{encoding}{', surrogates' if surrogates else ''}, newline {newline!r}",
    )
    # The rare cp1252 file that is valid UTF-8 (or plain ASCII) is read otherwise than drawn: set aside.
    assume(export.binary or view_lines(export.data) == [codec.read(line) for line in written])
    return export


def _pages(
    draw: st.DrawFn, specs: list[FicheSpec], chars: st.SearchStrategy[str], codec: _Codec
) -> list[Page]:
    """Fiches spread over pages; a page may have a listing table (title | département | year) and stray
    lines before its first fiche."""
    pages: list[Page] = []
    rest = list(specs)
    while rest:
        size = draw(st.integers(1, len(rest)))
        fiches, rest = rest[:size], rest[size:]
        header = PAGE_HEADER if pages or draw(st.integers(0, 3)) else None
        if header is not None and draw(st.booleans()):
            header = draw(st.sampled_from([PAGE_HEADER, f" {PAGE_HEADER}", f"{PAGE_HEADER} \t"]))
        rows: list[str] = []
        if header is not None and draw(st.booleans()):
            rows.append("Nom | Département | Année |")
            for spec in fiches:
                if spec.title is not None and draw(st.integers(0, 3)):
                    year = draw(st.integers(1990, 2030))
                    rows.append(f"{spec.title} | Haute-Garonne | {year} |")
        stray = []
        if draw(st.integers(0, 5)) == 0:
            line = draw(_with_token(chars, token(STRAY_INDEX))).replace("|", "/")
            stray.append(_unambiguous(line, codec.read(line), token(STRAY_INDEX), values=False))
        pages.append(Page(header, rows, stray, fiches))
    return pages


def _render(
    pages: list[Page], codec: _Codec, newline: str, bom: bool, final_newline: bool, description: str
) -> tuple[Export, list[str]]:
    """The export (its bytes and, by the format's rules, what each fiche holds) and its lines."""
    written: list[str] = []
    placed: list[tuple[FicheSpec, int, int, Page]] = []
    for page in pages:
        written += ([page.header] if page.header is not None else []) + page.rows + page.stray
        for spec in page.fiches:
            first = len(written) + 1
            written += [text for _, _, text in spec.lines()]
            placed.append((spec, first, len(written), page))
    data = newline.encode().join(codec.encode(line) for line in written)
    if final_newline:
        data += newline.encode()
    if bom:
        data = BOM + data
    if is_binary(data):
        return Export(data, [], True, description), written
    expected = []
    for spec, first, last, _ in placed:
        decoded = [codec.read(text) for _, _, text in spec.lines()]
        outcome, values = read_fiche(spec, decoded)
        expected.append(Expected(spec.index, first, last, outcome, values))
    _years(pages, placed, expected, codec)
    return Export(data, expected, False, description), written


def _years(
    pages: list[Page],
    placed: list[tuple[FicheSpec, int, int, Page]],
    expected: list[Expected],
    codec: _Codec,
) -> None:
    """The year of each kept fiche: the first row of its page's listing table written for its title and
    not taken by an earlier fiche of the page."""
    for page in pages:
        years: dict[str, deque[int]] = {}
        for row in map(codec.read, page.rows[1:]):
            title, _, year = row.rsplit(" | ", 2)
            if fold(row.split("|")[0]) != "nom":
                years.setdefault(title_key(title), deque()).append(int(year.rstrip(" |")))
        doubtful: set[str] = set()
        for (spec, _, _, on), found in zip(placed, expected, strict=True):
            if on is not page or spec.title is None:
                continue
            key = title_key(codec.read(spec.title))
            if found.outcome == EITHER:
                doubtful.add(key)
            elif found.outcome == KEPT and key not in doubtful:
                queue = years.get(key)
                found.values["annee"] = queue.popleft() if queue else None


# --- other inputs ---------------------------------------------------------------------------------------

#: Lines an export is made of, for soups of lines in any order.
SNIPPETS = [
    PAGE_HEADER,
    FICHE_MARKER,
    "actions",
    "Nom | Département | Année |",
    "Titre | Gironde | 2024 |",
    "Titre | Gironde | 0123 |",
    "Titre",
    "- Centre social - Haute-Garonne",
    "- Centre - social - Nord",
    "- --",
    "-",
    "",
    " ",
    PARTNERS_SUBHEADING,
    "- Date de fin de l'action :",
    "- Résu",
    "Descr",
    "Act",
    *(f"- {label}" for label in LABELS.values()),
    *LABELS.values(),
]


@st.composite
def line_soups(draw: st.DrawFn) -> bytes:
    """Lines of exports in any order and number: every state of the reader meets every kind of line."""
    lines = draw(st.lists(st.one_of(st.sampled_from(SNIPPETS), _words(_characters(False), 20)), max_size=60))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines).encode("utf-8", errors="surrogatepass")


@st.composite
def mutated(draw: st.DrawFn, source: st.SearchStrategy[bytes]) -> bytes:
    """Bytes of ``source`` after a few byte-level edits: an insertion, a deletion, a flipped byte, a
    duplicated or truncated stretch."""
    data = bytearray(draw(source))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["insert", "delete", "flip", "duplicate", "truncate"]))
        if edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif edit == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif edit == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        elif edit == "truncate":
            del data[at:]
    return bytes(data)


# --- what holds for any bytes ---------------------------------------------------------------------------


class InvariantError(AssertionError):
    """The parser's output breaks a rule that holds whatever the input."""


def _require(condition: bool, message: str) -> None:
    """An assertion that ``python -O`` keeps (the fuzzer may run optimised)."""
    if not condition:
        raise InvariantError(message)


def _strings(fiche: Fiche) -> list[tuple[str, str]]:
    """(key, string) for every string a record holds."""
    out = []
    for key, value in fiche.to_json().items():
        if key == "source":
            continue
        if isinstance(value, list):
            out += [(key, item) for item in value]
        elif isinstance(value, str):
            out.append((key, value))
    return out


def _certain_markers(lines: list[str]) -> list[int]:
    """Lines (1-based) that start a fiche whatever the reader's state: the first Actions line of the file
    or after a page header, and any Actions line followed closely by a label (README: "An Actions line
    starts a fiche unless, inside a fiche, no label follows it closely")."""
    certain = []
    open_fiche = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == PAGE_HEADER:
            open_fiche = False
        elif stripped.casefold() == FICHE_MARKER.casefold():
            ahead = [text for text in lines[number : number + 3] if text.strip()][:2]
            if not open_fiche or len(ahead) < 2 or any(_label(text) for text in ahead):
                certain.append(number)
            open_fiche = True
    return certain


def check_invariants(
    data: bytes, items: list[Fiche | Problem], name: str, mapper: Callable[[list[Fiche]], None] | None = None
) -> None:
    """What must hold of ``items`` (the parser's output for ``data`` read as file ``name``), any input.

    Every item is a fiche or a problem naming the file and a line of it; a skipped file gives one problem
    and nothing else; each fiche starts on an Actions line, in file order; every fiche marker yields one
    fiche or one rejection (at least the certain markers, at most the Actions lines); a fiche holds only
    text of its own lines; records survive the JSON interchange format. ``mapper`` optionally maps the
    fiches to RDF, for what must not fail there.
    """
    fiches = [item for item in items if isinstance(item, Fiche)]
    problems = [item for item in items if isinstance(item, Problem)]
    _require(len(fiches) + len(problems) == len(items), "the parser yields only fiches and problems")
    lines = view_lines(data)
    count = len(lines) if lines is not None else 0
    for problem in problems:
        _require(problem.file == name, f"problem names another file: {problem}")
        _require(isinstance(problem.line, int) and 0 <= problem.line <= count, f"line out of file: {problem}")
        _require(isinstance(problem.message, str) and bool(problem.message.strip()), f"empty: {problem!r}")
        _require(isinstance(problem.rejected, bool), f"rejected is not a bool: {problem!r}")
    if lines is None:
        _require(not fiches and len(problems) == 1, f"a skipped file gives one problem, got {items}")
        return
    markers = [n for n, line in enumerate(lines, 1) if line.strip().casefold() == FICHE_MARKER.casefold()]
    certain = _certain_markers(lines)
    rejected = [p for p in problems if p.rejected]
    read = len(fiches) + len(rejected)
    _require(
        len(certain) <= read <= len(markers),
        f"{len(fiches)} fiches + {len(rejected)} rejections for {len(markers)} Actions lines "
        f"({len(certain)} certain markers)",
    )
    starts = [fiche.source.line for fiche in fiches]
    _require(starts == sorted(set(starts)), f"fiches out of order or repeated: {starts}")
    headers = [n for n, line in enumerate(lines, 1) if line.strip() == PAGE_HEADER]
    for position, fiche in enumerate(fiches):
        _require(fiche.source.file == name, f"fiche names another file: {fiche.source}")
        _require(fiche.source.line in markers, f"fiche does not start on an Actions line: {fiche.source}")
        ends = [n for n in (*certain, *headers) if n > fiche.source.line]
        if position + 1 < len(fiches):
            ends.append(fiches[position + 1].source.line)
        # Parts hold no line break, so a part found in the joined lines is found in one of them.
        own = "\n".join(lines[fiche.source.line - 1 : min(ends, default=count + 1) - 1])
        for key, value in _strings(fiche):
            for part in value.split("\n"):
                _require(part in own, f"{key} {part!r} is not in the fiche's lines")
        _require(
            fiche.annee is None or (isinstance(fiche.annee, int) and 1000 <= fiche.annee <= 9999),
            f"a year has four digits: {fiche.annee!r}",
        )
        again = Fiche.from_json(json.loads(json.dumps(fiche.to_json(), ensure_ascii=False)))
        _require(again == fiche, "the record does not survive its JSON")
        json.dumps(fiche.to_json(), ensure_ascii=False).encode("utf-8")
    if mapper is not None:
        mapper(fiches)
