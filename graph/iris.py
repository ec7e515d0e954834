"""Minting IRIs: readable, stable, derived from what a thing is, never from where it sits in a file.

Every IRI the build mints is the base IRI plus a path made of slugs, so the same input always gives
the same IRIs and a re-import never renames anything.
"""

from __future__ import annotations

from functools import lru_cache

from slugify import slugify

#: The ontology's namespace is fixed, whatever base IRI the data is published under.
ONTOLOGY = "https://w3id.org/maillage/ontologie#"
DEFAULT_BASE_IRI = "https://w3id.org/maillage/"

#: How a free value turns into a path segment: "Démocratie & citoyenneté" -> "democratie-et-citoyennete".
_REPLACEMENTS = [["&", " et "], ["’", "'"]]


@lru_cache(maxsize=1 << 16)
def slug(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII path segment for ``text`` ('' when nothing readable is left).

    The transliteration backend is named: python-slugify's 'auto' retries a missing import on every call.
    """
    return slugify(
        text, max_length=max_length, word_boundary=True, replacements=_REPLACEMENTS, backend="text-unidecode"
    )
