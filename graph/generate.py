"""Synthetic SENACS exports: any number of fiches-actions in the exact text form of the real export.

The corpus is shaped by ``data/generator-vocabulary.json``, which
``benchmarks/derive_generator_vocabulary.py`` derives from the real seed export
(``shared/seeds/senacs-haute-garonne.txt``): the frequencies of every controlled value, how many values a list
field holds, the shape of every free-text field (empty share, lines, words per line, bullet lines), a
word-bigram model of the seed's free text, title and structure-name patterns. The quirks of the format come
at the seed's rates, or at the minimum rates recorded as ``assumed`` in that file when 25 fiches cannot show
them: structure names with `` - `` or quotes, titles in lower case or with quotes
and « », free-text lines that begin with ``- ``, a ``Partenaires : …`` line inside a résumé, empty fields
(a label directly followed by the next one), the two ``Territoire concerné`` that sometimes differ.

Structures come from a fixed pool per département (30-50 each, the 101 départements weighted alike), with a
Zipf law inside a département so that a structure writes several fiches and networks look like real ones.
Each page starts with ``Les actions des centres sociaux`` and a listing table (the only place that holds a
fiche's year), then the page's fiches.

The output depends only on ``(fiches, seed, per_page)``: one ``random.Random(seed)`` drives everything, and no
set or dict iteration order is involved. Generation streams: a fiche is written as soon as it is drawn, and
nothing but one page's titles grows with the corpus, so memory stays flat for any number of fiches.
"""

from __future__ import annotations

import functools
import json
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from typing import Any, TextIO

from maillage.graph.departements import DEPARTEMENTS
from maillage.graph.export import FICHE_MARKER, FORM, PAGE_HEADER

LISTING_HEADER = "Nom | Département | Année |"
PARTENAIRES_HEADER = "Partenaires d'action:"
LIST_OPENER = "-"

# The form's labels as the export prints them, from the parser's table of the form (one source).
_PRINTED = {key: f"- {label}" for label, key, _ in FORM}
L_STRUCTURE = _PRINTED["structure"]
L_FICHIERS = _PRINTED["fichiers"]
L_STATUT = _PRINTED["statut"]
L_RAISON_FIN = _PRINTED["raison_fin"]
L_DIMENSION = _PRINTED["dimensions"]
L_MOTS_CLES = _PRINTED["mots_cles"]
L_RESUME = _PRINTED["resume"]
L_INITIATIVE = _PRINTED["initiative"]
L_PRECISION = _PRINTED["precision_initiative"]
L_TERRITOIRE = _PRINTED["territoire"]
L_DESCRIPTION_EXPERIENCE = _PRINTED["description_experience"]
L_PUBLIC = _PRINTED["public"]
L_PARTENAIRES = _PRINTED["partenaires"]
L_DESCRIPTION_GENERALE = _PRINTED["description_generale"]
L_RESSOURCES = _PRINTED["ressources_financieres"]
L_PERSONNES = _PRINTED["personnes_mobilisees"]
L_RESULTAT_TERRITOIRE = _PRINTED["resultat_territoire"]
L_RESULTAT_CENTRE = _PRINTED["resultat_centre_social"]
L_RESULTAT_HABITANTS = _PRINTED["resultat_habitants"]
L_LIMITES = _PRINTED["limites"]
L_PERSPECTIVES = _PRINTED["perspectives"]

#: Every label in the order of the form (``Territoire concerné`` twice, as the form repeats it).
LABELS: tuple[str, ...] = (
    L_STRUCTURE, L_FICHIERS, L_STATUT, L_RAISON_FIN, L_DIMENSION, L_MOTS_CLES, L_RESUME, L_INITIATIVE,
    L_PRECISION, L_TERRITOIRE, L_DESCRIPTION_EXPERIENCE, L_PUBLIC, L_PARTENAIRES, L_TERRITOIRE,
    L_DESCRIPTION_GENERALE, L_RESSOURCES, L_PERSONNES, L_RESULTAT_TERRITOIRE, L_RESULTAT_CENTRE,
    L_RESULTAT_HABITANTS, L_LIMITES, L_PERSPECTIVES,
)
#: The labels that a fiche may lack.
OPTIONAL_LABELS: tuple[str, ...] = (L_FICHIERS, L_RAISON_FIN, L_PRECISION)
#: The labels every fiche carries, in order.
MANDATORY_LABELS: tuple[str, ...] = tuple(label for label in LABELS if label not in OPTIONAL_LABELS)

# Lines that generated text must never reproduce: they would start a field, a fiche or a page.
_FORBIDDEN_LINES = frozenset(
    (*LABELS, PAGE_HEADER, LISTING_HEADER, FICHE_MARKER, PARTENAIRES_HEADER, LIST_OPENER, "")
)

_VOCABULARY_RESOURCE = "data/generator-vocabulary.json"
# A line of n drawn words ends at the first word that can end a line once it is n - w words long, and at
# n + w words at the latest (w = n // 4, at most _LINE_WINDOW): lines end like the seed's and keep their
# mean length.
_LINE_WINDOW = 4
# A token can end a line if the seed ends a line with it at least this share of the times it occurs.
_LINE_END_SHARE = 0.1


@functools.cache
def load_vocabulary() -> dict[str, Any]:
    """The generator's vocabulary and distributions (package data, derived from the seed)."""
    text = resources.files("maillage.graph").joinpath(_VOCABULARY_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


class _Weighted:
    """A weighted choice over a fixed sequence, drawn with one ``random()`` call."""

    __slots__ = ("_cum", "_last", "_total", "values")

    def __init__(self, values: Sequence[Any], weights: Sequence[float]) -> None:
        if not values or len(values) != len(weights):
            raise ValueError("a weighted choice needs as many positive weights as values")
        self.values = tuple(values)
        self._cum = tuple(accumulate(weights))
        self._total = self._cum[-1]
        self._last = len(self.values) - 1

    @classmethod
    def from_counts(cls, counts: dict[str, float], convert=str) -> _Weighted:
        return cls([convert(k) for k in counts], list(counts.values()))

    def pick(self, rnd) -> Any:
        return self.values[min(bisect_right(self._cum, rnd() * self._total), self._last)]


@dataclass(frozen=True)
class _TextField:
    empty_share: float
    shapes: tuple[tuple[tuple[int, bool], ...], ...]
    starts: tuple[int, ...]


@dataclass(frozen=True)
class _ListField:
    values: _Weighted
    per_fiche: _Weighted
    rank: dict[str, int]


def _capitalised(token: str) -> str:
    return token[:1].upper() + token[1:]


def _title_case(words: str) -> str:
    small = {"de", "du", "des", "les", "le", "la", "d'", "l'", "et"}
    out = []
    for word in words.split():
        low = word.lower()
        out.append(low if low in small else "-".join(_capitalised(p) for p in low.split("-")))
    return " ".join(out)


class _Model:
    """The vocabulary turned into sampling tables (immutable, shared by every call)."""

    def __init__(self, vocab: dict[str, Any]) -> None:
        assumed = vocab["assumed"]
        floor = assumed["min_rates"]
        tm = vocab["text_model"]
        self.tokens: tuple[str, ...] = tuple(tm["tokens"])
        self.caps: tuple[str, ...] = tuple(_capitalised(t) for t in self.tokens)
        self.sentence_ends: tuple[bool, ...] = tuple(t[-1] in ".!?" for t in self.tokens)
        self.punctuated: tuple[bool, ...] = tuple(not t[-1].isalnum() for t in self.tokens)
        # Successor lists with multiplicity: a uniform pick is a pick weighted by the bigram counts.
        self.successors: tuple[tuple[int, ...], ...] = tuple(
            tuple(j for j, c in succ for _ in range(c)) for succ in tm["successors"]
        )
        self.line_starts: tuple[int, ...] = tuple(j for j, c in tm["line_starts"] for _ in range(c))
        # Whether a token ends lines often enough in the seed (or carries punctuation) to end a line here.
        ends = dict((j, c) for j, c in tm["line_ends"])
        self.line_end: tuple[bool, ...] = tuple(
            self.punctuated[i] or ends.get(i, 0) >= _LINE_END_SHARE * count
            for i, count in enumerate(tm["counts"])
        )
        self.lowercase_start = tm["lowercase_line_start_share"]
        index = {t: i for i, t in enumerate(self.tokens)}

        def start_ids(counts: dict[str, int]) -> tuple[int, ...]:
            ids = tuple(index[t] for t, c in counts.items() if t in index for _ in range(c))
            return ids or self.line_starts

        self.text: dict[str, _TextField] = {
            key: _TextField(
                empty_share=f["empty_share"],
                shapes=tuple(tuple((w, bool(b)) for w, b in shape) for shape in f["shapes"]),
                starts=start_ids(f["starts"]),
            )
            for key, f in vocab["text_fields"].items()
        }
        self.jitter = tuple(assumed["line_length_jitter"])

        self.lists: dict[str, _ListField] = {
            key: _ListField(
                values=_Weighted.from_counts(f["values"]),
                per_fiche=_Weighted.from_counts(f["per_fiche"], int),
                rank={v: i for i, v in enumerate(f["order"])},
            )
            for key, f in vocab["lists"].items()
        }
        self.statut = _Weighted.from_counts(vocab["statut"])
        self.territoire = _Weighted.from_counts(vocab["territoire"]["values"])
        self.territoire_differs = max(
            1 - vocab["territoire"]["pair_equal_share"], floor["territoire_differs"]
        )
        optional = vocab["optional"]
        self.fichiers_share = optional["fichiers"]["present_share"]
        self.raison_fin_terminee = optional["raison_fin"]["present_share_if_terminee"]
        self.precision_autre = optional["precision_initiative"]["present_share_if_autre"]
        self.precision_otherwise = optional["precision_initiative"]["present_share_otherwise"]
        self.partenaires_line = floor["resume_partenaires_line"]
        self.annee = _Weighted.from_counts(assumed["annee_weights"], int)

        titles = vocab["titles"]
        self.title_words = _Weighted.from_counts(titles["words"], int)
        self.title_starts = start_ids(titles["starts"])
        self.title_lower = max(titles["lower_share"], floor["title_lower"])
        self.title_upper = titles["upper_share"]
        self.title_quote = titles["quote_share"]
        self.title_guillemets = max(titles["guillemets_share"], floor["title_guillemets"])

        st = vocab["structures"]
        self.patterns = _Weighted([(p["prefix"], p["case"]) for p in st["patterns"]],
                                  [p["count"] for p in st["patterns"]])
        self.heads = tuple(st["standalone_heads"]) or ("",)
        self.units = tuple(st["units"])
        self.connector_share = st["connector_share"]
        self.connectors = _Weighted.from_counts(st["connectors"])
        self.dash_share = max(st["dash_share"], floor["structure_dash"])
        self.quote_share = max(st["quote_share"], floor["structure_quote"])
        self.pool_size = tuple(assumed["structures_per_departement"])
        exponent = assumed["structure_zipf_exponent"]
        lo, hi = self.pool_size
        self.zipf = {k: [1 / (r + 1) ** exponent for r in range(k)] for k in range(lo, hi + 1)}


@functools.cache
def _model() -> _Model:
    return _Model(load_vocabulary())


@dataclass(frozen=True)
class _Header:
    """What a page's listing table needs of a fiche, drawn before the page is written."""

    title: str
    departement: str
    structure: str
    annee: int


class _Generator:
    def __init__(self, seed: int) -> None:
        self.m = _model()
        self.rng = random.Random(seed)
        self.rnd = self.rng.random
        self.pool = [self._departement_pool(nom) for _, nom in DEPARTEMENTS]

    # -- small draws -------------------------------------------------------------------------------------

    def _below(self, n: int) -> int:
        return int(self.rnd() * n)

    def _chance(self, p: float) -> bool:
        return self.rnd() < p

    def _values(self, field: _ListField, count: int | None = None) -> list[str]:
        """Distinct values of a list field, as many as the seed's per-fiche counts, in the form's order."""
        k = field.per_fiche.pick(self.rnd) if count is None else count
        k = min(k, len(field.values.values))
        chosen: list[str] = []
        while len(chosen) < k:
            v = field.values.pick(self.rnd)
            if v not in chosen:
                chosen.append(v)
        chosen.sort(key=field.rank.__getitem__)
        return chosen

    # -- structures --------------------------------------------------------------------------------------

    def _unit(self) -> str:
        return self.m.units[self._below(len(self.m.units))]

    def _structure_name(self) -> str:
        m = self.m
        prefix, case = m.patterns.pick(self.rnd)
        if not prefix:
            head = m.heads[self._below(len(m.heads))]
            name = f"{head} {self._unit()}" if head else self._unit()
            if self._chance(m.quote_share):
                name = f'"{name}"'
        else:
            words = [self._unit()]
            if prefix.split()[-1].lower() not in ("de", "des", "du") and self._chance(m.connector_share):
                words.insert(0, m.connectors.pick(self.rnd))
            tail = " ".join(words)
            tail = tail.upper() if case == "upper" else _title_case(tail)
            name = f'{prefix} " {tail}"' if self._chance(m.quote_share) else f"{prefix} {tail}"
        if self._chance(m.dash_share):
            unit = self._unit()
            name = f"{name} - {unit if case == 'upper' else _title_case(unit)}"
        return name

    def _departement_pool(self, departement: str) -> tuple[str, tuple[str, ...], _Weighted]:
        lo, hi = self.m.pool_size
        size = lo + self._below(hi - lo + 1)
        names: list[str] = []
        taken: set[str] = set()  # membership only, never iterated
        while len(names) < size:
            name = self._structure_name()
            if name not in taken:
                taken.add(name)
                names.append(name)
        return departement, tuple(names), _Weighted(names, self.m.zipf[size])

    # -- text --------------------------------------------------------------------------------------------

    def _line(self, n: int, starts: tuple[int, ...], lower: bool | None = None) -> str:
        """``n`` words of the bigram model, starting from one of ``starts``."""
        m, rnd = self.m, self.rnd
        tokens, caps, ends, punct, successors = m.tokens, m.caps, m.sentence_ends, m.punctuated, m.successors
        w = starts[int(rnd() * len(starts))]
        if lower is None:
            lower = rnd() < m.lowercase_start
        parts = [tokens[w] if lower else caps[w]]
        cap = ends[w]
        line_end = m.line_end
        window = min(_LINE_WINDOW, n // 4)
        shortest, longest = n - window, n + window
        i = 1
        while i < longest and (i < shortest or not line_end[w]):
            i += 1
            succ = successors[w]
            if succ:
                w = succ[int(rnd() * len(succ))]
            else:  # a word only seen at the end of a line: start a new sentence
                if not punct[w]:
                    parts[-1] += "."
                cap = True
                w = m.line_starts[int(rnd() * len(m.line_starts))]
            parts.append(caps[w] if cap else tokens[w])
            cap = ends[w]
        return " ".join(parts)

    def _text(self, key: str) -> list[str]:
        """The lines of a free-text field (``[]`` for an empty field)."""
        f = self.m.text[key]
        if self._chance(f.empty_share):
            return []
        shape = f.shapes[self._below(len(f.shapes))]
        lo, hi = self.m.jitter
        scale = lo + self.rnd() * (hi - lo)
        lines = []
        for words, bullet in shape:
            n = max(1, round(words * scale))
            while True:
                line = self._line(n, f.starts)
                if bullet:
                    line = "- " + line
                if line not in _FORBIDDEN_LINES:
                    break
                n += 1
            lines.append(line)
        return lines

    def _title(self) -> str:
        m = self.m
        n = m.title_words.pick(self.rnd)
        while True:
            title = self._line(n, m.title_starts, lower=False).rstrip(" ,;.")
            if title not in _FORBIDDEN_LINES and not title.startswith("-") and "|" not in title:
                break
            n += 1
        r = self.rnd()
        if r < m.title_lower:
            title = title.lower()
        elif r < m.title_lower + m.title_upper:
            title = title.upper()
        r = self.rnd()
        if r < m.title_quote:
            title = f'"{title}"'
        elif r < m.title_quote + m.title_guillemets:
            title = f"« {title} »"
        return title

    # -- fiches ------------------------------------------------------------------------------------------

    def header(self) -> _Header:
        departement, _, structures = self.pool[self._below(len(self.pool))]
        return _Header(self._title(), departement, structures.pick(self.rnd), self.m.annee.pick(self.rnd))

    def fiche(self, h: _Header) -> str:
        m = self.m
        lines = [FICHE_MARKER, h.title, L_STRUCTURE, f"- {h.structure} - {h.departement}"]
        if self._chance(m.fichiers_share):
            lines.append(L_FICHIERS)
        statut = m.statut.pick(self.rnd)
        lines += [L_STATUT, f"- {statut}"]
        if statut == "Terminée" and self._chance(m.raison_fin_terminee):  # never for other statuts
            lines.append(L_RAISON_FIN)
            lines += self._text("raison_fin")
        lines.append(L_DIMENSION)
        lines += [f"- {v}" for v in self._values(m.lists["dimensions"])]
        lines += [L_MOTS_CLES, LIST_OPENER]
        lines += [f"- {v}" for v in self._values(m.lists["mots_cles"])]
        partenaires = self._values(m.lists["partenaires"])
        resume = self._text("resume")
        if self._chance(m.partenaires_line):
            named = partenaires or self._values(m.lists["partenaires"], 1 + self._below(3))
            resume.insert(self._below(len(resume) + 1), "Partenaires : " + ", ".join(named))
        lines.append(L_RESUME)
        lines += resume
        initiative = self._values(m.lists["initiative"])
        lines += [L_INITIATIVE, LIST_OPENER]
        lines += [f"- {v}" for v in initiative]
        if self._chance(m.precision_autre if "Autre" in initiative else m.precision_otherwise):
            lines.append(L_PRECISION)
            lines += self._text("precision_initiative")
        territoire = m.territoire.pick(self.rnd)
        lines += [L_TERRITOIRE, f"- {territoire}", L_DESCRIPTION_EXPERIENCE]
        lines += self._text("description_experience")
        lines.append(L_PUBLIC)
        lines += [f"- {v}" for v in self._values(m.lists["public"])]
        lines += [L_PARTENAIRES, LIST_OPENER, PARTENAIRES_HEADER]
        lines += [f"- {v}" for v in partenaires]
        territoire_2 = territoire
        if self._chance(m.territoire_differs) and len(m.territoire.values) > 1:
            while territoire_2 == territoire:
                territoire_2 = m.territoire.pick(self.rnd)
        lines += [L_TERRITOIRE, f"- {territoire_2}"]
        for label, key in (
            (L_DESCRIPTION_GENERALE, "description_generale"),
            (L_RESSOURCES, "ressources_financieres"),
            (L_PERSONNES, "personnes_mobilisees"),
            (L_RESULTAT_TERRITOIRE, "resultat_territoire"),
            (L_RESULTAT_CENTRE, "resultat_centre_social"),
            (L_RESULTAT_HABITANTS, "resultat_habitants"),
            (L_LIMITES, "limites"),
            (L_PERSPECTIVES, "perspectives"),
        ):
            lines.append(label)
            lines += self._text(key)
        lines.append("")
        return "\n".join(lines)


def generate(fiches: int, seed: int, out: TextIO, *, per_page: int = 40) -> int:
    """Write ``fiches`` synthetic fiches to ``out`` in the export's text form; return how many were written.

    Pages of ``per_page`` fiches each start with the page header and the listing table of their fiches. The
    output is the same, byte for byte, for the same ``(fiches, seed, per_page)``. Memory does not grow with
    ``fiches``: each fiche is written as soon as it is drawn.
    """
    if fiches < 0:
        raise ValueError("fiches must be >= 0")
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    gen = _Generator(seed)
    written = 0
    while written < fiches:
        headers = [gen.header() for _ in range(min(per_page, fiches - written))]
        listing = [PAGE_HEADER, LISTING_HEADER]
        listing += [f"{h.title} | {h.departement} | {h.annee} |" for h in headers]
        out.write("\n".join(listing) + "\n")
        for h in headers:
            out.write(gen.fiche(h))
            written += 1
    return written
