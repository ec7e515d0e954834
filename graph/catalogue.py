"""The catalogue of SPARQL questions: the project's shared vocabulary of questions about the graph.

Each question is one ``questions/NN-name.rq`` file, so that researchers can read, copy and run it as
plain SPARQL, while the query page, the command line, the notebooks and the network views all ask the
same question the same way. A file starts with two comment lines, ``# titre: …`` and
``# description: …`` (French, for the people who run it), then a self-contained query with its own
PREFIX lines that never names the base IRI, so it runs on a dataset published under any base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.rq$")
_HEADER = re.compile(r"^#\s*(titre|description)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Question:
    """One question: ``name`` is the file name without ``NN-`` and ``.rq``; ``query`` is the whole file."""

    name: str
    title: str
    description: str
    query: str


def _parse(name: str, text: str) -> Question:
    """Read the ``# titre:`` and ``# description:`` header lines that open the file."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            header.setdefault(match[1], match[2])
    if not header.get("titre") or not header.get("description"):
        raise ValueError(f"questions/{name}: the file must open with '# titre:' and '# description:' lines")
    return Question(name, header["titre"], header["description"], text)


@cache
def _questions() -> tuple[Question, ...]:
    # Package data, so the catalogue ships with an installed wheel as well as with the editable checkout.
    folder = files("maillage.graph") / "questions"
    found = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append((entry.name, _parse(match[2], entry.read_text(encoding="utf-8"))))
    names = [question.name for _, question in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"questions/: several files share the name(s) {', '.join(duplicates)}")
    return tuple(question for _, question in sorted(found, key=lambda item: item[0]))


def catalogue() -> list[Question]:
    """Every question, in the display order that the files' ``NN`` prefixes give."""
    return list(_questions())


def question(name: str) -> Question:
    """The question called ``name`` (without its ``NN-`` prefix); KeyError naming the known ones."""
    for candidate in _questions():
        if candidate.name == name:
            return candidate
    known = ", ".join(candidate.name for candidate in _questions())
    raise KeyError(f"no question named {name!r} in the catalogue; known questions: {known}")
