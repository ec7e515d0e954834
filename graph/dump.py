"""Writing the graph to files: sorted N-Triples first, the other formats from it.

Sorted, de-duplicated N-Triples is the canonical dump: the same triples always give the same bytes.
It is sorted out of core (sorted runs spilled to disk, then merged) so that memory stays flat however
large the graph is; Turtle and JSON-LD are streamed from it in that order, so they are deterministic too.
Every file is written beside its target and renamed into place, so a reader never sees half a file.
The gzip copy of the dump and the checksums file are deterministic too, so a rebuild of the same data
publishes the same bytes and the same digests.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import os
import shutil
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


def write_gzip(source: Path, target: Path) -> None:
    """Gzip ``source`` into ``target`` so that the same bytes always give the same archive.

    The header carries no modification time and no file name, so the archive (and the checksum published
    for it) depends on the content only, not on the day of the build or the file's name; the copy is
    streamed, so memory stays flat whatever the size of the dump.
    """
    with (
        source.open("rb") as raw,
        atomic_write(target, "wb") as out,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as packed,
    ):
        shutil.copyfileobj(raw, packed, length=1 << 20)


def write_checksums(folder: Path, names: list[str], target: str = "SHA256SUMS") -> dict[str, str]:
    """SHA-256 of the files ``names`` of ``folder``, written as ``folder/target`` for ``sha256sum -c``.

    The lines are sorted by name so that the file only changes when a listed file does. Names that
    ``sha256sum`` would have to escape (line breaks, backslash) are refused rather than written ambiguously.
    """
    for name in names:
        if any(character in name for character in "\n\r\\") or name == target:
            raise ValueError(f"cannot list {name!r} in {target}")
    digests = {name: sha256_of(folder / name) for name in sorted(set(names))}
    with atomic_write(folder / target) as out:
        out.writelines(f"{digest}  {name}\n" for name, digest in digests.items())
    return digests


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, in hexadecimal, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
    with atomic_write(path) as out:
        out.write('{\n"@context": ')
        json.dump(context["@context"], out, ensure_ascii=False, sort_keys=True, indent=1)
        out.write(',\n"@graph": [')
        separator = "\n"
        for nodes in _batches(groupby(read_ntriples(ntriples), key=lambda triple: triple.subject), batch):
            for node in compact_nodes([t for triples in nodes for t in triples], context):
                out.write(separator)
                json.dump(node, out, ensure_ascii=False, sort_keys=True)
                separator = ",\n"
        out.write("\n]\n}\n")


def compact_nodes(triples: list[ox.Triple], context: dict) -> list[dict]:
    """The node objects of ``triples`` compacted with ``context`` (without the context itself)."""
    expanded = [
        _types_as_keyword(node) for node in json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    ]
    compacted = jsonld.compact(expanded, context, {"documentLoader": _no_remote_documents})
    nodes = compacted.get("@graph", [compacted] if len(compacted) > 1 else [])
    for node in nodes:
        node.pop("@context", None)
    return nodes


#: The RDF formats of a document, by file extension: media type and pyoxigraph format (None: JSON-LD).
DOCUMENT_FORMATS: dict[str, tuple[str, ox.RdfFormat | None]] = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", None),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}


def serialize_document(triples: Iterable[ox.Triple], extension: str, context: dict | None = None) -> bytes:
    """Triples as a document in the format of ``extension`` (see DOCUMENT_FORMATS), deterministically.

    JSON-LD is compacted with the project's context, included in the document so that it reads
    offline; the other formats are written by Oxigraph, Turtle and RDF/XML with the project's prefixes.
    """
    ordered = sorted(set(triples), key=str)
    fmt = DOCUMENT_FORMATS[extension][1]
    if fmt is None:
        context = context if context is not None else load_context()
        document = {"@context": context["@context"], "@graph": compact_nodes(ordered, context)}
        return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
    return ox.serialize(ordered, format=fmt, prefixes=None if fmt is ox.RdfFormat.N_TRIPLES else PREFIXES)


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
