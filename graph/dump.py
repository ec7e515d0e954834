"""Writing the graph to files: sorted N-Triples first, the other formats from it.

Sorted, de-duplicated N-Triples is the canonical dump: the same triples always give the same bytes.
It is sorted out of core (sorted runs spilled to disk, then merged) so that memory stays flat however
large the graph is; Turtle and JSON-LD are streamed from it in that order, so they are deterministic too.
Every file is written beside its target and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import heapq
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from itertools import groupby
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from pyld import jsonld

from maillage import ontology

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: The prefixes the Turtle dump declares (the JSON-LD context declares the same).
PREFIXES = {
    "mlg": "https://w3id.org/maillage/ontologie#",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path`` and rename it over ``path`` once fully written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ntriples_line(triple: ox.Triple) -> str:
    """One triple as an N-Triples line."""
    return f"{triple} .\n"


class SortedNTriples:
    """Collects N-Triples lines and writes them sorted and unique, with bounded memory."""

    def __init__(self, run_lines: int = 400_000) -> None:
        self.run_lines = run_lines
        self.buffer: list[str] = []
        self.runs: list[Path] = []
        self.spill_dir = tempfile.TemporaryDirectory(prefix="maillage-sort-")

    def add(self, triples: Iterable[ox.Triple]) -> None:
        self.buffer.extend(ntriples_line(triple) for triple in triples)
        if len(self.buffer) >= self.run_lines:
            self._spill()

    def _spill(self) -> None:
        run = Path(self.spill_dir.name) / f"run-{len(self.runs):05d}.nt"
        with run.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(sorted(set(self.buffer)))
        self.runs.append(run)
        self.buffer = []

    def write(self, path: Path) -> int:
        """Write the sorted unique lines to ``path``; returns the number of triples."""
        count = 0
        with ExitStack() as stack, atomic_write(path) as out:
            streams: list[Iterable[str]] = [
                stack.enter_context(run.open(encoding="utf-8", newline="\n")) for run in self.runs
            ]
            streams.append(sorted(set(self.buffer)))
            previous = None
            for line in heapq.merge(*streams):
                if line != previous:
                    out.write(line)
                    count += 1
                    previous = line
        self.spill_dir.cleanup()
        return count


def read_ntriples(path: Path) -> Iterator[ox.Triple]:
    """The triples of an N-Triples file, streamed."""
    for quad in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES):
        yield quad.triple


def write_turtle(ntriples: Path, path: Path) -> None:
    """Turtle with the project's prefixes, in the sorted order of the N-Triples dump."""
    with atomic_write(path, "wb") as out:
        ox.serialize(read_ntriples(ntriples), out, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def load_context() -> dict:
    """The project's JSON-LD context, read from the ontology folder (never fetched)."""
    return json.loads(ontology.context_file().read_text(encoding="utf-8"))


def write_jsonld(ntriples: Path, path: Path, context: dict | None = None, batch: int = 2000) -> None:
    """JSON-LD compacted with the project's context, one node object per subject, streamed.

    Oxigraph writes the subjects' triples as expanded JSON-LD; pyld compacts them with the local
    context (no remote context is ever fetched), a batch of subjects at a time so that memory stays flat
    and the context is processed once per batch.
    """
    context = context if context is not None else load_context()
    options = {"documentLoader": _no_remote_documents}
    with atomic_write(path) as out:
        out.write('{\n"@context": ')
        json.dump(context["@context"], out, ensure_ascii=False, sort_keys=True, indent=1)
        out.write(',\n"@graph": [')
        separator = "\n"
        for nodes in _batches(groupby(read_ntriples(ntriples), key=lambda triple: triple.subject), batch):
            expanded = [
                _types_as_keyword(node)
                for triples in nodes
                for node in json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
            ]
            compacted = jsonld.compact(expanded, context, options)
            for node in compacted.get("@graph", [compacted]):
                node.pop("@context", None)
                out.write(separator)
                json.dump(node, out, ensure_ascii=False, sort_keys=True)
                separator = ",\n"
        out.write("\n]\n}\n")


def _batches(
    groups: Iterable[tuple[ox.Term, Iterable[ox.Triple]]], size: int
) -> Iterator[list[list[ox.Triple]]]:
    """The subjects' triples, ``size`` subjects at a time."""
    batch: list[list[ox.Triple]] = []
    for _, triples in groups:
        batch.append(list(triples))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _types_as_keyword(node: dict) -> dict:
    """JSON-LD's RDF conversion puts rdf:type in ``@type``; Oxigraph writes it as a property."""
    types = node.pop(RDF_TYPE, [])
    if types:
        node["@type"] = [value["@id"] for value in types]
    return node


def _no_remote_documents(url: str, options: dict) -> dict:
    raise jsonld.JsonLdError(
        f"remote document {url} not loaded: Maillage works offline", "loading document failed"
    )
