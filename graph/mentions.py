"""Organisations cited in the free text of a fiche: found by a reviewed gazetteer and a few stated rules.

The form only declares partner *kinds* (Caf, Commune, Association locale…); the free text often says
which organisations took part ("MDS de Tournefeuille", "le CCAS", "Habitat et Humanisme"). This module
reads them with a transparent method, so that every mention can be traced to a rule and an entry of
``data/organisations-citees.toml`` (the gazetteer, reviewed data, not code), and a wrong one fixed there:

``gazetteer-name``  an alias of an organisation known by its name ("Secours populaire", "Sicoval");
``kind-name``       a kind followed by a name or a place: "MDS de Tournefeuille", "école Jean Jaurès";
``kind``            a kind alone, where the gazetteer says it refers to one organisation in context
                    ("la PMI", "le CCAS"; not after "une", "plusieurs"…);
``cue-name``        a name of two or more capitalised words, or a quoted name, after "en partenariat avec",
                    "en lien avec", "avec le/la/les"…;
``acronym``         an unknown acronym of 2–8 capitals after an article ("l'ADIL"), minus a stop list.

Names are only read right after a kind or a cue, never from a capital alone, which is what keeps
sentence-initial words, months and places out. Matching runs on two copies of the text folded character
by character (accents and typographic apostrophes removed; one copy lower-cased), each as long as the
text, so every offset is an offset of the original text.
"""

from __future__ import annotations

import bisect
import re
import string
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .iris import slug
from .record import TEXT_FIELDS, Fiche

GAZETTEER_RESOURCE = "data/organisations-citees.toml"

#: What a mention stands for, which decides its node in the graph.
NATIONAL = "national"  # one organisation for France (France Travail, Habitat et Humanisme)
DEPARTEMENT = "departement"  # the département's organisation of a departmental partner kind (Caf, CPAM)
LOCAL = "local"  # one named organisation of a territory ("MDS de Tournefeuille", "Sicoval")
KIND = "kind"  # only a kind: the text does not say which one ("la PMI", "la médiathèque")
SCOPES = (NATIONAL, DEPARTEMENT, LOCAL, KIND)

#: Rules, from the most to the least trusted: where two matches overlap, the more trusted one is kept.
RULES = ("gazetteer-name", "kind-name", "kind", "cue-name", "acronym")


@dataclass(frozen=True)
class Kind:
    """A kind of organisation of the gazetteer (CCAS, PMI, médiathèque…)."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    bare: bool = False
    scope: str | None = None
    name_key: str = "kind+name"
    short: str | None = None
    partner_kind: str | None = None
    part_of: str | None = None
    self_like: bool = False
    wikidata: str | None = None
    siren: str | None = None


@dataclass(frozen=True)
class Organisation:
    """An organisation of the gazetteer known by its proper name."""

    key: str
    label: str
    kind: str
    aliases: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    scope: str = NATIONAL
    wikidata: str | None = None
    siren: str | None = None


@dataclass(frozen=True)
class Mention:
    """One organisation cited in one field of a fiche, with where and why it was read."""

    key: str  # the organisation's stable slug (the kind's key when only the kind is known)
    label: str  # normalised French display name
    kind: str  # key of its kind in the gazetteer
    scope: str  # national, departement, local or kind (see SCOPES)
    text: str  # the words as written: text[start:end]
    field: str  # the record field (one of record.TEXT_FIELDS)
    start: int
    end: int
    rule: str  # one of RULES


# --- Folding: same length as the text, so offsets carry over --------------------------------------------

_APOSTROPHES = "’‘ʼ`´′"
_SPACES = "\u00a0\u202f\u2007\u2009"
_DASHES = "‐‑‒–—"


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table filled on demand: each character to one character, never more."""

    def __init__(self, lower: bool) -> None:
        super().__init__()
        self.lower = lower

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in _APOSTROPHES:
            folded = "'"
        elif char in _SPACES:
            folded = " "
        elif char in _DASHES:
            folded = "-"
        else:
            folded = unicodedata.normalize("NFD", char)[0]
            if unicodedata.combining(folded) and folded != char:
                folded = char
            if self.lower and len(lowered := folded.lower()) == 1:
                folded = lowered
        self[code] = folded
        return folded


_PLAIN = _FoldTable(lower=False)
_FOLDED = _FoldTable(lower=True)


#: The characters a fold table may change: beyond ASCII, and the backtick.
_FOLDABLE = re.compile(r"[^\x00-\x5f\x61-\x7f]")


def _translate(text: str, table: _FoldTable) -> str:
    """``text.translate(table)``, replacing each distinct character that changes instead: a text has a
    few of them and ``str.replace`` runs at C speed, where ``translate`` looks every character up (the
    characters that may change are found by one regex scan, in C too)."""
    out = text
    for char in set(_FOLDABLE.findall(text)):
        target = table[ord(char)]
        if target != char:
            if table[ord(target)] != target:  # replacements that chain: one pass of translate
                return text.translate(table)
            out = out.replace(char, target)
    return out


def plain(text: str) -> str:
    """Accents and typographic apostrophes away, case kept: where capitals are read."""
    return _translate(text, _PLAIN)


def _straight_apostrophes(text: str) -> str:
    """Labels use the straight apostrophe, as the gazetteer and the ontology's labels do."""
    return re.sub(f"[{_APOSTROPHES}]", "'", text)


def folded(text: str) -> str:
    """Accents, apostrophes and case away: where aliases are matched."""
    return _folded_from_plain(text, plain(text))


def _folded_from_plain(text: str, plain_text: str) -> str:
    """``folded(text)`` from ``plain(text)``: the table lowers each character of the plain text unless its
    lower case is several characters (then the text's length would change) or the Greek capital sigma,
    which ``str.lower`` lowers by its context."""
    lowered = plain_text.lower()
    if len(lowered) == len(plain_text) and "\u03a3" not in plain_text:
        return lowered
    return text.translate(_FOLDED)


# --- The gazetteer ------------------------------------------------------------------------------------


_SEP = r"(?:[ \t]*-[ \t]*|\s+)"


def _alias_pattern(alias: str) -> str:
    """A regex for an already folded alias: any spacing or hyphen between words, "&" for "et", œ for oe."""
    parts: list[str] = []
    for token in re.findall(r"[^\W_]+|&|'", alias):
        if token == "'":
            parts.append("'[ \t]*")
            continue
        if parts and not parts[-1].endswith("[ \t]*"):
            parts.append(_SEP)
        if token in ("et", "&"):
            parts.append("(?:et|&)")
        else:
            parts.append(re.escape(token.replace("œ", "oe")).replace("oe", "(?:oe|œ)"))
    return "".join(parts)


def _alias_key(matched: str) -> str:
    """The same key for every spelling an alias pattern accepts (spacing, hyphens, "&", "œ")."""
    text = matched.replace("œ", "oe").replace("&", " et ")
    text = re.sub(r"'\s*", "'", text)
    return re.sub(r"[\s-]+", " ", text).strip()


def _alternation(aliases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for many aliases, longest first so that the longest wins at a position.

    The aliases are grouped by their first letter, each group in that order: at a position only the group
    of the letter there can match, and it tries its aliases in the same order as the whole list would, so
    the matches are the same; the engine tries a few groups at each position instead of every alias.
    """
    patterns = sorted({_alias_pattern(alias) for alias in aliases}, key=lambda p: (-len(p), p))
    if not patterns:
        return None
    if all(pattern[:1].isalnum() for pattern in patterns):  # each begins with its first letter, as is
        groups: dict[str, list[str]] = {}
        for pattern in patterns:
            groups.setdefault(pattern[0], []).append(pattern)
        patterns = ["(?:" + "|".join(group) + ")" for group in groups.values()]
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?![\w&])")


@dataclass(frozen=True)
class _Compiled:
    """What matching needs, built once per gazetteer: alias tables and one regex per family."""

    kinds: Mapping[str, Kind]
    organisations: Mapping[str, Organisation]
    folded: Mapping[str, Kind | Organisation]  # folded alias key -> entry
    exact: Mapping[str, Kind | Organisation]  # exact-case alias key -> entry
    by_name: Mapping[str, Organisation]  # name key of every label and alias -> organisation
    org_pattern: re.Pattern[str] | None
    kind_pattern: re.Pattern[str] | None
    exact_pattern: re.Pattern[str] | None
    self_pattern: re.Pattern[str] | None
    #: One word of each alias of the org, kind and exact patterns (see :func:`_keywords`).
    org_words: frozenset[str] | None
    kind_words: frozenset[str] | None
    exact_words: frozenset[str] | None


def _compile(
    kinds: tuple[Kind, ...], organisations: tuple[Organisation, ...], self_words: tuple[str, ...]
) -> _Compiled:
    folded_aliases: dict[str, Kind | Organisation] = {}
    exact_aliases: dict[str, Kind | Organisation] = {}
    for entry in (*kinds, *organisations):
        for alias in entry.aliases:
            _claim(folded_aliases, _alias_key(folded(alias)), entry)
        for alias in entry.exact:
            _claim(exact_aliases, _alias_key(plain(alias)), entry)
    org_keys = [_alias_key(folded(a)) for o in organisations for a in o.aliases]
    kind_keys = [_alias_key(folded(a)) for k in kinds for a in k.aliases]
    exact_keys = [_alias_key(plain(a)) for e in (*kinds, *organisations) for a in e.exact]
    return _Compiled(
        kinds={kind.key: kind for kind in kinds},
        organisations={organisation.key: organisation for organisation in organisations},
        folded=folded_aliases,
        exact=exact_aliases,
        by_name={_name_key(folded(a)): o for o in organisations for a in (o.label, *o.aliases)},
        org_pattern=_alternation(org_keys),
        kind_pattern=_alternation(kind_keys),
        exact_pattern=_alternation(exact_keys),
        self_pattern=_alternation(folded(word) for word in self_words),
        org_words=_keywords(org_keys),
        kind_words=_keywords(kind_keys),
        exact_words=_keywords(map(folded, exact_keys)),
    )


_RUN = re.compile(r"[^\W_]+")


def _spelled(text: str) -> str:
    """A folded text with the letters the patterns take for others written as those: œ (an alias pattern
    matches it for "oe"), ı and ſ (the case-insensitive cue regex matches them for i and s)."""
    return text.replace("œ", "oe").replace("ı", "i").replace("ſ", "s")


def _text_words(folded_text: str) -> frozenset[str]:
    """The words of a folded text, spelled as keywords are (see :func:`_keywords`)."""
    return frozenset(_RUN.findall(_spelled(folded_text)))


def _keywords(phrases: Iterable[str]) -> frozenset[str] | None:
    """One word of each folded phrase (alias or cue), its longest: any match of a phrase holds that word
    whole (words are matched whole, between non-word characters), so a text whose words include none of
    them has no match and need not be scanned. None when a phrase has no such word ("et" does not count:
    "&" may write it)."""
    found: set[str] = set()
    for phrase in phrases:
        words = [word for word in _RUN.findall(_spelled(phrase)) if word != "et"]
        if not words:
            return None
        found.add(max(words, key=len))
    return frozenset(found)


@dataclass(frozen=True)
class Gazetteer:
    """The reviewed data: kinds, named organisations and stop lists, with their compiled patterns."""

    kinds: tuple[Kind, ...]
    organisations: tuple[Organisation, ...]
    stop_acronyms: frozenset[str] = frozenset()
    self_words: tuple[str, ...] = ()
    stop_words: frozenset[str] = frozenset()
    compiled: _Compiled = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", _compile(self.kinds, self.organisations, self.self_words))

    @property
    def kind_by_key(self) -> Mapping[str, Kind]:
        return self.compiled.kinds

    @property
    def organisation_by_key(self) -> Mapping[str, Organisation]:
        return self.compiled.organisations

    def without_organisations(self) -> Gazetteer:
        """The same kinds and stop lists with no named organisation: what the rules find on their own."""
        return replace(self, organisations=())


def _claim(table: dict[str, Kind | Organisation], alias: str, entry: Kind | Organisation) -> None:
    """An alias belongs to one entry: two entries sharing one would make a mention ambiguous."""
    if alias in table and table[alias] is not entry:
        raise ValueError(f"alias {alias!r} is claimed by both {table[alias].key!r} and {entry.key!r}")
    table[alias] = entry


def _entry(cls: type, values: dict[str, Any]) -> Any:
    """A Kind or Organisation from a TOML table; unknown keys are refused so that typos never pass."""
    names = set(cls.__dataclass_fields__)
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)} in {cls.__name__} {values.get('key')!r}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return cls(**values)


def parse_gazetteer(text: str) -> Gazetteer:
    """Read and check the gazetteer's TOML: references, scopes and keys must be consistent."""
    data = tomllib.loads(text)
    stop = data.get("stop", {})
    kinds = tuple(_entry(Kind, values) for values in data.get("kind", []))
    organisations = tuple(_entry(Organisation, values) for values in data.get("organisation", []))
    kind_keys = [kind.key for kind in kinds]
    all_keys = kind_keys + [organisation.key for organisation in organisations]
    duplicates = sorted({key for key in all_keys if all_keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"keys used twice in the gazetteer: {duplicates}")
    for organisation in organisations:
        if organisation.kind not in kind_keys:
            raise ValueError(f"organisation {organisation.key!r} has an unknown kind {organisation.kind!r}")
        if organisation.scope not in (NATIONAL, LOCAL):
            raise ValueError(f"organisation {organisation.key!r}: scope must be national or local")
    for kind in kinds:
        if kind.scope not in (None, DEPARTEMENT) or kind.name_key not in ("kind+name", "name"):
            raise ValueError(f"kind {kind.key!r}: bad scope or name_key")
    return Gazetteer(
        kinds=kinds,
        organisations=organisations,
        stop_acronyms=frozenset(stop.get("acronyms", ())),
        self_words=tuple(stop.get("self", ())),
        stop_words=frozenset(folded(word) for word in stop.get("words", ())),
    )


@lru_cache(maxsize=4)
def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The gazetteer shipped with the package, or the one at ``path`` (read once per path)."""
    if path is None:
        text = resources.files("maillage.graph").joinpath(GAZETTEER_RESOURCE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_gazetteer(text)


# --- Names ---------------------------------------------------------------------------------------------

_UPPER = "A-ZŒÆ"
_LETTER = "A-Za-z0-9œŒæÆ"
#: A capitalised word of a name, on the plain text: "Tournefeuille", "L'Essentiel", "Saint-Orens".
_TOKEN = rf"[{_UPPER}][{_LETTER}]*(?:'[{_LETTER}]+)?(?:-[{_LETTER}]+(?:'[{_LETTER}]+)?)*"
#: Lower-case words allowed inside a name between capitalised words: "Jeanne d'Arc", "Rives de la Garonne".
#: "et" only joins two capitalised words ("Habitat et Humanisme"): "Prévert et la MJC" is two names.
_PARTICLE = r"(?:de|du|des|la|le|les|sur|sous|en|aux|au|a)"
_NAME = rf"{_TOKEN}(?:[ \t]+(?:(?:et|&)[ \t]+|(?:{_PARTICLE}[ \t]+|[ld]'[ \t]*)*){_TOKEN})*"
_TOKENS = re.compile(_TOKEN)
_NAMES = re.compile(_NAME)
_OPEN_QUOTE = '[«“"][ \t]*'
#: What may follow a kind before its name: a connector ("de", "du", "d'"…) or just a space.
_AFTER_KIND = re.compile(
    rf"(?:[ \t]+(?P<conn>(?i:de[ \t]+la|du|des|de))[ \t]+(?:{_OPEN_QUOTE})?"
    rf"|[ \t]*(?P<elided>(?i:de[ \t]+l'|d'))[ \t]*"
    rf"|[ \t]+(?:{_OPEN_QUOTE})?)"
    rf"(?P<name>{_NAME})"
)
#: After a kind, a connector then words naming the fiche's own structure: "la ludothèque de l'association".
_OWN = re.compile(r"[ \t]+(?:de[ \t]+la|de[ \t]+l'|du|des|de|d')[ \t]*")
_INDEFINITE = re.compile(
    r"(?<!\w)(?:un|une|des|plusieurs|certains|certaines|chaque|aucun|aucune|quelques|autre|autres"
    r"|nouveau|nouvelle|nouvel|tout|toute|notre|nos|votre|leur)\s+$"
)
_ARTICLES = ("le", "la", "les", "l")


def _name_key(name: str) -> str:
    """The slug of a name without its leading article: "L'Essentiel" and "Essentiel" are one key."""
    words = slug(name).split("-")
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return "-".join(words)


def _display(name: str) -> str:
    """A name as written, spacing normalised, words shouted in capitals turned to title case."""
    words = re.sub(r"\s+", " ", _straight_apostrophes(name)).strip().split(" ")
    return " ".join(
        "-".join(p.capitalize() if len(p) > 3 and p.isupper() else p for p in w.split("-")) for w in words
    )


def _read_name(text: _Text, start: int, end: int, gazetteer: Gazetteer) -> str:
    """The name in ``text.original[start:end]``, cut before a word that starts another alias ("Jacques
    Prévert et la MJC" stops at "Prévert") and stripped of trailing stop words ("Colomiers Nous");
    '' when no word of it is a real name word."""
    tokens = list(_TOKENS.finditer(text.plain, start, end))
    for index, token in enumerate(tokens[1:], start=1):
        if _starts_with_alias(text, token.start(), gazetteer):
            tokens = tokens[:index]
            break
    while tokens and folded(tokens[-1].group()) in gazetteer.stop_words:
        tokens.pop()
    if not tokens or all(folded(token.group()) in gazetteer.stop_words for token in tokens):
        return ""
    return text.original[start : tokens[-1].end()]


# --- Candidates ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    """One field's text, its two folded copies (same length) and the words of the folded one."""

    original: str
    plain: str
    folded: str
    field: str
    words: frozenset[str]


def _mention(
    text: _Text, start: int, end: int, *, key: str, label: str, kind: str, scope: str, rule: str
) -> Mention:
    return Mention(key, label, kind, scope, text.original[start:end], text.field, start, end, rule)


def _organisation_mention(text: _Text, start: int, end: int, organisation: Organisation) -> Mention:
    return _mention(
        text,
        start,
        end,
        key=organisation.key,
        label=organisation.label,
        kind=organisation.kind,
        scope=organisation.scope,
        rule="gazetteer-name",
    )


def _matches(
    pattern: re.Pattern[str], keywords: frozenset[str] | None, source: str, text: _Text
) -> Iterable[re.Match[str]]:
    """``pattern.finditer(source)``, without the scan when the text has none of the pattern's ``keywords``
    (most texts name no alias: a set look-up costs far less than a regex scan)."""
    if keywords is not None and keywords.isdisjoint(text.words):
        return ()
    return pattern.finditer(source)


def _exact(text: _Text, gazetteer: Gazetteer) -> list[re.Match[str]]:
    """The exact-case aliases (of kinds and organisations) in the text."""
    index = gazetteer.compiled
    pattern = index.exact_pattern
    return list(_matches(pattern, index.exact_words, text.plain, text)) if pattern is not None else []


def _gazetteer_names(
    text: _Text, gazetteer: Gazetteer, exact: list[re.Match[str]] | None = None
) -> Iterable[Mention]:
    """Aliases of named organisations (case-insensitive, then the few exact-case ones: ``exact``, the
    matches of :func:`_exact`, when already found)."""
    index = gazetteer.compiled
    for pattern, keywords, source, table in (
        (index.org_pattern, index.org_words, text.folded, index.folded),
        (index.exact_pattern, index.exact_words, text.plain, index.exact),
    ):
        if pattern is None:
            continue
        found = (
            exact
            if exact is not None and pattern is index.exact_pattern
            else _matches(pattern, keywords, source, text)
        )
        for match in found:
            entry = table.get(_alias_key(match.group()))
            if isinstance(entry, Organisation):
                yield _organisation_mention(text, match.start(), match.end(), entry)


def _kinds(text: _Text, gazetteer: Gazetteer, exact: list[re.Match[str]] | None = None) -> Iterable[Mention]:
    """Kinds, with the name or place that follows them when there is one (``exact``: see
    :func:`_gazetteer_names`)."""
    index = gazetteer.compiled
    for pattern, keywords, source, table in (
        (index.kind_pattern, index.kind_words, text.folded, index.folded),
        (index.exact_pattern, index.exact_words, text.plain, index.exact),
    ):
        if pattern is None:
            continue
        found = (
            exact
            if exact is not None and pattern is index.exact_pattern
            else _matches(pattern, keywords, source, text)
        )
        for match in found:
            kind = table.get(_alias_key(match.group()))
            if isinstance(kind, Kind):
                mention = _kind_mention(text, match.start(), match.end(), kind, gazetteer)
                if mention is not None:
                    yield mention


def _owned_by_self(text: _Text, end: int, gazetteer: Gazetteer) -> bool:
    """A kind owned by the structure ("la ludothèque de l'association") is part of it, not cited."""
    connector = _OWN.match(text.folded, end)
    self_pattern = gazetteer.compiled.self_pattern
    return bool(connector and self_pattern and self_pattern.match(text.folded, connector.end()))


def _join(kind_label: str, connector: str, name: str) -> str:
    """Kind, connector, name: "MDS de Tournefeuille"; an elided one sticks: "MDS d'Aucamville"."""
    if not connector:
        return f"{kind_label} {name}"
    return (
        f"{kind_label} {connector}{name}" if connector.endswith("'") else f"{kind_label} {connector} {name}"
    )


def _starts_with_alias(text: _Text, position: int, gazetteer: Gazetteer) -> bool:
    """A name never starts with an alias: "CHU Mairie" is two kinds in a list, not a CHU "Mairie"."""
    return any(
        pattern is not None and pattern.match(text.folded, position)
        for pattern in (gazetteer.compiled.kind_pattern, gazetteer.compiled.org_pattern)
    )


def _name_after_kind(text: _Text, start: int, after: re.Match[str], gazetteer: Gazetteer) -> str:
    """The name or place read after a kind, '' when there is none worth reading."""
    if _starts_with_alias(text, after.start("name"), gazetteer):
        return ""
    connected = bool(after.group("conn") or after.group("elided"))
    if not connected and _shouted(text.plain, start):
        return ""  # in a line typed in capitals every word looks like a name: only "de <Name>" counts
    name = _read_name(text, after.start("name"), after.end("name"), gazetteer)
    return name if _name_key(name) else ""


def _kind_mention(text: _Text, start: int, end: int, kind: Kind, gazetteer: Gazetteer) -> Mention | None:
    """A kind followed by a name (one organisation), or the kind alone where the gazetteer allows it."""
    if _owned_by_self(text, end, gazetteer):
        return None
    after = None if kind.scope == DEPARTEMENT else _AFTER_KIND.match(text.plain, end)
    name = _name_after_kind(text, start, after, gazetteer) if after else ""
    if after and name:
        connector = re.sub(r"[ \t]+", " ", (after.group("conn") or after.group("elided") or "").lower())
        shown = _display(name)
        if kind.name_key == "name":
            label = _join(kind.label, connector, shown) if connector else shown
            key = _name_key(label)
        else:
            label = _join(kind.short or kind.label, connector, shown)
            key = f"{kind.key}-{_name_key(name)}"
        name_end = after.start("name") + len(name)
        by_name = gazetteer.compiled.by_name
        known = by_name.get(key) or by_name.get(_name_key(name))
        if known is not None and (kind.name_key == "name" or known.kind == kind.key):
            return _organisation_mention(text, start, name_end, known)
        return _mention(
            text, start, name_end, key=key, label=label, kind=kind.key, scope=LOCAL, rule="kind-name"
        )
    if not kind.bare or _INDEFINITE.search(text.folded, max(0, start - 40), start):
        return None
    scope = kind.scope or KIND
    return _mention(text, start, end, key=kind.key, label=kind.label, kind=kind.key, scope=scope, rule="kind")


_CUES = (
    "en partenariat avec",
    "partenariat avec",
    "en lien avec",
    "en collaboration avec",
    "avec",
    "porte par",
    "soutenu par",
    "finance par",
    "soutien de",
)
#: Cue words (any case), then a lower-case article: a capitalised one ("avec La Poste") is the name's.
_CUE = re.compile(
    r"(?<!\w)(?i:"
    + "|".join(cue.replace(" ", r"[ \t]+") for cue in _CUES)
    + r")[ \t]+(?:(?:le|la|les|du|des)[ \t]+|l'[ \t]*)?"
)
#: A word of each cue: a text with none of them has no cue (see :func:`_keywords`).
_CUE_WORDS = _keywords(_CUES)
_QUOTED = re.compile(r"[«“\"][ \t]*(?P<name>[A-Z][^«»“”\"\n]{1,80}?)[ \t]*[»”\"]")


def _cue_names(text: _Text, gazetteer: Gazetteer) -> Iterable[Mention]:
    """A quoted name, or two capitalised words or more, right after "en partenariat avec" and the like."""
    if _CUE_WORDS is not None and _CUE_WORDS.isdisjoint(text.words):
        return
    for cue in _CUE.finditer(text.plain):
        if _shouted(text.plain, cue.start()):
            continue
        quoted = _QUOTED.match(text.plain, cue.end())
        if quoted:
            start, end = quoted.start("name"), quoted.end("name")
            name = text.original[start:end]
        else:
            match = _NAMES.match(text.plain, cue.end())
            if not match or _starts_with_alias(text, match.start(), gazetteer):
                continue  # a kind or a known name: its own rule reads it
            name = _read_name(text, match.start(), match.end(), gazetteer)
            if len(_TOKENS.findall(plain(name))) < 2:
                continue
            start, end = match.start(), match.start() + len(name)
        key = _name_key(name)
        if not key or _is_self_name(name, gazetteer):
            continue
        known = gazetteer.compiled.by_name.get(key)
        if known is not None:
            yield _organisation_mention(text, start, end, known)
            continue
        yield _mention(
            text, start, end, key=key, label=_display(name), kind="organisation", scope=LOCAL, rule="cue-name"
        )


def _is_self_name(name: str, gazetteer: Gazetteer) -> bool:
    """Names like "Le Centre Social", "l'EVS" are how the structure names itself."""
    words = folded(re.sub(r"^(?i:l'|le |la |les )", "", name.strip())).strip()
    return words in {folded(word) for word in gazetteer.self_words}


_ACRONYM = re.compile(
    r"(?:(?<!\w)(?:[Ll]e|[Ll]a|[Ll]es|[Dd]u|[Aa]ux?|[Dd]es|[Dd]e[ \t]+la|[Aa]vec|[Pp]ar)[ \t]+"
    r"|(?<!\w)[LlDd]')"
    r"(?P<acronym>[A-Z]{2,8})(?![\w'-])"
)


_TWO_CAPITALS = re.compile(r"[A-Z]{2}")


def _acronyms(text: _Text, gazetteer: Gazetteer) -> Iterable[Mention]:
    """An acronym no entry knows, after an article ("l'ADIL"), unless stop-listed or in a shouted line."""
    known = gazetteer.compiled.folded
    if not _TWO_CAPITALS.search(text.plain):
        return  # an acronym is two capitals or more: nothing to read (and no slow scan)
    for match in _ACRONYM.finditer(text.plain):
        acronym = match.group("acronym")
        start, end = match.span("acronym")
        if (
            acronym in gazetteer.stop_acronyms
            or acronym.lower() in known
            or re.fullmatch(r"[IVXLCDM]+", acronym)
            or _shouted(text.plain, start)
        ):
            continue
        yield _mention(
            text,
            start,
            end,
            key=slug(acronym),
            label=acronym,
            kind="organisation",
            scope=LOCAL,
            rule="acronym",
        )


def _shouted(text: str, position: int) -> bool:
    """A line mostly in capitals (a title typed in caps) has no acronym worth reading."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    return _SHOUTED[text[line_start : line_end if line_end >= 0 else len(text)]]


def _shouted_line(line: str) -> bool:
    # Most lines answer at once: when the ASCII lower-case letters alone are over 40% of the line, capitals
    # cannot be 60% of its letters (the full count reads every character twice).
    if 5 * sum(map(line.count, string.ascii_lowercase)) > 2 * len(line):
        return False
    letters = "".join(filter(str.isalpha, line))
    return len(letters) >= 8 and sum(map(str.isupper, letters)) > 0.6 * len(letters)


class _LineMemo(dict[str, bool]):
    """Whether each line met is shouted, computed once per line (cues of one paragraph share it)."""

    def __missing__(self, line: str) -> bool:
        if len(self) >= 4096:
            self.clear()
        value = self[line] = _shouted_line(line)
        return value


_SHOUTED = _LineMemo()


def _select(candidates: Iterable[Mention]) -> list[Mention]:
    """Non-overlapping mentions: the most trusted rule first, then the longest, then the earliest.

    Kept spans stay sorted by start, so each candidate is checked against its two neighbours only.
    """
    ranked = sorted(candidates, key=lambda m: (RULES.index(m.rule), m.start - m.end, m.start))
    starts: list[int] = []
    kept: list[Mention] = []
    for mention in ranked:
        at = bisect.bisect_left(starts, mention.start)
        if at > 0 and kept[at - 1].end > mention.start:
            continue
        if at < len(kept) and kept[at].start < mention.end:
            continue
        starts.insert(at, mention.start)
        kept.insert(at, mention)
    return kept


def find_mentions(text: str | None, field: str, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """Every organisation cited in ``text`` (one field of a fiche), in the order of the text.

    Several mentions of one organisation are all returned; :func:`mentions_of` keeps one per fiche.
    """
    if not text:
        return []
    gazetteer = gazetteer or load_gazetteer()
    plain_text = plain(text)
    folded_text = _folded_from_plain(text, plain_text)
    source = _Text(text, plain_text, folded_text, field, _text_words(folded_text))
    exact = _exact(source, gazetteer)
    candidates = [
        *_gazetteer_names(source, gazetteer, exact),
        *_kinds(source, gazetteer, exact),
        *_cue_names(source, gazetteer),
        *_acronyms(source, gazetteer),
    ]
    return _select(candidates)


# --- Per fiche -----------------------------------------------------------------------------------------

_GENERIC_WORDS = frozenset(("de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "en", "sur"))


@lru_cache(maxsize=1 << 14)
def _words(text: str) -> frozenset[str]:
    """The significant words of a name (slugged once each: structure names, titles and mentions come back
    from fiche to fiche)."""
    return frozenset(
        word for word in slug(text, max_length=0).split("-") if word and word not in _GENERIC_WORDS
    )


def _is_own_service(mention: Mention, title: str) -> bool:
    """A fiche titled "Ludothèque" that says "la ludothèque" describes its own service, not a partner."""
    words = _words(mention.text)
    return mention.scope == KIND and bool(words) and words <= _words(title)


def _is_self(mention: Mention, structure: str, gazetteer: Gazetteer) -> bool:
    """The fiche's own structure cited by name ("Maison des Habitants de Léguevin" in its own fiche).

    A named mention is the structure when every word of its name is a word of the structure's name and
    its kind is one structures are (centre social, EVS…) or appears in the structure's name too.
    """
    own = _words(structure)
    kind = gazetteer.kind_by_key.get(mention.kind)
    if kind is None or not own:
        return False
    kind_words = set().union(*(_words(alias) for alias in (kind.label, *kind.aliases)))
    if mention.scope == KIND:
        return kind.self_like and bool(_words(mention.text)) and _words(mention.text) <= own
    name_words = _words(mention.text) - kind_words or _words(mention.label) - kind_words
    return bool(name_words) and name_words <= own and (kind.self_like or bool(kind_words & own))


def mentions_of(fiche: Fiche, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """The organisations a fiche's free text cites, one per key, in the order of the form's fields.

    The first mention of each key is kept (its field and offsets are the provenance). A kind alone
    ("la MDS") is dropped when the same fiche names exactly one organisation of that kind ("MDS de
    Tournefeuille"): it is that one. Mentions of the fiche's own structure, and a kind that is the
    action itself (the fiche "Ludothèque" saying "la ludothèque"), are dropped.
    """
    gazetteer = gazetteer or load_gazetteer()
    found = [
        mention
        for name in TEXT_FIELDS
        for mention in find_mentions(getattr(fiche, name), name, gazetteer)
        if not _is_self(mention, fiche.structure or "", gazetteer)
        and not _is_own_service(mention, fiche.titre or "")
    ]
    named_kinds: dict[str, set[str]] = {}
    for mention in found:
        if mention.scope == LOCAL:
            named_kinds.setdefault(mention.kind, set()).add(mention.key)
    kept: dict[str, Mention] = {}
    for mention in found:
        if mention.scope == KIND and len(named_kinds.get(mention.kind, ())) == 1:
            continue
        kept.setdefault(mention.key, mention)
    return list(kept.values())
