"""French communes: the gazetteer, and finding the communes a structure name or a free text names.

The gazetteer is ``data/communes.csv.gz``: the 34,875 current communes of the 101 départements (INSEE code,
official name, département, legal population), derived from Etalab's ``@etalab/decoupage-administratif``
package by ``benchmarks/fetch_communes.py`` (provenance in ``data/communes-source.json``, licence in
``data/LICENCE-communes.md``). It ships no coordinates, so ``Commune.lat``/``lon`` stay ``None``.

How a name is recognised. Names and texts are compared on a *key*: accents, case, hyphens, apostrophes and
spaces do not count, ``St``/``Ste`` are ``Saint``/``Sainte``, ``lez`` is ``lès``, a leading article
(``Le``, ``La``, ``Les``, ``L'``) is dropped, digits and ``Cedex`` are ignored. A text is scanned left to
right for the longest run of words that is the key of a commune (a name can be eight words long); what
decides whether a run found that way is a *mention* of the commune:

* **capitals**: a name in running text is written with a capital (``à Revel``, not ``le revel``), or as a
  hyphenated compound (``saint-orens-de-gameville``). Text in capitals (``CENTRE SOCIAL ESCALQUENS``) and a
  sentence's first word say nothing either way;
* **the word before** (the *indice*): ``centre social de``/``à``, ``maison des habitants de``… (the
  structure itself, ``role="structure"``), ``commune de``, ``ville de``, ``habitants de``, ``situé à``…
  (a place, said outright), another organisation then ``de`` (``MDS de Tournefeuille``, ``role=
  "partenaire"``: where a partner is, never where the structure is), or a bare ``à``/``de``/``sur``/``vers``
  (``role="lieu"``). Names listed after a mention (``à Revel, Sorèze et Dourgne``) share its indice. An
  article before the name that the commune's name does not have cancels the indice (``de la Ville``,
  ``à la Fontaine``: common nouns);
* **one-word names** need an indice in running text (a structure's name may do without: ``CENTRE SOCIAL
  ESCALQUENS``). About a thousand one-word commune names are also French words (``Ville``, ``Cours``,
  ``Mars``, ``Pierre``, ``Union``, ``Sens``, ``Aucun``…): the reviewed list
  ``data/communes-mots-courants.tsv`` marks them. A ``majuscule`` word (capitalised in ordinary use: first
  names, institutions, countries, short forms of longer names like ``Aulnay``) is a commune only after
  ``commune de``, ``ville de``, ``habitants de``…, or after ``centre social de`` when capitals or the
  name's own article vouch for it (``MAISON DES HABITANTS DE L'UNION``); a ``courant`` word (a common word)
  also needs an indice where capitals say nothing (text in capitals, a sentence's first word). Département
  names that are one-word commune names elsewhere (``Vienne``, ``Marne``…) are ``majuscule`` too.
* **a name is one run of words**: spaces, a hyphen or an apostrophe between its words, never a comma or
  `` - `` (``la Fontaine, le Pin`` is not Fontaine-le-Pin).

How a name is resolved. Several communes can share a key (``Revel`` in Haute-Garonne and in Isère,
``Sainte-Colombe`` in twelve départements): the fiche's département decides; without one, or when none of
the candidates is in it and there are several, the mention is *unresolved*, with its candidates, and is
reported, never guessed. Within the département, the beginning of a name that only one of its communes
has stands for it (``abrégée``: ``Ramonville`` for Ramonville-Saint-Agne) unless it is a whole commune
name elsewhere (``Saint-Orens``, in the Gers: unresolved); a structure name may be matched to within one
letter (``approchée``: ``Tournefeille``); and a Toulouse quartier of the reviewed table
``data/communes-quartiers.csv`` gives its commune (``quartier``: ``LES IZARDS-BORDEROUGE``). A mention is
``exacte`` when it is the official name up to case, ``normalisée`` when it is only the same key.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, NamedTuple, overload

from .departements import DEPARTEMENTS, find_departement
from .record import TEXT_FIELDS, Fiche

COMMUNE_IRI = "http://id.insee.fr/geo/commune/{code}"

_DATA = "data"
_COMMUNES = "communes.csv.gz"
_STOP_WORDS = "communes-mots-courants.tsv"
_QUARTIERS = "communes-quartiers.csv"

# Confidence, from the strongest.
FORTE, MOYENNE, FAIBLE = "forte", "moyenne", "faible"
_RANK = {FORTE: 0, MOYENNE: 1, FAIBLE: 2}

# Where a mention was found.
NOM_STRUCTURE, TEXTE_LIBRE, NOM = "nom de la structure", "texte libre", "nom"
# How it was matched.
EXACTE, NORMALISEE, ABREGEE, APPROCHEE, QUARTIER = "exacte", "normalisée", "abrégée", "approchée", "quartier"
# What the word before says of the place.
STRUCTURE, LIEU, PARTENAIRE = "structure", "lieu", "partenaire"

# How match_fiche found the structure's commune.
PAR_NOM = NOM_STRUCTURE
PAR_TEXTE_STRUCTURE = "texte libre (structure nommée)"
PAR_TEXTE_SEULE_COMMUNE = "texte libre (seule commune nommée)"

# Stop-list tiers.
MAJUSCULE, COURANT = "majuscule", "courant"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARTICLES = frozenset({"le", "la", "les", "l"})
# A contracted preposition says which article it holds.
_CONTRACTIONS = {"du": ("de", "le"), "des": ("de", "les"), "au": ("a", "le"), "aux": ("a", "les")}
_PREPOSITIONS = frozenset({"de", "d", "a", "sur", "vers", "pres", "depuis", "entre", "par"})
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "lez": "les"}
_IGNORED = frozenset({"cedex"})

# The structure itself: "<one of these> de|à <commune>" (keys, several words allowed).
_STRUCTURE_NOUNS = tuple(
    line.strip()
    for line in """
    centre social
    centres sociaux
    centre socio culturel
    centre socioculturel
    centre social et culturel
    centre social et socioculturel
    espace social
    espace de vie sociale
    evs
    csc
    mjc
    maison des jeunes et de la culture
    maison des habitants
    maison de quartier
    maison citoyenne
    maison pour tous
    maison de la solidarite
    cafe associatif
    foyer rural
    notre association
    notre structure
    notre centre
    notre evs
    """.strip().splitlines()
)
_STRUCTURE_NOUN_WORDS = tuple(noun.split() for noun in _STRUCTURE_NOUNS)
# Words that may follow a structure noun: "centre social intercommunal de".
_STRUCTURE_QUALIFIERS = _words(
    """
    intercommunal intercommunale municipal municipale communal communale associatif associative
    rural rurale cantonal cantonale familial familiale culturel
    """
)
# Words a commune name's beginning cannot end on to stand for the whole name.
_CONNECTORS = _words(
    """
    de d du des la le les l sur sous en et a aux au pres
    """
)
# A place said outright: "<one of these> de <commune>", "<one of these> à <commune>".
_PLACE_NOUNS = _words(
    """
    commune communes ville villes village villages mairie municipalite bourg habitants habitantes
    commercants agglomeration territoire quartier quartiers
    """
)
_PLACE_VERBS = _words(
    """
    situe situee situes situees implante implantee installe installee base basee domicilie
    domiciliee habite habitent habitant vit vivent reside resident
    """
)
_COMMUNE_WORDS = _words("commune communes ville village villages mairie municipalite")
# Another organisation: "<one of these> de <commune>" says where the partner is, not the structure.
_PARTNER_NOUNS = _words(
    """
    mds ccas cias caf cpam msa carsat chu ch college colleges lycee ecole ecoles universite
    mediatheque bibliotheque ludotheque club hopital clinique cinema theatre musee gare aeroport
    stade piscine ehpad epci communaute creche paroisse eglise pole mission secours epicerie
    conservatoire prefecture tribunal cap sdis pmi ime esat foyer residence campus
    """
)
# Territoire concerné values under which a lone commune named in the texts is the structure's.
_ONE_COMMUNE_TERRITOIRES = frozenset({"une commune", "un quartier", "plusieurs quartiers"})
# How far back an indice is looked for (words).
_CUE_WINDOW = 6

_WORD = re.compile(r"[^\W_]+")
_SPLIT = re.compile(r"([^\W_]+)")  # _WORD, captured: re.split gives the gaps and the words
_SENTENCE_BREAK = re.compile(r"[.!?;:…•\n\r\t|]")
_LIST_GAP = re.compile(r"^\s*(,|et|ou|,\s*et|,\s*ou)\s*$", re.IGNORECASE)
_HYPHEN_GAP = re.compile(r"^[-‐‑]$")
# What may stand between two words of one name: spaces, a hyphen, an apostrophe ("La Salvetat Saint Gilles",
# "Villeneuve-d'Ascq"); not a comma, not " - " (which separates two names).
_NAME_GAP = re.compile(r"^(?:[ \u00a0]+|[-‐‑]|['’] ?)$")


def _fold(text: str) -> str:
    """Lower case, no accents, ligatures spelled out."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _word_key(word: str) -> str:
    folded = _fold(word)
    return _ABBREVIATIONS.get(folded, folded)


def normalise(name: str) -> str:
    """The comparison key of a name: ``"St-Orens de Gameville 31650 CEDEX"`` -> ``saint orens de gameville``.

    Accents, case, hyphens, apostrophes and spaces do not count; ``St``/``Ste``/``lez`` are spelled out; a
    leading article (``Le``, ``La``, ``Les``, ``L'``) is dropped; digits and ``Cedex`` are ignored; a
    parenthesis (``Bors (Canton de Charente-Sud)``) is kept as words.
    """
    words = [_word_key(w) for w in _WORD.findall(name)]
    words = [w for w in words if w not in _IGNORED and not w.isdigit()]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def _article(name: str) -> str | None:
    words = [_word_key(w) for w in _WORD.findall(name)]
    return words[0] if len(words) > 1 and words[0] in _ARTICLES else None


@dataclass(frozen=True)
class Commune:
    """A current French commune, as INSEE's Code officiel géographique lists it."""

    code: str
    name: str
    departement: str
    population: int | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def iri(self) -> str:
        """INSEE's IRI for the commune (its linked-data geography)."""
        return COMMUNE_IRI.format(code=self.code)


@dataclass(frozen=True)
class PlaceMatch:
    """One mention of a commune in a text, with how it was found and how far to trust it.

    ``commune`` is None when the mention is unresolved: ``candidates`` then holds every commune it could be.
    """

    commune: Commune | None
    candidates: tuple[Commune, ...]
    field: str
    text: str
    start: int
    end: int
    source: str
    methode: str
    confiance: str
    indice: str | None = None
    role: str | None = None
    quartier: str | None = None
    hors_departement: bool = False

    @property
    def resolved(self) -> bool:
        return self.commune is not None


@dataclass(frozen=True)
class FichePlaces:
    """The communes of a fiche: its structure's, and those its texts name, each with its provenance.

    ``structure`` holds the structure's commune(s) (empty when the fiche does not say), found as
    ``structure_basis`` says: ``"nom de la structure"``, ``"texte libre (structure nommée)"`` (``centre
    social à Revel``) or ``"texte libre (seule commune nommée)"`` (the one commune the texts name as a place
    of the action, when the action is within one commune; confidence ``faible``). ``territory`` holds the
    communes of the département named in the free texts (one mention each, the most trusted), ``elsewhere``
    those of other départements, ``unresolved`` the mentions that several communes share, ``mentions``
    everything found, in order.
    """

    departement: str | None
    structure: tuple[PlaceMatch, ...]
    structure_basis: str | None
    territory: tuple[PlaceMatch, ...]
    elsewhere: tuple[PlaceMatch, ...]
    unresolved: tuple[PlaceMatch, ...]
    mentions: tuple[PlaceMatch, ...] = field(repr=False)

    @property
    def structure_codes(self) -> tuple[str, ...]:
        return tuple(m.commune.code for m in self.structure if m.commune is not None)

    @property
    def territory_codes(self) -> tuple[str, ...]:
        return tuple(m.commune.code for m in self.territory if m.commune is not None)


class _Token(NamedTuple):
    key: str
    text: str
    start: int
    end: int
    # A sentence break (or the start of the text) lies between this token and the one before.
    sentence_start: bool
    gap: str  # the characters between the token before and this one


@dataclass(frozen=True)
class _Quartier:
    departement: str
    name: str
    commune_code: str


@dataclass(frozen=True)
class _Resolution:
    commune: Commune | None
    candidates: tuple[Commune, ...]
    elsewhere: bool
    methode: str | None = None  # QUARTIER or ABREGEE when not the commune's own name
    quartier: str | None = None
    article: str | None = None  # the article the name begins with ("la" for La Salvetat-Saint-Gilles)


@dataclass(frozen=True)
class _Cue:
    role: str | None  # STRUCTURE, _OUTRIGHT, LIEU, PARTENAIRE, or None (no indice)
    indice: str | None
    first: int  # the mention's first token, its article included
    commune_word: bool = False  # "commune de", "ville de", "mairie de": a commune's name follows


_OUTRIGHT = "lieu (explicite)"  # "commune de", "habitants de", "situé à": a place said outright
_STRONG = frozenset({STRUCTURE, _OUTRIGHT})


class _Tokens:
    """The words of a text, read once: their keys, and the gaps between them.

    Scanning a text only needs each word's key and the gap before it; the full :class:`_Token` (text,
    offsets, sentence start) is made on demand, around the few words that begin a name. One ``re.split``
    and one cached key per word is what every text costs.
    """

    __slots__ = ("_ends", "_parts", "gaps", "keys", "text", "words")

    def __init__(self, text: str) -> None:
        parts = _SPLIT.split(text)  # gap, word, gap, word, ..., gap
        self.text = text
        self.words: list[str] = parts[1::2]
        self.gaps: list[str] = parts[0:-1:2]  # the gap before each word
        self.keys: list[str] = list(map(_KEYS.__getitem__, self.words))
        self._parts = parts
        self._ends: list[int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def end(self, i: int) -> int:
        """Where word ``i`` (``0 <= i < len``) ends in the text."""
        if self._ends is None:
            self._ends = list(itertools.accumulate(map(len, self._parts)))
        return self._ends[2 * i + 1]

    def start(self, i: int) -> int:
        return self.end(i) - len(self.words[i])

    def sentence_start(self, i: int) -> bool:
        return i == 0 or _SENTENCE_BREAKS[self.gaps[i]]

    def name_gap(self, i: int) -> bool:
        """Whether the gap before word ``i`` may stand inside a name (see ``_NAME_GAP``)."""
        return _NAME_GAPS[self.gaps[i]]

    def span(self, start: int, stop: int) -> str:
        """The text from word ``start`` to word ``stop - 1``, gaps included."""
        return self.text[self.start(start) : self.end(stop - 1)]

    @overload
    def __getitem__(self, i: int) -> _Token: ...
    @overload
    def __getitem__(self, i: slice) -> list[_Token]: ...
    def __getitem__(self, i: int | slice) -> _Token | list[_Token]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return _Token(
            self.keys[i], self.words[i], self.start(i), self.end(i), self.sentence_start(i), self.gaps[i]
        )


class _Memo(dict[str, Any]):
    """A dict filled on demand by ``compute``, emptied when it grows past ``size`` (memory stays bounded)."""

    def __init__(self, compute: Callable[[str], Any], size: int) -> None:
        super().__init__()
        self.compute = compute
        self.size = size

    def __missing__(self, key: str) -> Any:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.compute(key)
        return value


#: Word -> its key, for the words met (texts repeat their words: each is folded once).
_KEYS = _Memo(lambda word: _word_key(word), 1 << 18)
_SENTENCE_BREAKS = _Memo(lambda gap: bool(_SENTENCE_BREAK.search(gap)), 1 << 14)
_NAME_GAPS = _Memo(lambda gap: bool(_NAME_GAP.match(gap)), 1 << 14)


def _tokens(text: str) -> _Tokens:
    return _Tokens(text)


def _span_text(tokens: _Tokens, start: int, stop: int) -> str:
    return tokens.span(start, stop)


@functools.lru_cache(maxsize=1024)
def _departement_code(departement: str | None) -> str | None:
    if not departement:
        return None
    found = find_departement(departement)
    if found is None:
        raise ValueError(f"unknown département: {departement!r}")
    return found.code


def _levenshtein_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


class Gazetteer:
    """The current communes, indexed by name key, with the reviewed stop list and quartier table."""

    def __init__(
        self,
        communes: Iterable[Commune],
        stop_words: dict[str, str] | None = None,
        quartiers: Iterable[_Quartier] = (),
    ) -> None:
        self.communes: tuple[Commune, ...] = tuple(communes)
        self.by_code: dict[str, Commune] = {c.code: c for c in self.communes}
        index: dict[str, list[Commune]] = {}
        self._article: dict[str, str | None] = {}
        for commune in self.communes:
            index.setdefault(normalise(commune.name), []).append(commune)
            self._article[commune.code] = _article(commune.name)
            if "(" in commune.name:  # "Bors (Canton de Charente-Sud)" is also called "Bors"
                index.setdefault(normalise(commune.name.split("(")[0]), []).append(commune)
        self.index: dict[str, tuple[Commune, ...]] = {k: tuple(v) for k, v in index.items()}

        self.stop_words: dict[str, str] = dict(stop_words or {})
        # "Vienne", "Marne": the département, far more often than a commune elsewhere (not Paris, both).
        for code, nom in DEPARTEMENTS:
            key = normalise(nom)
            if " " not in key and key in self.index and all(c.departement != code for c in self.index[key]):
                self.stop_words[key] = MAJUSCULE

        # The keys of each département, and their unambiguous beginnings ("castanet" for Castanet-Tolosan).
        self._by_departement: dict[str, dict[str, Commune]] = {}
        prefixes: dict[tuple[str, str], set[str]] = {}
        for key, communes in self.index.items():
            for commune in communes:
                self._by_departement.setdefault(commune.departement, {})[key] = commune
                words = key.split()
                for n in range(1, len(words)):
                    last = words[n - 1]  # a beginning ends on a word of its own: not "de", "saint", "val"
                    if last in _CONNECTORS or last.startswith("saint") or len(last) < 4:
                        continue
                    prefixes.setdefault((commune.departement, " ".join(words[:n])), set()).add(commune.code)
        self._prefixes: dict[tuple[str, str], Commune] = {
            (dep, prefix): self.by_code[next(iter(codes))]
            for (dep, prefix), codes in prefixes.items()
            if len(codes) == 1
            and prefix not in self._by_departement.get(dep, {})
            and self.stop_words.get(prefix) != MAJUSCULE
        }

        self._near_index: dict[str, dict[_End, list[str]]] = {}
        self._resolved: dict[tuple[str, str | None], _Resolution | None] = {}
        self._structures: dict[tuple[str, str | None], tuple[PlaceMatch, ...]] = {}

        self.quartiers: dict[tuple[str, str], _Quartier] = {
            (q.departement, normalise(q.name)): q for q in quartiers
        }
        # The first word of every name known, and the most words a name beginning with it has.
        self._first_words: dict[str, int] = {}
        # Every key something is known by: a key outside it resolves to nothing, whatever the département.
        self._known: frozenset[str] = frozenset(
            [*self.index, *(k for _, k in self.quartiers), *(k for _, k in self._prefixes)]
        )
        #: The known keys and their beginnings of two words or more ("d huison" of "d huison longueville").
        self._beginnings: set[str] = set()
        for key in self._known:
            words = key.split()
            self._first_words[words[0]] = max(self._first_words.get(words[0], 0), len(words))
            self._beginnings.update(" ".join(words[:n]) for n in range(2, len(words) + 1))

    @classmethod
    def load(cls) -> Gazetteer:
        """The package's gazetteer (read once, then cached)."""
        return _load()

    def get(self, code: str) -> Commune:
        return self.by_code[code]

    def lookup(self, name: str) -> tuple[Commune, ...]:
        """The communes whose name has the same key as ``name`` (several when the name is shared)."""
        return self.index.get(normalise(name), ())

    # -- resolving a key --------------------------------------------------------------------------------

    def _resolve(self, key: str, dep: str | None) -> _Resolution | None:
        """What ``key`` names, in ``dep`` first: a commune there, a quartier there, the unambiguous beginning
        of a commune's name there, else the communes elsewhere (unresolved when several).

        The answer depends on the key and the département only: kept in a bounded memo (texts name the
        same few places over and over)."""
        memo = (key, dep)
        try:
            return self._resolved[memo]
        except KeyError:
            pass
        if len(self._resolved) >= 1 << 16:
            self._resolved.clear()
        found = self._resolved[memo] = self._resolve_key(key, dep)
        return found

    def _resolve_key(self, key: str, dep: str | None) -> _Resolution | None:
        communes = self.index.get(key, ())
        if dep:
            here = tuple(c for c in communes if c.departement == dep)
            if here:
                articles = {self._article[c.code] for c in here}
                article = articles.pop() if len(articles) == 1 else None
                return _Resolution(here[0] if len(here) == 1 else None, here, False, article=article)
            quartier = self.quartiers.get((dep, key))
            if quartier is not None:
                commune = self.by_code[quartier.commune_code]
                article = _article(quartier.name)
                return _Resolution(commune, (commune,), False, QUARTIER, quartier.name, article)
            abbreviated = self._prefixes.get((dep, key))
            if abbreviated is not None:
                article = self._article[abbreviated.code]
                if communes:  # "Saint-Orens": Saint-Orens-de-Gameville here, or Saint-Orens (Gers)?
                    return _Resolution(None, (abbreviated, *communes), False, ABREGEE, article=article)
                return _Resolution(abbreviated, (abbreviated,), False, ABREGEE, article=article)
        if not communes:
            return None
        articles = {self._article[c.code] for c in communes}
        article = articles.pop() if len(articles) == 1 else None
        return _Resolution(communes[0] if len(communes) == 1 else None, communes, bool(dep), article=article)

    # -- finding ----------------------------------------------------------------------------------------

    def find(self, text: str, departement: str | None = None, field: str = "nom") -> list[PlaceMatch]:
        """The communes ``text`` names (see :func:`find_communes`)."""
        if not text or not text.strip():
            return []
        dep = _departement_code(departement)
        if field != "structure":
            return self._find(text, dep, field)
        # A structure's name comes back with each of its fiches: read once (a bounded memo).
        memo = (text, dep)
        found = self._structures.get(memo)
        if found is None:
            if len(self._structures) >= 1 << 14:
                self._structures.clear()
            found = self._structures[memo] = tuple(self._find(text, dep, field))
        return list(found)

    def _find(self, text: str, dep: str | None, field: str) -> list[PlaceMatch]:
        tokens = _tokens(text)
        if not tokens:
            return []
        if field == "nom":  # a name on its own first: "Aucun" is a commune when asked for as a name
            whole = normalise(text)
            resolution = self._resolve(whole, dep) if whole else None
            if resolution is not None:
                return [self._whole(text, resolution, field)]
        in_structure = field == "structure"
        source = NOM_STRUCTURE if in_structure else TEXTE_LIBRE
        keys = tokens.keys
        count = len(keys)
        first_words = self._first_words
        beginnings = self._beginnings
        matches: list[PlaceMatch] = []
        last: tuple[int, _Cue] | None = None  # (index after the last mention, its indice)
        i = 0  # the next word a mention may begin with; only words that begin a known name are tried
        for at in list(itertools.compress(itertools.count(), map(first_words.__contains__, keys))):
            if at < i:
                continue
            i = at
            accepted = None
            # The words from i on that only a name gap separates and that begin a known key: a key whose
            # words are not the beginning of a known key is not known either.
            run = 1
            longest = min(first_words[keys[i]], count - i)
            prefix = keys[i]
            while run < longest and tokens.name_gap(i + run):
                prefix = f"{prefix} {keys[i + run]}"
                if prefix not in beginnings:
                    break
                run += 1
            for n in range(run, 0, -1):
                key = " ".join(keys[i : i + n]) if n > 1 else keys[i]
                if key not in self._known:
                    continue
                resolution = self._resolve(key, dep)
                if resolution is None:
                    continue
                accepted = self._judge(tokens, i, n, key, resolution, field, source, last)
                if accepted is not None:
                    break
            if accepted is None:
                i += 1
                continue
            match, cue = accepted
            matches.append(match)
            i += n
            last = (i, cue)
        if in_structure and dep and not any(m.commune and not m.hors_departement for m in matches):
            approx = self._approximate(tokens, dep, field, source)
            if approx is not None:
                matches.append(approx)
        return matches

    def _whole(self, text: str, resolution: _Resolution, field: str) -> PlaceMatch:
        """The whole text is a name: neither capitals nor an indice are asked for."""
        stripped = text.strip()
        start = text.index(stripped)
        methode = resolution.methode or _methode(stripped, resolution.candidates)
        if resolution.elsewhere:
            confiance = FAIBLE
        elif resolution.methode is not None:
            confiance = MOYENNE
        else:
            confiance = FORTE
        return PlaceMatch(
            commune=resolution.commune,
            candidates=resolution.candidates,
            field=field,
            text=stripped,
            start=start,
            end=start + len(stripped),
            source=NOM_STRUCTURE if field == "structure" else NOM,
            methode=methode,
            confiance=confiance,
            quartier=resolution.quartier,
            hors_departement=resolution.elsewhere,
        )

    def _cue(self, tokens: _Tokens, i: int, article: str | None) -> _Cue:
        """The indice before the name starting at token ``i`` (see the module's docstring)."""
        none = _Cue(None, None, i)
        if tokens.sentence_start(i):
            return none
        first = i
        text_article = None
        j = i - 1
        keys = tokens.keys
        if keys[j] in _ARTICLES:
            text_article = keys[j]
            first = j
            if tokens.sentence_start(j):
                return _Cue(None, None, first)
            j -= 1
        prep = keys[j]
        if prep in _CONTRACTIONS:
            if text_article is not None:
                return _Cue(None, None, first)
            prep, text_article = _CONTRACTIONS[prep]
        # An article the name does not have belongs to a common noun: "de la Ville", "à la Fontaine".
        if text_article is not None and text_article != article and "l" not in (text_article, article):
            return _Cue(None, None, first)
        if text_article is not None and article is None:
            return _Cue(None, None, first)
        if prep not in _PREPOSITIONS:
            return _Cue(None, None, first)
        before: list[str] = []
        k = j - 1
        while k >= 0 and len(before) < _CUE_WINDOW and not tokens.sentence_start(k + 1):
            before.insert(0, keys[k])
            k -= 1
        role, cue_start = LIEU, j
        noun_at = _structure_noun_start(before) if prep in ("de", "d", "a") else None
        if noun_at is not None:
            role, cue_start = STRUCTURE, j - len(before) + noun_at
        elif before and (before[-1] in _PLACE_NOUNS or (prep == "a" and before[-1] in _PLACE_VERBS)):
            role, cue_start = _OUTRIGHT, j - 1
            if before[-3:] == ["sur", "la", "commune"]:
                cue_start = j - 3
        elif before and before[-1] in _PARTNER_NOUNS and prep in ("de", "d"):
            role, cue_start = PARTENAIRE, j - 1
        commune_word = role == _OUTRIGHT and before[-1] in _COMMUNE_WORDS
        return _Cue(role, _span_text(tokens, cue_start, j + 1), first, commune_word)

    def _judge(
        self,
        tokens: _Tokens,
        i: int,
        n: int,
        key: str,
        resolution: _Resolution,
        field: str,
        source: str,
        last: tuple[int, _Cue] | None,
    ) -> tuple[PlaceMatch, _Cue] | None:
        words = tokens.words[i : i + n]
        capital = words[0][:1].isupper()
        hyphenated = n > 1 and all(map(_HYPHEN_GAP.match, tokens.gaps[i + 1 : i + n]))
        if (
            not capital
            and not hyphenated
            and (last is None or not last[1].commune_word)
            and _COMMUNE_WORDS.isdisjoint(tokens.keys[max(0, i - 3) : i - 1])
        ):
            # Lower case, and no "commune de", "ville de" before it, nor inherited: refused below
            # whatever the indice (see ``commune_word`` in _cue), which need not be read.
            return None
        cue = self._cue(tokens, i, resolution.article)
        inherits = cue.role is None and last is not None and last[1].role is not None
        if inherits and _listed_after(tokens, last[0], cue.first):  # "à Revel, Sorèze et Dourgne"
            cue = _Cue(last[1].role, last[1].indice, cue.first, last[1].commune_word)
        strong = cue.role in _STRONG
        shouting = not any(map(str.islower, "".join(words)))
        uninformative = shouting or tokens.sentence_start(cue.first)
        tier = self.stop_words.get(key) if resolution.methode != QUARTIER else None
        in_structure = field == "structure"

        # A word capitalised for other reasons ("Union", "Pierre") needs a place said outright, or the
        # structure's own place with capitals that mean something or the name's article ("DE L'UNION").
        if tier == MAJUSCULE and not (
            cue.role == _OUTRIGHT
            or (cue.role == STRUCTURE and ((capital and not shouting) or cue.first != i))
        ):
            return None
        if resolution.methode == ABREGEE and i + n < len(tokens) and _HYPHEN_GAP.match(tokens.gaps[i + n]):
            return None  # the name goes on: "Haute-Savoie" is not Haute-Goulaine
        if not capital and not hyphenated and not cue.commune_word:  # "la commune de revel"
            return None
        if n == 1 or resolution.methode == ABREGEE:
            if in_structure and cue.role is None and resolution.elsewhere:
                return None  # "GRAND SELVE" in Haute-Garonne is not La Selve (Aisne, Aveyron)
            if in_structure:
                if cue.role is None and (tier == COURANT or (resolution.methode == ABREGEE and n == 1)):
                    return None
            elif cue.role is None or (tier == COURANT and uninformative and not strong):
                return None

        if in_structure:
            confiance = FORTE if cue.role is not None or n > 1 else MOYENNE
        elif cue.role == STRUCTURE:
            confiance = FORTE
        elif cue.role == PARTENAIRE:
            confiance = FAIBLE
        else:
            confiance = MOYENNE
        if resolution.methode is not None and confiance == FORTE:
            confiance = MOYENNE
        if resolution.methode == QUARTIER and not in_structure:
            confiance = FAIBLE
        if resolution.elsewhere:
            confiance = FAIBLE

        text = _span_text(tokens, cue.first, i + n)
        match = PlaceMatch(
            commune=resolution.commune,
            candidates=resolution.candidates,
            field=field,
            text=text,
            start=tokens.start(cue.first),
            end=tokens.end(i + n - 1),
            source=source,
            methode=resolution.methode or _methode(text, resolution.candidates),
            confiance=confiance,
            indice=cue.indice,
            role=LIEU if cue.role == _OUTRIGHT else cue.role,
            quartier=resolution.quartier,
            hors_departement=resolution.elsewhere,
        )
        return match, cue

    def _approximate(self, tokens: _Tokens, dep: str, field: str, source: str) -> PlaceMatch | None:
        """A commune of the département that a structure name writes within one letter (``Tournefeille``)."""
        keys = self._by_departement.get(dep, {})
        near = self._near(dep)
        found: dict[str, tuple[int, int]] = {}
        for i in range(len(tokens)):
            for n in range(1, 5):
                if i + n > len(tokens) or not all(tokens.name_gap(j) for j in range(i + 1, i + n)):
                    break
                key = " ".join(tokens.keys[i : i + n])
                if not tokens.words[i][:1].isupper() or len(key) < 7 or key in self.index:
                    continue
                for candidate in _within_one(key, near):
                    found.setdefault(candidate, (i, n))
        if len(found) != 1:
            return None
        ((key, (i, n)),) = found.items()
        commune = keys[key]
        return PlaceMatch(
            commune=commune,
            candidates=(commune,),
            field=field,
            text=_span_text(tokens, i, i + n),
            start=tokens.start(i),
            end=tokens.end(i + n - 1),
            source=source,
            methode=APPROCHEE,
            confiance=MOYENNE,
        )

    def _near(self, dep: str) -> dict[_End, list[str]]:
        """The keys of the département (stop-listed ones aside) by their two ends (see :func:`_ends`): two
        keys within one edit share an entry (see :func:`_within_one`). Built once per département, on first
        use, at two entries a key."""
        index = self._near_index.get(dep)
        if index is None:
            index = {}
            for key in self._by_departement.get(dep, {}):
                if len(key) >= 6 and key not in self.stop_words:  # a key read is 7 letters or more
                    for end in _ends(key, len(key)):
                        index.setdefault(end, []).append(key)
            self._near_index[dep] = index
        return index


def _methode(text: str, candidates: Sequence[Commune]) -> str:
    folded = text.casefold()
    return EXACTE if any(folded == c.name.casefold() for c in candidates) else NORMALISEE


def _structure_noun_start(before: list[str]) -> int | None:
    """Where a structure noun ("centre social", "maison des habitants"...) that ends ``before`` starts, words
    like "intercommunal" after it allowed (``centre social intercommunal de``): its index, else None."""
    end = len(before)
    while end > 0:
        for words in _STRUCTURE_NOUN_WORDS:
            if before[max(0, end - len(words)) : end] == words:
                return end - len(words)
        if before[end - 1] not in _STRUCTURE_QUALIFIERS:
            return None
        end -= 1
    return None


def _listed_after(tokens: _Tokens, after_last: int, first: int) -> bool:
    """Whether the mention starting at ``first`` is listed after the one ending before ``after_last``:
    nothing but a comma, "et" or "ou" between them."""
    if first <= after_last - 1 or tokens.sentence_start(first):
        return False
    between = first - after_last  # words between the two mentions
    if not between:
        return bool(_LIST_GAP.match(tokens.gaps[first]))
    if between == 1 and tokens.keys[after_last] in ("et", "ou"):
        return not tokens.sentence_start(after_last) and bool(_LIST_GAP.match(tokens.gaps[after_last] + "et"))
    return False


#: A key's first three letters (its last three empty) or its last three (its first three empty), and a length.
_End = tuple[str, str, int]


def _ends(key: str, length: int) -> tuple[_End, _End]:
    """The two entries of ``key`` in a near index, for keys of ``length`` letters."""
    return (key[:3], "", length), ("", key[-3:], length)


def _within_one(key: str, near: dict[_End, list[str]]) -> set[str]:
    """The keys of ``near`` (see ``Gazetteer._near``) within one insertion, deletion or substitution of
    ``key`` (six letters or more). One edit leaves either the first three letters or the last three of a
    string that long as they were, and changes its length by one at most: the entries of those ends for
    the three lengths give the candidates, :func:`_levenshtein_at_most_one` decides."""
    candidates = {
        candidate
        for length in (len(key) - 1, len(key), len(key) + 1)
        for end in _ends(key, length)
        for candidate in near.get(end, ())
    }
    return {candidate for candidate in candidates if _levenshtein_at_most_one(key, candidate)}


@functools.cache
def _load() -> Gazetteer:
    data = resources.files("maillage.graph").joinpath(_DATA)
    raw = gzip.decompress(data.joinpath(_COMMUNES).read_bytes()).decode("utf-8")
    communes = [
        Commune(
            code=row["code"],
            name=row["nom"],
            departement=row["departement"],
            population=int(row["population"]) if row["population"] else None,
        )
        for row in csv.DictReader(io.StringIO(raw))
    ]
    stop_words: dict[str, str] = {}
    for line in data.joinpath(_STOP_WORDS).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("cle\t"):
            continue
        key, tier, *_ = line.split("\t")
        stop_words[key] = tier
    quartiers = [
        _Quartier(row["departement"], row["quartier"], row["commune"])
        for row in csv.DictReader(
            line
            for line in data.joinpath(_QUARTIERS).read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        )
    ]
    return Gazetteer(communes, stop_words, quartiers)


def find_communes(
    name_or_text: str, departement: str | None = None, *, field: str = "nom"
) -> list[PlaceMatch]:
    """The communes that ``name_or_text`` names, in order of appearance.

    ``field`` names what is searched and says how: ``"nom"`` (the default) first looks the whole text up as
    a name (``"St Orens de Gameville"``, ``"Aucun"``), then scans it as running text; ``"structure"`` scans
    a structure's name, where a one-word name needs no indice (``CENTRE SOCIAL ESCALQUENS``); any other
    value (a fiche's field: ``"resume"``, ``"limites"``...) scans running text. ``departement`` (code or
    name) resolves names that several communes share; a mention it cannot resolve comes back with
    ``commune=None`` and its ``candidates``, never a guess.
    """
    return Gazetteer.load().find(name_or_text, departement, field)


def _better(a: PlaceMatch, b: PlaceMatch) -> bool:
    """Whether mention ``a`` is more trusted than ``b`` (among equals, the earlier one stays)."""
    return _RANK[a.confiance] < _RANK[b.confiance]


def _dedupe(matches: Iterable[PlaceMatch]) -> tuple[PlaceMatch, ...]:
    """One mention per commune, the most trusted (the first among equals), in order of first appearance."""
    best: dict[str, PlaceMatch] = {}
    order: list[str] = []
    for m in matches:
        assert m.commune is not None
        code = m.commune.code
        if code not in best:
            best[code] = m
            order.append(code)
        elif _better(m, best[code]):
            best[code] = m
    return tuple(best[c] for c in order)


def match_fiche(fiche: Fiche, gazetteer: Gazetteer | None = None) -> FichePlaces:
    """The structure's commune(s) and the communes the fiche's texts name, each with its provenance.

    The structure's commune comes from its name first (in the fiche's département); failing that, from a
    free text that names the structure with its place (``centre social à Revel``); failing that, when the
    action is within one commune (*Territoire concerné* ``Une commune``, ``Un quartier``, ``Plusieurs
    quartiers``) and the texts name exactly one commune of the département as a place, that one (with
    confidence ``faible``). A partner's place (``MDS de Tournefeuille``) never counts for the structure.
    """
    gaz = gazetteer or Gazetteer.load()
    dep_found = find_departement(fiche.departement) if fiche.departement else None
    dep = dep_found.code if dep_found else None
    mentions: list[PlaceMatch] = []
    in_name = gaz.find(fiche.structure, dep, "structure") if fiche.structure else []
    mentions.extend(in_name)
    texts: list[PlaceMatch] = []
    for name in ("titre", *TEXT_FIELDS):
        value = getattr(fiche, name)
        if value:
            texts.extend(gaz.find(value, dep, name))
    mentions.extend(texts)

    def here(m: PlaceMatch) -> bool:
        return m.commune is not None and not m.hors_departement

    structure = _dedupe(m for m in in_name if here(m))
    basis = PAR_NOM if structure else None
    if not structure:
        structure = _dedupe(m for m in texts if here(m) and m.role == STRUCTURE)
        basis = PAR_TEXTE_STRUCTURE if structure else None
    if not structure and dep:
        territoire = (fiche.territoire or "").strip().casefold()
        places = _dedupe(m for m in texts if here(m) and m.role != PARTENAIRE and m.quartier is None)
        if territoire in _ONE_COMMUNE_TERRITOIRES and len(places) == 1:
            structure = (replace(places[0], confiance=FAIBLE),)
            basis = PAR_TEXTE_SEULE_COMMUNE
    return FichePlaces(
        departement=dep,
        structure=structure,
        structure_basis=basis,
        territory=_dedupe(m for m in texts if here(m)),
        elsewhere=_dedupe(m for m in texts if m.commune is not None and m.hors_departement),
        unresolved=tuple(m for m in mentions if m.commune is None),
        mentions=tuple(mentions),
    )
