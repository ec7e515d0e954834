"""Typed budgets and head-counts read from two free-text fields of the fiches.

The form asks "Ressources financières mobilisées pour cette action" (``ressources_financieres``) and
"Nombre de personnes mobilisés pour cette action" (``personnes_mobilisees``) as free text, so centres
write "1500€", "2300 euros => RH" on one line and "1000 euros => Sorties" on the next, "entre 500 et
4000€", "Aucun budget", "4 professionnels , 23 bénévoles" or "La référente familles + 5 bénévoles".
Researchers want numbers they can add up; this module reads them with regular expressions and short word
lists (no statistics, no model) so that every value can be traced to the rule that produced it (``how``)
and checked against the text it came from (``raw``, always kept as given). The rules prefer absence to
a wrong number: a typed value is given only when the text reads one way.

Budgets (:func:`read_budget`)
    An amount is a number with a currency: ``1500€``, ``€ 1 500``, ``1.500 euros``, ``1 500,50 €``,
    ``2660.67€``, ``3 k€``, ``1,2 M€``, ``500 EUR``. Spaces (also no-break and narrow no-break spaces)
    and dots group thousands, a comma or a dot followed by one or two digits is the decimal mark; ``1,500``
    (comma and three digits) is read nowhere, as it means 1.5 in French and 1500 in English. A number
    without a currency is never money (years, counts of people, hours), except a text that is only a
    number and not a year (``"1500"``). Phone numbers, dates and percentages are masked before reading.
    One amount is the total; a range (``entre 500 et 4000€``) gives a minimum and a maximum; several
    amounts give a total when one is announced as the total (``soit``, ``total``, ``global``), when
    "Dépenses" and "Recettes" balance, when the others are parts of one (``dont``), or else when they
    are plain items that add up. Rates (``100€ par évènement``), alternatives (``ou``), amounts for
    different years, amounts beside percentages, bounds and ranges among other amounts give no total.
    "Aucun budget", "pas de dépenses spécifiques", "0€", "bénévolat" alone give a total of 0 with the
    reason; "pas de budget défini" does not (the budget is unfixed, not nil).

People (:func:`read_people`)
    A count is a number (digits, ``un``…``cent``, ``une dizaine de`` as approximate, ``1 à 2`` and
    ``12-15`` as ranges, ``jusqu'à 22`` as an upper bound) and the noun after it, or a role after a
    singular definite article (``la référente``, ``l'animatrice``: one). The kind comes from the noun and
    the word right after it, volunteering first (``1 bénévole référente`` and ``1 psychologue bénévole``
    are volunteers), then civic service, then professionals (staff and paid roles), then *intervenant(e)s*
    (people brought in for the action, paid or not: kept apart, as "professional" would overclaim), then
    partners, people of unstated kind (``personnes``, a bare number), participants (with their noun).
    Counts of one kind are added up (``3 bénévoles administrateurs et 11 bénévoles``: 14, and
    ``3 salariés, 5 professionnels``: 8); a breakdown is not added twice (``dont``, or the same kind in
    parentheses after a count). A count said to be occasional (``ponctuellement un ludothécaire``) is
    not added to a regular count of its kind (it is set aside with its reason); alone, it is given and
    flagged ``occasional``. What cannot be classified is set aside with a reason, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

Confidence = Literal["high", "medium", "none"]

# ---------------------------------------------------------------------------------------------------------
# Text preparation, shared by both readers
# ---------------------------------------------------------------------------------------------------------

# One character for one character: matches in the folded text slice the written text at the same place.
_PLAIN = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u202f\u2007\u2008\u2009\u200a\u3000\t\x0b\x0c", " "),
        **dict.fromkeys("’‘ʼ`´", "'"),
        "\r": "\n",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
    }
)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Lower case without accent, always one character (so that offsets are shared with the text)."""
    low = char.lower()
    if len(low) != 1:
        low = char
    base = unicodedata.normalize("NFD", low)[0]
    # Digits of other scripts ("٣", "３") are not read as numbers: the rules are about French text.
    return "#" if base.isdigit() and not base.isascii() else base


class _FoldTable(dict[int, str]):
    """``_fold_char`` as a ``str.translate`` table, filled on demand: a text is folded in C."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLDS = _FoldTable()


def _prepare(text: str) -> tuple[str, str]:
    """The text to slice (NFC, plain spaces and apostrophes) and its folded twin of the same length.

    Rules are written once, on folded text ("benevole" matches "Bénévoles"), and what they find is
    shown as written.
    """
    work = unicodedata.normalize("NFC", text).translate(_PLAIN)
    return work, work.translate(_FOLDS)


_PHONE = re.compile(r"(?<![\d+])(?:\+33 ?|0033 ?|0)[1-9](?:[ .-]?\d{2}){4}(?!\d)")
_DATE = re.compile(
    r"(?<!\d)\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)"
    r"|(?<!\d)\d{1,2}(?:er)? (?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre"
    r"|novembre|decembre)(?: \d{4})?(?!\d)"
)
_PERCENT = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)? ?(?:%|pour ?cents?\b|pourcents?\b)")


def _mask(folded: str, patterns: Iterable[tuple[str, re.Pattern[str]]]) -> tuple[str, tuple[str, ...]]:
    """Phone numbers, dates and percentages blanked out, so that no rule reads their digits.

    Returns the masked text (same length) and the names of what was found.
    """
    found: list[str] = []
    for name, pattern in patterns:
        if pattern.search(folded):
            found.append(name)
            folded = pattern.sub(lambda m: "_" * len(m.group()), folded)
    return folded, tuple(found)


_MASKS = (("phone number", _PHONE), ("date", _DATE), ("percentage", _PERCENT))
_YEAR = re.compile(r"(?<![\d.,])(?:19[5-9]\d|20\d\d)(?![\d.,]\d)(?!\d)")


def _is_year(number: str) -> bool:
    """A four-digit number between 1950 and 2099, as centres write years (never read as a quantity)."""
    return bool(re.fullmatch(r"(?:19[5-9]\d|20\d\d)", number.strip()))


def _clean(text: str) -> str:
    """Spaces squeezed, for labels and fragments."""
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------------------------------------
# Budgets
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One amount of a budget with what it pays for or who pays it (``label``, as written).

    ``per`` is the unit of a rate ("évènement" for "100€ par évènement"); ``"an"`` for a yearly amount.
    """

    label: str
    amount: Decimal
    per: str | None = None
    approximate: bool = False


@dataclass(frozen=True)
class Budget:
    """What the "Ressources financières" text says in euros; ``None`` where it does not say it clearly.

    ``total`` is the budget of the action (0 with ``zero_reason`` when the text says there is none);
    ``items`` are the amounts it breaks into (expenses when the text has both sides), ``funding`` the
    receipts when the text lists "Recettes"; ``minimum``/``maximum`` a range or a bound; ``period`` is
    ``"an"`` for a yearly amount. ``confidence`` is ``"high"`` when a value was read as written,
    ``"medium"`` when it was derived or read among other things (a sum, a bare number, an approximate
    amount, an amount beside a phone number, date or percentage, or overriding "pas de budget"),
    ``"none"`` when no value is given; ``how`` says which rules matched.
    """

    raw: str | None
    total: Decimal | None = None
    items: tuple[Item, ...] = ()
    funding: tuple[Item, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    zero_reason: str | None = None
    approximate: bool = False
    period: str | None = None
    confidence: Confidence = "none"
    how: str = ""


#: How far around a number the rules look (characters): a clause, not a page, so long texts stay fast.
_REACH = 160

_NUM = r"(?<![\d.,_])(?:\d{1,3}(?:[ .]\d{3}(?!\d))+|\d+)(?:[.,]\d{1,2}(?!\d))?(?![\d_])"
_CUR = r"(?:€|euros?\b|eur\b)"
_MULTIPLIERS = {"k": Decimal(1000), "mille": Decimal(1000), "m": Decimal(10**6)}


def _amount(tag: str, currency: Literal["required", "optional", "none"]) -> str:
    """The regex of one amount (number, multiplier, currency) with group names prefixed by ``tag``."""
    mult = rf"(?:(?P<{tag}m>k|m|mille|millions?)\s*(?:d'\s*)?)?"
    cur = {"required": rf"(?P<{tag}c>{_CUR})", "optional": rf"(?P<{tag}c>{_CUR})?", "none": ""}[currency]
    if currency == "none":
        return rf"(?P<{tag}n>{_NUM})"
    return rf"(?P<{tag}n>{_NUM})\s*{mult}{cur}"


_MONEY = re.compile(
    # entre 500 et 4000€ / entre 5 k€ et 10 k€
    rf"(?P<range1>\bentre\s+{_amount('a', 'optional')}\s*(?:et|a|-|–|—)\s*{_amount('b', 'required')})"
    # de 500€ à 800€ / de 500 à 800 € / 500-800€ (a dash after a currency is a list, not a range)
    rf"|(?P<range2>(?:\bde\s+)?(?:{_amount('c', 'required')}\s*a\b|{_amount('d', 'none')}\s*(?:\ba\b|[-–—]))"
    rf"\s*{_amount('e', 'required')})"
    # € 1500 / €1 500
    rf"|(?P<pre>€\s*(?P<fn>{_NUM})(?:\s*(?P<fm>k)\b)?)"
    # 1500€ / 1 500 euros / 3 k€ / 2 millions d'euros
    rf"|(?P<single>{_amount('s', 'required')})"
)


def _decimal(number: str, multiplier: str | None = None) -> Decimal | None:
    """The value of a number as French writes it, times its multiplier; None if it cannot be read."""
    digits = number.replace(" ", "")
    if "," in digits:
        digits = digits.replace(".", "").replace(",", ".")
    elif re.search(r"\.\d{1,2}$", digits):
        head, _, tail = digits.rpartition(".")
        digits = head.replace(".", "") + "." + tail
    else:
        digits = digits.replace(".", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    if multiplier:
        key = "m" if multiplier.startswith("million") else multiplier
        value *= _MULTIPLIERS[key]
    # "1500", not "1.5E+3" or "1500.00": whole euros print as integers, cents stay as written.
    return Decimal(int(value)) if value == value.to_integral_value() else value


@dataclass(frozen=True)
class _Money:
    """One amount or range found in the text, with what the words around it say about it."""

    start: int
    end: int
    amount: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    label: str = ""
    per: str | None = None
    approximate: bool = False
    bound: Literal["min", "max"] | None = None
    is_total: bool = False
    is_part: bool = False
    is_alternative: bool = False
    years: tuple[str, ...] = ()
    section: str | None = None
    text: str = ""

    def item(self) -> Item:
        assert self.amount is not None
        return Item(self.label, self.amount, self.per, self.approximate)


def _values(match: re.Match[str]) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(amount, low, high) of a match of :data:`_MONEY`: one amount, or the two ends of a range."""
    group = match.group
    if group("range1") or group("range2"):
        low, high = ("a", "b") if group("range1") else (("c", "e") if group("cn") else ("d", "e"))
        high_mult = group(f"{high}m")
        # "entre 5 et 10 k€", "5-10 k€": a first end without a currency takes the second's multiplier.
        bare_low = low == "d" or not (group(f"{low}c") or group(f"{low}m"))
        low_mult = high_mult if bare_low else group(f"{low}m")
        return None, _decimal(group(f"{low}n"), low_mult), _decimal(group(f"{high}n"), high_mult)
    if group("pre"):
        return _decimal(group("fn"), group("fm")), None, None
    return _decimal(group("sn"), group("sm")), None, None


_BOUNDARY = re.compile(r"\n|;|,|\+|/|\(|\)|\bet\b|\bpuis\b|\.(?=\s)")
_APPROX_BEFORE = re.compile(
    r"(?:\benviron|\benv\.?|\bpres\s+de|\bpresque|\bautour\s+de|\bapproximativement|\ba\s+peu\s+pres"
    r"|\baux\s+alentours\s+de|~|≈|\bune\s+moyenne\s+de|\ben\s+moyenne)\s*$"
)
_MAX_BEFORE = re.compile(
    r"(?:\bjusqu'(?:a|au)|\bmaximum(?:\s+de)?|\bmax\.?|\bau\s+plus|\bplafond\s+de|\bmoins\s+de)\s*$"
)
_MIN_BEFORE = re.compile(
    r"(?:\bau\s+moins|\bminimum(?:\s+de)?|\bmin\.?|\bplus\s+de|\ba\s+partir\s+de|\bau\s+minimum)\s*$"
)
_TOTAL_BEFORE = re.compile(r"\b(?:total|totale|global|globale|soit|en\s+tout|enveloppe)\b")
_TOTAL_AFTER = re.compile(r"^\s*(?:au\s+total|en\s+tout|au\s+global|\(\s*total\s*\))")
_ARTICLE = r"(?:la|le|les|l'|un|une|des|du|notre|nos|leur|leurs|son|sa|ses|cette|ce|ces)\b"
_RATE_UNITS = (
    r"(?:ans?|annees?|mois|semaines?|jours?|journees?|nuits?|seances?|ateliers?|sorties?|evenements?"
    r"|evenement|editions?|sessions?|stages?|trimestres?|semestres?|personnes?|participants?|enfants?"
    r"|jeunes?|adultes?|familles?|foyers?|adherents?|habitants?|inscrits?|beneficiaires?|repas|heures?"
    r"|h|places?|groupes?|classes?|missions?|distributions?|soirees?|week-ends?|weekends?|actions?"
    r"|projets?|animations?|activites?|cours|spectacles?|representations?|benevoles?)\b"
)
_PER_AFTER = re.compile(
    r"^\s*(?P<approx>(?:environ|env\.?|en\s+moyenne)\s*)?"
    rf"(?:(?:par|pour\s+chaque|chaque)\s+(?P<per>{_RATE_UNITS})"
    rf"|/\s*(?P<slash>{_RATE_UNITS})"
    rf"|(?:la|le|l')\s*(?P<unit>{_RATE_UNITS})"
    r"|(?P<adj>annuel\w*|mensuel\w*|hebdomadaire\w*))"
)
_APPROX_AFTER = re.compile(r"^\s*(?:environ|env\.?|en\s+moyenne|approximativement)\b")
_TAX_AFTER = re.compile(r"^\s*(?:ttc|ht|t\.t\.c\.?|h\.t\.?)\b")
# "500€ ou 800€", "500€ / 800€": one or the other. A slash between labelled amounts lists them.
_ALTERNATIVE_BEFORE = re.compile(r"\bou\b")
_ALTERNATIVE_SLASH = re.compile(r"^\s*/\s*$")
_SECTION = re.compile(
    r"^\s*(?:[-•*]\s*)?(?P<head>depenses?|charges?|couts?|recettes?|produits?|financements?|ressources?)"
    r"\s*(?::|$)"
)
_EXPENSE_HEADS = ("depense", "charge", "cout")
_LABEL_LEAD = re.compile(r"^(?:(?:dont|de|du|des|pour|soit|et|ou|avec)\b|d'|[\s:=>\-–—/.,()•*])+")
_LABEL_TRAIL = re.compile(r"(?:\b(?:de|du|des|pour|soit|et|ou|avec|dont)|d'|[\s:=>\-–—/(),])+$")
_PERIODS = {"an", "ans", "annee", "annees", "annuel", "annuelle", "annuels", "annuelles", "exercice"}


def _sections(folded: str) -> list[tuple[int, str | None]]:
    """For each line start, the budget side it is on: "depense", "recette" or None.

    A line beginning "Dépenses :" or "Recettes :" opens a side that lasts until the other one opens.
    """
    sides: list[tuple[int, str | None]] = []
    side: str | None = None
    offset = 0
    for line in folded.split("\n"):
        head = _SECTION.match(line)
        if head:
            side = "depense" if head.group("head").startswith(_EXPENSE_HEADS) else "recette"
        sides.append((offset, side))
        offset += len(line) + 1
    return sides


def _side_at(sides: list[tuple[int, str | None]], position: int) -> str | None:
    index = bisect_right([start for start, _ in sides], position) - 1
    return sides[index][1] if index >= 0 else None


def _label(work: str, masked: str, left: int, right: int) -> str:
    """A label as written, from ``left`` to ``right``: section heads, connectors and bullets trimmed."""
    piece, fpiece = work[left:right], masked[left:right]
    head = _SECTION.match(fpiece)
    if head:
        piece, fpiece = piece[head.end() :], fpiece[head.end() :]
    lead = _LABEL_LEAD.match(fpiece)
    if lead:
        piece, fpiece = piece[lead.end() :], fpiece[lead.end() :]
    trail = _LABEL_TRAIL.search(fpiece)
    if trail:
        piece = piece[: trail.start()]
    return _clean(piece)


def _rate(work: str, end: int, rate: re.Match[str]) -> str:
    """The unit of a rate: "an" for a yearly amount (which can still be a total), else as written."""
    name = next(n for n in ("per", "slash", "unit", "adj") if rate.group(n))
    word = rate.group(name)
    if word in _PERIODS or word.startswith("annuel"):
        return "an"
    if word.startswith("mensuel"):
        return "mois"
    if word.startswith("hebdomadaire"):
        return "semaine"
    return work[end + rate.start(name) : end + rate.end(name)].lower()


def _after(work: str, masked: str, end: int, next_start: int) -> tuple[int, int, str | None, bool]:
    """What follows an amount: (end of its qualifiers, end of its clause, rate unit, approximate)."""
    gap = masked[end : min(next_start, end + _REACH)]
    rate = _PER_AFTER.match(gap)
    if rate:
        qualified_end, per, approximate = end + rate.end(), _rate(work, end, rate), bool(rate.group("approx"))
    else:
        qualifier = _APPROX_AFTER.match(gap) or _TAX_AFTER.match(gap)
        qualified_end, per = end + (qualifier.end() if qualifier else 0), None
        approximate = bool(_APPROX_AFTER.match(gap))
    limit = min(next_start, qualified_end + _REACH)
    cut = _BOUNDARY.search(masked, qualified_end, limit)
    return qualified_end, cut.start() if cut else limit, per, approximate


def _qualified(
    found: tuple[int, int, Decimal | None, Decimal | None, Decimal | None],
    work: str,
    masked: str,
    previous_end: int,
    next_start: int,
    sides: list[tuple[int, str | None]],
) -> _Money:
    """One amount with what its clause says: label, rate, approximation, bound, total, part, year."""
    start, end, amount, low, high = found
    gap_before = masked[previous_end:start]
    cuts = list(_BOUNDARY.finditer(gap_before))
    left = max(previous_end + (cuts[-1].end() if cuts else 0), start - _REACH)
    before = masked[left:start]
    qualified_end, right, per, approximate_after = _after(work, masked, end, next_start)
    after = masked[end:right]
    if per is None and re.search(r"\bannuel", before):
        per = "an"

    bound: Literal["min", "max"] | None = None
    if _MAX_BEFORE.search(before):
        bound = "max"
    elif _MIN_BEFORE.search(before):
        bound = "min"
    label_stop = start
    for pattern in (_APPROX_BEFORE, _MAX_BEFORE, _MIN_BEFORE):
        hit = pattern.search(before)
        if hit:
            label_stop = min(label_stop, left + hit.start())
    label_before = _label(work, masked, left, label_stop)
    label_after = _label(work, masked, qualified_end, right)

    return _Money(
        start=start,
        end=end,
        amount=amount,
        low=low,
        high=high,
        label=_clean(f"{label_before} {label_after}"),
        per=per,
        approximate=approximate_after or bool(_APPROX_BEFORE.search(before)),
        bound=bound,
        is_total=bool(_TOTAL_BEFORE.search(before) or _TOTAL_AFTER.match(after)),
        is_part=bool(re.search(r"\bdont\b", before)),
        is_alternative=previous_end > 0
        and bool(_ALTERNATIVE_BEFORE.search(before) or _ALTERNATIVE_SLASH.match(gap_before)),
        years=tuple(_YEAR.findall(before + " " + after)),
        section=_side_at(sides, start),
        text=_clean(work[start:end]),
    )


def _money(work: str, masked: str) -> list[_Money]:
    """Every amount and range of the text, in order, with its clause read."""
    found = []
    for match in _MONEY.finditer(masked):
        amount, low, high = _values(match)
        if amount is None and (low is None or high is None):
            continue
        found.append((match.start(), match.end(), amount, low, high))
    sides = _sections(masked)
    mentions = []
    for index, item in enumerate(found):
        previous_end = found[index - 1][1] if index else 0
        next_start = found[index + 1][0] if index + 1 < len(found) else len(masked)
        mentions.append(_qualified(item, work, masked, previous_end, next_start, sides))
    return mentions


_ZERO = re.compile(
    r"\baucune?s?\s+(?:budget|depense|cout|frais|financement|ressource|moyen\s+financier|argent)s?\b"
    r"|\bpas\s+(?:de|d')\s*(?:budget|depense|cout|frais|financement|ressource)s?\b"
    r"(?!\s+(?:defini|fixe|precis|connu|chiffre|estime|encore|arrete|determine)\w*)"
    r"|\bsans\s+(?:budget|cout|frais|financement)s?\b"
    r"|\b(?:budget|cout|montant)\s*(?:[:=]\s*)?(?:nul|zero)\b"
    r"|\b(?:cout|budget)\s+(?:zero|nul)\b"
    r"|^\s*(?:neant|nul|rien|aucun|aucune)\s*(?:[.!]\s*)?$"
    r"|\b(?:uniquement|que|seulement|exclusivement)\s+(?:du\s+|le\s+|de\s+)?benevolat\b"
    r"|^\s*(?:du\s+)?benevolat\s*(?:[.!]\s*)?$"
)
_UNFIXED = re.compile(
    r"\b(?:pas\s+de|aucun)\s+budget\s+(?:defini|fixe|precis|arrete|determine)\w*|\bbudget\s+non\s+defini\w*"
)
_BARE = re.compile(rf"^\s*(?:budget\s*(?:de|:)?\s*)?(?P<approx>environ\s*)?(?P<n>{_NUM})\s*(?:\.\s*)?$")


@lru_cache(maxsize=1 << 12)  # a budget text may come back word for word in other fiches: read once
def read_budget(text: str | None) -> Budget:
    """What the "Ressources financières" text says in euros (see the module's docstring for the rules).

    Never raises; the text is kept as given in ``raw``.
    """
    if text is None or not text.strip():
        return Budget(raw=text, how="empty")
    work, folded = _prepare(text)
    masked, masks = _mask(folded, _MASKS)
    mentions = _money(work, masked)
    notes = [f"{name} ignored" for name in masks]
    if not mentions:
        return _without_amount(text, work, masked, notes)
    return _with_amounts(text, work, masked, mentions, notes)


def _sentence(work: str, masked: str, start: int, end: int) -> str:
    """The sentence around a match, as written: the reason given for a nil budget, in its own words."""
    stops = list(re.finditer(r"[.!?\n;]", masked[:start]))
    left = stops[-1].end() if stops else 0
    stop = re.search(r"[.!?\n;]", masked[end:])
    return _clean(work[left : end + (stop.start() if stop else len(masked) - end)])


def _note(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _without_amount(raw: str, work: str, masked: str, notes: list[str]) -> Budget:
    """No amount with a currency: a statement of no budget, a bare number, or nothing to read."""
    zero = _ZERO.search(masked)
    if zero:
        reason = _sentence(work, masked, zero.start(), zero.end())
        return Budget(
            raw=raw,
            total=Decimal(0),
            zero_reason=reason,
            confidence="high",
            how=_note(f"zero statement '{reason}'", *notes),
        )
    unfixed = _UNFIXED.search(masked)
    if unfixed:
        said = _clean(work[unfixed.start() : unfixed.end()])
        return Budget(raw=raw, how=_note(f"budget not fixed '{said}' (not a zero)", *notes))
    bare = _BARE.match(masked)
    if bare:
        number = bare.group("n")
        if _is_year(number):
            return Budget(raw=raw, how=_note(f"lone year-like number '{number}' is not money", *notes))
        value = _decimal(number)
        if value is not None:
            return Budget(
                raw=raw,
                total=value,
                approximate=bool(bare.group("approx")),
                confidence="medium",
                how=_note(f"bare number '{_clean(number)}' read as euros", *notes),
            )
    if re.search(_CUR, masked):
        return Budget(raw=raw, how=_note("currency without a readable amount", *notes))
    return Budget(raw=raw, how=_note("no amount", *notes))


def _with_amounts(raw: str, work: str, masked: str, mentions: list[_Money], notes: list[str]) -> Budget:
    """The budget from the amounts found, by the first rule that reads them one way."""
    zero = _ZERO.search(masked)
    if zero and any((m.amount or m.high or 0) > 0 for m in mentions):
        notes.append(f"'{_clean(work[zero.start() : zero.end()])}' overridden by the amounts")
    if any(m.amount is None for m in mentions):
        return _ranged(raw, mentions, notes)
    if len(mentions) == 1:
        return _one(raw, mentions[0], notes)
    for rule in (_by_sides, _refused, _by_parts, _by_total_word):
        budget = rule(raw, mentions, notes)
        if budget is not None:
            return budget
    return _by_sum(raw, mentions, notes)


def _ranged(raw: str, mentions: list[_Money], notes: list[str]) -> Budget:
    """A range alone gives a minimum and a maximum; a range among other amounts gives nothing."""
    if len(mentions) > 1:
        items = tuple(m.item() for m in mentions if m.amount is not None)
        return Budget(raw=raw, items=items, how=_note("range among other amounts: no total", *notes))
    mention = mentions[0]
    if mention.low is None or mention.high is None or mention.low > mention.high:
        return Budget(raw=raw, how=_note(f"range '{mention.text}' reversed: not read", *notes))
    return Budget(
        raw=raw,
        minimum=mention.low,
        maximum=mention.high,
        confidence="high",
        period="an" if mention.per == "an" else None,
        how=_note(f"range '{mention.text}'", *notes),
    )


def _one(raw: str, mention: _Money, notes: list[str]) -> Budget:
    """One amount is the total, unless it is a rate or a bound."""
    assert mention.amount is not None
    if mention.bound == "max":
        return Budget(
            raw=raw,
            maximum=mention.amount,
            confidence="high",
            how=_note(f"upper bound '{mention.text}'", *notes),
        )
    if mention.bound == "min":
        return Budget(
            raw=raw,
            minimum=mention.amount,
            confidence="high",
            how=_note(f"lower bound '{mention.text}'", *notes),
        )
    if mention.per and mention.per != "an":
        return Budget(
            raw=raw,
            items=(mention.item(),),
            how=_note(f"rate '{mention.text}' per {mention.per}: no total", *notes),
        )
    derived = mention.approximate or bool(notes)
    zero_reason = mention.text if mention.amount == 0 else None
    return Budget(
        raw=raw,
        total=mention.amount,
        zero_reason=zero_reason,
        approximate=mention.approximate,
        period=mention.per,
        confidence="medium" if derived else "high",
        how=_note(
            f"single amount '{mention.text}'" + (" (approximate)" if mention.approximate else ""), *notes
        ),
    )


def _sum(mentions: Iterable[_Money]) -> Decimal:
    return sum((m.amount for m in mentions if m.amount is not None), Decimal(0))


def _by_sides(raw: str, mentions: list[_Money], notes: list[str]) -> Budget | None:
    """Expenses and receipts both listed: the total when they balance, nothing when they do not."""
    expenses = [m for m in mentions if m.section == "depense"]
    receipts = [m for m in mentions if m.section == "recette"]
    if not expenses or not receipts or any(m.per and m.per != "an" for m in mentions):
        return None
    items = tuple(m.item() for m in expenses)
    funding = tuple(m.item() for m in receipts)
    spent, received = _sum(expenses), _sum(receipts)
    if spent != received:
        return Budget(
            raw=raw,
            items=items,
            funding=funding,
            how=_note(f"expenses {spent} and receipts {received} differ: no total", *notes),
        )
    return Budget(
        raw=raw,
        total=spent,
        items=items,
        funding=funding,
        confidence="high",
        how=_note(f"expenses and receipts balance at {spent}", *notes),
    )


def _refused(raw: str, mentions: list[_Money], notes: list[str]) -> Budget | None:
    """Several amounts that do not add up to one budget: alternatives, rates, years, bounds, percent."""
    items = tuple(m.item() for m in mentions)
    years = {year for m in mentions for year in m.years}
    reason = None
    if any(m.is_alternative for m in mentions):
        reason = "alternative amounts ('ou')"
    elif any(m.bound for m in mentions):
        reason = "a bound among other amounts"
    elif len(years) > 1:
        reason = f"amounts for different years ({', '.join(sorted(years))})"
    elif "percentage ignored" in notes:
        reason = "amounts mixed with percentages"
    elif any(m.per and m.per != "an" for m in mentions) and not any(m.is_total for m in mentions):
        reason = "rates (" + ", ".join(f"per {m.per}" for m in mentions if m.per and m.per != "an") + ")"
    if reason is None:
        return None
    return Budget(raw=raw, items=items, how=_note(f"{reason}: no total", *notes))


def _by_total_word(raw: str, mentions: list[_Money], notes: list[str]) -> Budget | None:
    """One amount announced as the total ("soit", "total", "global"): it is the total, the others items."""
    totals = [m for m in mentions if m.is_total]
    if len(totals) != 1:
        return None
    total = totals[0]
    others = [m for m in mentions if m is not total]
    items = tuple(m.item() for m in others)
    check = "items add up" if _sum(others) == total.amount else f"items add up to {_sum(others)}"
    return Budget(
        raw=raw,
        total=total.amount,
        items=items,
        approximate=total.approximate,
        period=total.per,
        confidence="high" if _sum(others) == total.amount else "medium",
        how=_note(f"stated total '{total.text}' ({check})", *notes),
    )


def _by_parts(raw: str, mentions: list[_Money], notes: list[str]) -> Budget | None:
    """ "5000€ dont 3000€ de la Caf": the amount not introduced by "dont" is the total."""
    parts = [m for m in mentions if m.is_part]
    wholes = [m for m in mentions if not m.is_part]
    if not parts or len(wholes) != 1:
        return None
    whole = wholes[0]
    assert whole.amount is not None
    if _sum(parts) > whole.amount:
        return Budget(
            raw=raw,
            items=tuple(m.item() for m in mentions),
            how=_note("parts ('dont') exceed the whole: no total", *notes),
        )
    return Budget(
        raw=raw,
        total=whole.amount,
        items=tuple(m.item() for m in parts),
        approximate=whole.approximate,
        period=whole.per,
        confidence="high",
        how=_note(f"total '{whole.text}' with parts ('dont')", *notes),
    )


def _by_sum(raw: str, mentions: list[_Money], notes: list[str]) -> Budget:
    """Plain itemised amounts: their sum is the total (derived, so medium confidence)."""
    if any(m.is_part for m in mentions):
        return Budget(
            raw=raw,
            items=tuple(m.item() for m in mentions),
            how=_note("parts ('dont') of several amounts: no total", *notes),
        )
    periods = {m.per for m in mentions}
    return Budget(
        raw=raw,
        total=_sum(mentions),
        items=tuple(m.item() for m in mentions),
        approximate=any(m.approximate for m in mentions),
        period="an" if periods == {"an"} else None,
        confidence="medium",
        how=_note(f"sum of {len(mentions)} itemised amounts", *notes),
    )


# ---------------------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many people of one kind: ``value`` when exact or approximate, else a ``minimum``/``maximum``.

    ``noun`` is the word counted as written ("bénévoles", "résident.e.s"); ``text`` the fragments read
    (joined by " + " when several were added up). ``occasional`` marks people said to come now and then.
    """

    value: int | None
    noun: str
    minimum: int | None = None
    maximum: int | None = None
    approximate: bool = False
    occasional: bool = False
    text: str = ""


@dataclass(frozen=True)
class People:
    """What the "Nombre de personnes mobilisés" text says, by kind; ``None`` where it says nothing clear.

    ``professionals``: staff and paid roles (professionnel, salarié, animateur, référent, directeur…);
    ``volunteers``: bénévoles; ``civic_service``: volontaires en service civique; ``contributors``:
    intervenant(e)s not said to be staff or volunteers; ``partners``: partenaires, associations;
    ``persons``: people of unstated kind ("15 personnes", a bare "150"); ``participants``: the public,
    one count per mention with its noun. ``named_without_count``: kinds named with no number
    ("bénévoles", "les usagers"); ``set_aside``: fragments with a number that were not counted, with why.
    """

    raw: str | None
    professionals: Count | None = None
    volunteers: Count | None = None
    civic_service: Count | None = None
    contributors: Count | None = None
    partners: Count | None = None
    persons: Count | None = None
    participants: tuple[Count, ...] = ()
    named_without_count: tuple[str, ...] = ()
    set_aside: tuple[tuple[str, str], ...] = ()
    how: str = ""


_KINDS = ("professionals", "volunteers", "civic_service", "contributors", "partners", "persons")
_WORD_NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100,
}  # fmt: skip
_ABOUT_NUMBERS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}  # fmt: skip
_PN = r"(?<![\d.,_])(?:\d{1,3}(?: \d{3}(?!\d))+|\d+)(?:[.,]\d+)?(?![\d_])"
_PW = r"\b(?:" + "|".join(_WORD_NUMBERS) + r")\b"
_PNUM = rf"(?:{_PN}|{_PW})"
_COUNT = re.compile(
    rf"(?P<about>\b(?:une\s+|d'une\s+)?(?P<aw>{'|'.join(_ABOUT_NUMBERS)})\s+(?:de\s+|d'\s*))"
    rf"|\bentre\s+(?P<ea>{_PNUM})\s+et\s+(?P<eb>{_PNUM})"
    rf"|(?:\bde\s+)?(?P<ra>{_PNUM})\s*(?:\ba\b|[-–—])\s*(?P<rb>{_PNUM})"
    rf"|(?P<n>{_PNUM})"
)
_PHRASE_END = re.compile(r"[,;:+()\[\]\n/=>…]|\.(?:\s|$)|\s[-–—]\s|\b(?:et|ou|dont|avec|puis|mais)\b|\d")
_WORD = re.compile(r"[a-z0-9œæ]+(?:[.·•-][a-z]+)*")
_STOP = {
    "de", "du", "des", "d", "en", "pour", "a", "au", "aux", "sur", "dans", "le", "la", "les", "l", "par",
    "qui", "que", "sont", "ont", "etaient", "se", "chez", "ce", "cette",
}  # fmt: skip
_VOLUNTEER = re.compile(r"benevole")
_CIVIC = re.compile(r"volontaire|civique|sc$")
_PROFESSIONAL = re.compile(
    r"profes+ion+n?el|salari|animat(?:eur|rice)|referent|coordinat(?:eur|rice)|direct(?:eur|rice)"
    r"|responsable|educat(?:eur|rice)|conseill(?:er|ere)|mediat(?:eur|rice)|travailleu(?:r|se)|cesf$"
    r"|agents?$|employe|permanents?$|psychologue|infirmi|ludothecaire|bibliothecaire|encadrant"
    r"|moniteur|monitrice|technicien|accompagnat(?:eur|rice)|assistante?s?$"
)
_CONTRIBUTOR = re.compile(r"intervenant")
_PARTNER = re.compile(r"partenaire|associations?$|organismes?$|institutions?$")
_PERSON = re.compile(r"(?:personnes?|pers)$")
_PARTICIPANT = re.compile(
    r"participant|habitant|enfant|adolescent|resident|usager|adherent|beneficiaire|eleve|jardinier"
    r"|spectateur|visiteur|collegien|lyceen|etudiant|apprenant|inscrit|citoyen"
    r"|(?:familles?|jeunes?|ados?|parents?|adultes?|seniors?|retraitee?s?|femmes?|hommes?|meres?|mamans?"
    r"|peres?|papas?|bebes?)$"
)
_NOT_PEOPLE = re.compile(
    r"(?:h|hrs?|heures?|jours?|journees?|demi|seances?|fois|ans?|annees?|mois|semaines?|min|minutes?"
    r"|trimestres?|semestres?|ateliers?|sorties?|reunions?|rencontres?|dates?|evenements?|weeks?"
    r"|week-ends?|weekends?|actions?|projets?|editions?|euros?|eur|km|m2|places?|repas|groupes?"
    r"|sessions?|animations?|stands?|kg|tonnes?|litres?|lots?|objets?|dons?|communes?|quartiers?"
    r"|ecoles?|classes?|salles?|numeros?|fiches?|axes?|niveaux?|etapes?|themes?|modules?)$"
)
_OCCASIONAL = re.compile(
    r"\bponctuel|\boccasionnel|\bparfois\b|\bde\s+temps\s+(?:en\s+temps|a\s+autre)|\ba\s+l'occasion\b"
)
_CLAUSE_END = re.compile(r"[\n;,()]|\bet\b|\+")
# "4 professionnels dont 2 animatrices et 1 directrice, 10 bénévoles": "dont" reaches over "et".
_DONT_SCOPE = re.compile(r"[\n;,()]")
_DEF_ARTICLE = re.compile(r"\b(?:la|le)\s+|\bl'\s*")
_MAX_WORDS = re.compile(r"(?:\bjusqu'(?:a|au)|\bmaximum|\bmax\.?|\bau\s+plus|\bmoins\s+de)\s*$")
_MIN_WORDS = re.compile(r"(?:\bau\s+moins|\bminimum|\bplus\s+de|\bau\s+minimum)\s*$")
_ABOUT_WORDS = re.compile(
    r"(?:\benviron|\bpres\s+de|\bautour\s+de|\bapproximativement|\ba\s+peu\s+pres|~|≈|\ben\s+moyenne)\s*$"
)
_ABOUT_AFTER = re.compile(r"\b(?:environ|en\s+moyenne|approximativement)\b")


def _word_kind(word: str) -> str | None:
    """The kind one word names, or None; volunteering first, as it qualifies any role."""
    for kind, pattern in (
        ("volunteers", _VOLUNTEER),
        ("civic_service", _CIVIC),
        ("professionals", _PROFESSIONAL),
        ("contributors", _CONTRIBUTOR),
        ("partners", _PARTNER),
        ("persons", _PERSON),
        ("participants", _PARTICIPANT),
        ("not people", _NOT_PEOPLE),
    ):
        if pattern.match(word):
            return kind
    return None


def _group_kind(words: list[str], phrase: str) -> str | None:
    """The kind of a noun group: its first word and the next one (unless a preposition or article).

    "1 bénévole référente" and "1 psychologue bénévole" are volunteers; "1 intervenant salarié" is staff;
    "1 jeune en service civique" is civic service; "30 personnes âgées" are participants.
    """
    if not words:
        return None
    group = words[:1] + ([words[1]] if len(words) > 1 and words[1] not in _STOP else [])
    kinds = [_word_kind(word) for word in group]
    if re.search(r"\bservices?\s+civiques?\b", phrase) and "volunteers" not in kinds:
        return "civic_service"
    if kinds[0] == "persons" and len(words) > 1 and words[1].startswith("agee"):
        return "participants"
    for kind in ("volunteers", "civic_service", "professionals", "contributors", "partners"):
        if kind in kinds:
            return kind
    return kinds[0]


@dataclass(frozen=True)
class _Head:
    """One number read in the people text, before it is added to its kind."""

    start: int
    end: int
    kind: str | None
    count: Count
    aside: str | None = None


def _number(text: str) -> tuple[int | None, str | None]:
    """(value, why it is no head-count) of a number written in digits or words."""
    text = text.strip()
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text], None
    digits = text.replace(" ", "")
    if re.search(r"[.,]", digits):
        return None, "a fraction is not a head count"
    if len(digits) > 7:
        return None, "too large for a head count"
    return int(digits), None


def _phrase(masked: str, start: int) -> tuple[int, str]:
    """The words after a number, up to the next separator: (end offset, phrase)."""
    limit = min(len(masked), start + _REACH)
    stop = _PHRASE_END.search(masked, start, limit)
    end = stop.start() if stop else limit
    return end, masked[start:end]


def _clause_before(masked: str, start: int) -> str:
    """The text of the clause before ``start`` (from the last comma, semicolon, line or "et")."""
    return _since(masked, start, _CLAUSE_END)


@lru_cache(maxsize=32)
def _cut_ends(masked: str, boundary: re.Pattern[str]) -> tuple[int, ...]:
    """Where each match of ``boundary`` ends, computed once per text (long texts stay linear)."""
    return tuple(match.end() for match in boundary.finditer(masked))


def _since(masked: str, start: int, boundary: re.Pattern[str]) -> str:
    """The text before ``start`` since the last match of ``boundary`` that ends before it."""
    ends = _cut_ends(masked, boundary)
    index = bisect_right(ends, start) - 1
    return masked[max(ends[index] if index >= 0 else 0, start - _REACH) : start]


def _clause_around(masked: str, start: int, end: int) -> str:
    """The clause a count is in (for "ponctuellement", which may come before or after the number)."""
    limit = min(len(masked), end + _REACH)
    stop = _CLAUSE_END.search(masked, end, limit)
    return _clause_before(masked, start) + masked[start : stop.start() if stop else limit]


def _label_noun(masked: str, start: int) -> tuple[int, str] | None:
    """For "Bénévoles : 12" or "Nombre de jardiniers … : 12-15": the noun before the colon and its offset."""
    before = _clause_before(masked, start)
    if not re.search(r"[:=]\s*$", before):
        return None
    offset = start - len(before)
    for word in _WORD.finditer(before):
        if word.group() in ("nombre", "nb", "nbre"):
            continue
        if _word_kind(word.group()) not in (None, "not people"):
            return offset + word.start(), word.group()
    return None


def _read_number(match: re.Match[str]) -> tuple[int | None, int | None, int | None, bool, str | None]:
    """(value, minimum, maximum, approximate, why it is no head-count) of a match of :data:`_COUNT`."""
    if match.group("about"):
        return _ABOUT_NUMBERS[match.group("aw")], None, None, True, None
    low_text = match.group("ea") or match.group("ra")
    if low_text:
        (low, low_problem), (high, high_problem) = (
            _number(low_text),
            _number(match.group("eb") or match.group("rb")),
        )
        if low is None or high is None:
            return None, None, None, False, low_problem or high_problem
        if low > high:
            return None, None, None, False, "a reversed range"
        if low == high:
            return low, None, None, False, None
        return None, low, high, False, None
    value, problem = _number(match.group("n"))
    return value, None, None, False, problem


def _heads(work: str, masked: str) -> list[_Head]:
    """Every number of the people text with the kind of what it counts (or why it is not counted)."""
    heads: list[_Head] = []
    for match in _COUNT.finditer(masked):
        value, low, high, approximate, problem = _read_number(match)
        end, phrase = _phrase(masked, match.end())
        words = _WORD.findall(phrase)
        kind = _group_kind(words, phrase)
        start = match.start()
        noun = _clean(work[match.end() : end]).split(" ")[0] if words else ""
        in_words = bool(re.fullmatch(_PW, match.group().strip())) and not match.group("about")
        if not words:
            labelled = _label_noun(masked, match.start())
            if labelled:
                start, word = labelled
                kind, noun = _word_kind(word), _clean(work[start : start + len(word)])
        before = _clause_before(masked, match.start())
        qualifier = _ABOUT_WORDS.search(before)
        if qualifier or _ABOUT_AFTER.search(phrase):
            approximate = True
        if value is not None and low is None and _MAX_WORDS.search(before):
            qualifier = _MAX_WORDS.search(before)
            value, high = None, value
        elif value is not None and low is None and _MIN_WORDS.search(before):
            qualifier = _MIN_WORDS.search(before)
            value, low = None, value
        if qualifier and start == match.start():
            start -= len(before) - qualifier.start()
        count = Count(value, noun, low, high, approximate, False, _fragment(work, start, end))
        aside = _why_aside(kind, problem, words, in_words, match.group())
        if aside == "":
            continue
        heads.append(_Head(start, end, kind, count, aside))
    return heads + _article_heads(work, masked, heads)


def _fragment(work: str, start: int, end: int) -> str:
    """The words read for a count, as written, without a dangling "en" or "de" ("15 bénévoles en 2023")."""
    words = _clean(work[start:end]).split(" ")
    while len(words) > 1 and _fold_word(words[-1]) in _STOP:
        words.pop()
    return " ".join(words)


def _fold_word(word: str) -> str:
    return word.translate(_FOLDS).strip("'")


def _why_aside(
    kind: str | None, problem: str | None, words: list[str], in_words: bool, number: str
) -> str | None:
    """Why a number is not a count ("" to drop it silently: "un"/"une" before any other noun)."""
    if kind in _KINDS or kind == "participants":
        return problem
    if in_words:
        return ""
    if words and words[0] == "etp":
        return "full-time equivalents, not a head count"
    if kind == "not people":
        return "not a count of people"
    if _is_year(number):
        return "a year"
    return _NO_KIND


_NO_KIND = "kind of people not recognised"


def _covered(length: int, heads: list[_Head]) -> bytearray:
    """For each offset of the text, 1 if a count read it."""
    covered = bytearray(length + 1)
    for head in heads:
        covered[head.start : head.end] = b"\x01" * (head.end - head.start)
    return covered


def _article_heads(work: str, masked: str, heads: list[_Head]) -> list[_Head]:
    """ "La référente familles", "l'animatrice": one person, for staff, volunteer and civic roles only."""
    found = []
    covered = _covered(len(masked), heads)
    for match in _DEF_ARTICLE.finditer(masked):
        if covered[match.start()]:
            continue
        end, phrase = _phrase(masked, match.end())
        words = _WORD.findall(phrase)
        kind = _group_kind(words, phrase)
        if kind not in ("professionals", "volunteers", "civic_service") or re.search(r"[sx]$", words[0]):
            continue
        noun = _clean(work[match.end() : end]).split(" ")[0]
        count = Count(1, noun, text=_clean(work[match.start() : end]))
        found.append(_Head(match.start(), end, kind, count))
    return found


def _breakdowns(masked: str, heads: list[_Head]) -> list[_Head]:
    """Counts that detail another are set aside: after "dont", or of the same kind in parentheses."""
    heads = sorted(heads, key=lambda head: head.start)
    result = []
    for index, head in enumerate(heads):
        if head.aside is None and re.search(r"\bdont\b", _since(masked, head.start, _DONT_SCOPE)):
            head = _aside(head, "a part of the count before it ('dont')")
        opening = masked.rfind("(", 0, head.start)
        if head.aside is None and opening >= 0 and ")" not in masked[opening : head.start]:
            owners = [h for h in heads[:index] if h.end <= opening and h.aside is None]
            if owners and owners[-1].kind == head.kind:
                head = _aside(head, f"a breakdown of '{owners[-1].count.text}' in parentheses")
        result.append(head)
    return result


def _aside(head: _Head, reason: str) -> _Head:
    return _Head(head.start, head.end, head.kind, head.count, reason)


def _added(counts: list[Count], occasional: bool) -> Count | None:
    """Counts of one kind added up: exact when all are exact, else the sums of the ends that are known.

    None when no end is known ("au moins 3 bénévoles et jusqu'à 5 bénévoles").
    """
    noun = counts[0].noun
    text = " + ".join(count.text for count in counts)
    approximate = any(count.approximate for count in counts)
    if all(count.value is not None for count in counts):
        value = sum(count.value for count in counts if count.value is not None)
        return Count(value, noun, None, None, approximate, occasional, text)
    lows = [count.value if count.value is not None else count.minimum for count in counts]
    highs = [count.value if count.value is not None else count.maximum for count in counts]
    low = sum(x for x in lows if x is not None) if all(x is not None for x in lows) else None
    high = sum(x for x in highs if x is not None) if all(x is not None for x in highs) else None
    if low is None and high is None:
        return None
    return Count(None, noun, low, high, approximate, occasional, text)


def _by_kind(masked: str, heads: list[_Head]) -> tuple[dict[str, Count], list[Count], list[tuple[str, str]]]:
    """The counts added up per kind; occasional ones only when the kind has no regular count."""
    totals: dict[str, Count] = {}
    participants: list[Count] = []
    aside = [(head.count.text, head.aside) for head in heads if head.aside]
    for kind in (*_KINDS, "participants"):
        mine = [h for h in heads if h.kind == kind and not h.aside]
        flagged = [(h, bool(_OCCASIONAL.search(_clause_around(masked, h.start, h.end)))) for h in mine]
        regular = [h.count for h, occasional in flagged if not occasional]
        now_and_then = [h.count for h, occasional in flagged if occasional]
        if kind == "participants":
            participants = regular + [replace(count, occasional=True) for count in now_and_then]
            continue
        group, occasional = (regular, False) if regular else (now_and_then, True)
        if regular:
            aside += [(count.text, "occasional: not added to the regular count") for count in now_and_then]
        if group:
            total = _added(group, occasional)
            if total is None:
                aside += [(count.text, "bounds of one kind that do not add up") for count in group]
            else:
                totals[kind] = total
    return totals, participants, aside


def _named(
    work: str, masked: str, heads: list[_Head], totals: dict[str, Count], participants: list[Count]
) -> tuple[str, ...]:
    """Kinds of people named with no number ("2 professionnels , bénévoles": bénévoles)."""
    counted_nouns = {_prepare(count.noun)[1] for count in participants}
    names: list[str] = []
    covered = _covered(len(masked), heads)
    for word in _WORD.finditer(masked):
        if covered[word.start()]:
            continue
        kind = _word_kind(word.group())
        if kind in (None, "not people", "persons") or kind in totals:
            continue
        if kind == "participants" and word.group() in counted_nouns:
            continue
        written = work[word.start() : word.end()]
        if written not in names:
            names.append(written)
    return tuple(names)


def _flags(count: Count) -> str:
    flags = [name for name in ("approximate", "occasional") if getattr(count, name)]
    return f" ({', '.join(flags)})" if flags else ""


_BARE_COUNT = re.compile(rf"^\s*(?:environ\s+)?(?:{_PN}|(?:{_PN})\s*(?:a|-|–)\s*(?:{_PN}))\s*(?:\.\s*)?$")


@lru_cache(maxsize=1 << 12)  # a head-count text may come back word for word in other fiches: read once
def read_people(text: str | None) -> People:
    """Head-counts by kind from the "Nombre de personnes" text (see the module's docstring for the rules).

    Never raises; the text is kept as given in ``raw``.
    """
    if text is None or not text.strip():
        return People(raw=text, how="empty")
    work, folded = _prepare(text)
    masked, masks = _mask(folded, _MASKS)
    heads = _breakdowns(masked, _heads(work, masked))
    if _BARE_COUNT.match(masked) and len(heads) == 1 and heads[0].aside == _NO_KIND:
        heads = [_Head(heads[0].start, heads[0].end, "persons", heads[0].count, None)]
    totals, participants, aside = _by_kind(masked, heads)
    named = _named(work, masked, heads, totals, participants)
    how = [f"{kind} = {count.text}{_flags(count)}" for kind, count in totals.items()]
    how += [f"participants: {count.text}{_flags(count)}" for count in participants]
    how += [f"set aside '{fragment}' ({reason})" for fragment, reason in aside]
    how += [f"named without a number: {', '.join(named)}"] if named else []
    how += [f"{name} ignored" for name in masks]
    return People(
        raw=text,
        participants=tuple(participants),
        named_without_count=named,
        set_aside=tuple(aside),
        how="; ".join(how) or "no count",
        **totals,
    )


__all__ = ["Budget", "Count", "Item", "People", "read_budget", "read_people"]
