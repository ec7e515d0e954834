"""One name per thing: the key under which spellings of one value meet, and names too close to be chance.

The alias table itself is data: every reviewed concept of ``ontology/concepts/`` lists the spellings met in
exports as ``skos:altLabel`` and known misspellings ("Viellissement") as ``skos:hiddenLabel``. This module
only says when two spellings are the same key — case, accents, punctuation and plural endings aside — so
that the table need not list every such variant, and which structure names of a département are similar
enough to be reported to a person, who decides (they are never merged on similarity alone).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .iris import slug

#: Two structure names of one département at least this similar (difflib ratio of their keys) are reported.
SIMILAR = 0.88


def _singular(word: str) -> str:
    """French plural endings dropped from words long enough for it to be a plural ("publics", "gâteaux");
    short words are left alone, acronyms among them ("CCAS", "jeux", "tous")."""
    if len(word) > 4 and word.endswith("x") and word[-3:-1] in ("au", "eu"):
        return word[:-1]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 14)
def spelling_key(text: str) -> str:
    """The key of a spelling: its slug (case, accents and punctuation aside), each word made singular.

    "Familles", "famille" and "FAMILLE" share a key; so do "Ateliers cuisine" and "atelier cuisine". The
    same few values come back with every fiche: each is keyed once (a bounded memo).
    """
    return "-".join(_singular(word) for word in slug(text, max_length=0).split("-") if word)


@dataclass(frozen=True)
class Similar:
    """Two names of the same département that are different keys but look like one thing."""

    first: str
    second: str
    ratio: float


def similar_names(names: Iterable[str], threshold: float = SIMILAR) -> list[Similar]:
    """Pairs of names whose keys differ but are at least ``threshold`` alike, sorted.

    Quadratic in the names of one group: callers pass one département's structures at a time (tens to a
    few hundred names); the cheap upper bounds of difflib discard most pairs before the full ratio.
    """
    keyed = sorted({spelling_key(name): name for name in names}.items())
    found = []
    for i, (key, name) in enumerate(keyed):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(key)  # the sequence difflib caches facts about
        for other_key, other in keyed[i + 1 :]:
            matcher.set_seq1(other_key)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                found.append(Similar(name, other, round(ratio, 3)))
    return found
