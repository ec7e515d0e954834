"""Writing the graph to files: sorted N-Triples first, the other formats from it.

Sorted, de-duplicated N-Triples is the canonical dump: the same triples always give the same bytes.
It is sorted out of core (sorted runs spilled to disk, then merged) so that memory stays flat however
large the graph is; Turtle and JSON-LD are streamed from it in that order, so they are deterministic too.
Every file is written beside its target and renamed into place, so a reader never sees half a file.
The gzip copy of the dump and the checksums file are deterministic too, so a rebuild of the same data
publishes the same bytes and the same digests.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import heapq
import json
import multiprocessing
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
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


_LINES = re.compile(r"[^\n]*\n")


class SortedNTriples:
    """Collects N-Triples lines and writes them sorted and unique, with bounded memory."""

    def __init__(self, run_lines: int = 400_000) -> None:
        self.run_lines = run_lines
        self.buffer: list[str] = []
        self.runs: list[Path] = []
        self.spill_dir = tempfile.TemporaryDirectory(prefix="maillage-sort-")
        #: Lines added so far, duplicates included: what the dump will hold, at most.
        self.added = 0

    def add(self, triples: Iterable[ox.Triple]) -> None:
        before = len(self.buffer)
        self.buffer.extend(ntriples_line(triple) for triple in triples)
        self.added += len(self.buffer) - before
        if len(self.buffer) >= self.run_lines:
            self._spill()

    def add_lines(self, text: str) -> None:
        """Add N-Triples lines given as one text (each line ending with a line feed).

        Only the line feed ends a line: Oxigraph writes U+2028, U+2029 or U+0085 unescaped inside a
        literal, where ``str.splitlines`` would cut the triple.
        """
        lines = _LINES.findall(text)
        self.buffer.extend(lines)
        self.added += len(lines)
        if len(self.buffer) >= self.run_lines:
            self._spill()

    def _spill(self) -> None:
        run = Path(self.spill_dir.name) / f"run-{len(self.runs):05d}.nt"
        with run.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(sorted(set(self.buffer)))
        self.runs.append(run)
        self.buffer = []

    def write(self, path: Path, sinks: Iterable[BlockSink] = (), block_size: int = 8 << 20) -> int:
        """Write the sorted unique lines to ``path``; returns the number of triples.

        The file's bytes go to each of ``sinks`` too, in blocks of about ``block_size`` bytes that end
        at a line's end, as they are written: a sink (the gzip copy, the store) works in its own thread
        while the merge goes on, instead of reading the file again afterwards. (Blocks of 32 MB load the
        store with less CPU, 20.1 s against 23.5 s at 20,000 fiches, 126 s against 133 s at 100,000, but
        they leave it in a state where the build's aggregate queries are slower at 100,000 fiches, the
        description's statistics 292 s against 88 s: measured on 2026-12-02, hence 8 MB.)
        """
        count = 0
        sinks = list(sinks)
        with ExitStack() as stack:
            out = stack.enter_context(atomic_write(path, "wb"))
            for sink in sinks:
                stack.enter_context(sink)
            streams: list[Iterable[str]] = [
                stack.enter_context(run.open(encoding="utf-8", newline="\n")) for run in self.runs
            ]
            streams.append(sorted(set(self.buffer)))
            self.buffer = []
            pending: list[str] = []
            size = 0
            previous = None
            for line in heapq.merge(*streams):
                if line != previous:
                    pending.append(line)
                    size += len(line)
                    previous = line
                    if size >= block_size:
                        count += len(pending)
                        _emit("".join(pending).encode(), out, sinks)
                        pending, size = [], 0
            count += len(pending)
            _emit("".join(pending).encode(), out, sinks)
        self.spill_dir.cleanup()
        return count


def _emit(block: bytes, out: IO[bytes], sinks: list[BlockSink]) -> None:
    if block:
        out.write(block)
        for sink in sinks:
            sink.put(block)


class BlockSink:
    """Consumes blocks of a file being written, in a thread of its own (a context manager).

    ``put`` hands a block over (waiting while a few are queued, so memory stays bounded); leaving the
    context waits for the thread to finish and raises what it raised. The work is meant to run outside
    Python's lock (zlib, hashlib and Oxigraph's loader release it), so that it runs on another core.
    """

    def __init__(self, queued: int = 4) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=queued)
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._error: BaseException | None = None

    def __enter__(self) -> BlockSink:
        self.open()
        self._thread.start()
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            self.abort()
            if error is None:
                raise self._error
        elif error is None:
            self.close()
        else:
            self.abort()

    def put(self, block: bytes) -> None:
        if self._error is None:
            self._queue.put(block)

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.consume(block)
                except BaseException as error:  # reported by __exit__, in the writer's thread
                    self._error = error

    def open(self) -> None:
        """Prepare, in the writer's thread, before the first block."""

    def consume(self, block: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish once every block is consumed (the writer's thread)."""

    def abort(self) -> None:
        """Clean up after a failure."""


class GzipSink(BlockSink):
    """The gzip copy of the blocks (see :func:`write_gzip`): the same bytes as gzipping the file."""

    def __init__(self, target: Path) -> None:
        super().__init__()
        self.target = target
        self._stack = ExitStack()

    def open(self) -> None:
        out = self._stack.enter_context(atomic_write(self.target, "wb"))
        self._packed = self._stack.enter_context(_deterministic_gzip(out))

    def consume(self, block: bytes) -> None:
        self._packed.write(block)

    def close(self) -> None:
        self._stack.close()

    def abort(self) -> None:
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)


#: A dump written from blocks: Turtle or JSON-LD (:func:`write_turtle_blocks`, :func:`write_jsonld_blocks`).
BlockWriter = Callable[[Iterable[bytes], Path], None]


class ProcessSink(BlockSink):
    """A dump written from the blocks by a worker process, fed through a pipe as the sorted N-Triples
    are written: its CPU runs beside the merge, the gzip copy and the store's loading, on another core,
    rather than after them.

    A block holding a blank node (never in the build's own graph) is still passed on, and :meth:`wait`
    then writes the dump again from the whole file, to which the node's label is scoped.
    """

    def __init__(self, writer: BlockWriter, target: Path) -> None:
        super().__init__()
        self.writer, self.target = writer, target
        self.blank = False
        self._process: BaseProcess | None = None

    def open(self) -> None:
        context = multiprocessing.get_context("spawn")
        blocks, self._blocks = context.Pipe(duplex=False)
        self._outcome, outcome = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_write_blocks, args=(self.writer, self.target, blocks, outcome), daemon=True
        )
        self._process.start()
        blocks.close()
        outcome.close()

    def consume(self, block: bytes) -> None:
        self.blank = self.blank or b"_:" in block
        try:
            self._blocks.send_bytes(block)
        except BrokenPipeError:
            raise RuntimeError(self._failure()) from None

    def close(self) -> None:
        self._blocks.close()  # the end of the dump: the worker finishes writing

    def abort(self) -> None:
        self._blocks.close()
        self.stop()

    def wait(self, ntriples: Path) -> tuple[str, float, float]:
        """Wait for the worker to write the dump; its file name, wall and CPU seconds."""
        try:
            outcome = self._outcome.recv()
        except EOFError:
            outcome = None
        self.stop()
        if not isinstance(outcome, tuple):
            raise RuntimeError(self._failure(outcome))
        if self.blank:
            self.writer([ntriples.read_bytes()], self.target)
        return outcome

    def stop(self) -> None:
        """End the worker (whatever it is doing) and wait for it."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._process = None

    def _failure(self, outcome: object = None) -> str:
        if outcome is None:
            with contextlib.suppress(EOFError, OSError):
                outcome = self._outcome.recv()
        return f"writing {self.target.name} failed in its worker process: {outcome or 'it ended'}"


def _write_blocks(writer: BlockWriter, target: Path, blocks: Connection, outcome: Connection) -> None:
    """In the worker process: the dump from the blocks received, then its name and timings (or the error)."""
    wall, cpu = time.perf_counter(), time.process_time()

    def received() -> Iterator[bytes]:
        while True:
            try:
                yield blocks.recv_bytes()
            except EOFError:
                return

    try:
        writer(received(), target)
    except BaseException:
        outcome.send(traceback.format_exc())
        raise
    outcome.send((target.name, time.perf_counter() - wall, time.process_time() - cpu))


def _deterministic_gzip(out: IO[bytes]) -> gzip.GzipFile:
    """A gzip stream whose header holds no time and no file name: the bytes depend on the content only.

    Level 6 (gzip's own default), not 9: on the 20,000-fiche dump (266 MB) level 9 took 5.2 s of CPU for
    a file 1 % smaller (27.5 MB against 27.8 MB in 3.6 s), measured on 2026-12-02.
    """
    return gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6, mtime=0)


def write_gzip(source: Path, target: Path) -> None:
    """Gzip ``source`` into ``target`` so that the same bytes always give the same archive.

    The header carries no modification time and no file name, so the archive (and the checksum published
    for it) depends on the content only, not on the day of the build or the file's name; the copy is
    streamed, so memory stays flat whatever the size of the dump.
    """
    with source.open("rb") as raw, atomic_write(target, "wb") as out, _deterministic_gzip(out) as packed:
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
    _write_turtle_triples(read_ntriples(ntriples), path)


def write_turtle_blocks(blocks: Iterable[bytes], path: Path) -> None:
    """:func:`write_turtle` of the dump's bytes given in blocks of whole lines, as they are written (a
    blank node's label is scoped to its block: see :class:`ProcessSink`)."""
    _write_turtle_triples(
        (quad.triple for block in blocks for quad in ox.parse(block, format=ox.RdfFormat.N_TRIPLES)), path
    )


def _write_turtle_triples(triples: Iterable[ox.Triple], path: Path) -> None:
    with atomic_write(path, "wb") as out:
        ox.serialize(triples, out, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def load_context() -> dict:
    """The project's JSON-LD context, read from the ontology folder (never fetched)."""
    return json.loads(ontology.context_file().read_text(encoding="utf-8"))


def write_jsonld(ntriples: Path, path: Path, context: dict | None = None, block_size: int = 4 << 20) -> None:
    """JSON-LD compacted with the project's context, one node object per subject, streamed.

    The sorted dump is read in blocks of whole subjects (about ``block_size`` bytes); Oxigraph parses each
    block and writes its subjects' triples as expanded JSON-LD, all in Rust; pyld compacts them with the
    local context (no remote context is ever fetched) through :class:`NodeCompactor`, which asks pyld
    once per shape of node and fills the answer in for every node of that shape. Memory stays flat; the
    bytes are those ``jsonld.compact`` gives.
    """
    if holds_blank_node(ntriples, block_size):  # its label is scoped to the file: one block
        write_jsonld_blocks([ntriples.read_bytes()], path, context)
    else:
        write_jsonld_blocks(_file_chunks(ntriples, block_size), path, context)


def write_jsonld_blocks(chunks: Iterable[bytes], path: Path, context: dict | None = None) -> None:
    """:func:`write_jsonld` of the dump's bytes given in chunks, as they are written (cut anywhere; a
    blank node's label is scoped to the block of whole subjects it falls in: see :class:`ProcessSink`)."""
    context = context if context is not None else load_context()
    compactor = NodeCompactor(context)
    with atomic_write(path) as out:
        out.write('{\n"@context": ')
        json.dump(context["@context"], out, ensure_ascii=False, sort_keys=True, indent=1)
        out.write(',\n"@graph": [')
        separator = "\n"
        for block in _subject_blocks(chunks):
            quads = ox.parse(block, format=ox.RdfFormat.N_TRIPLES)
            expanded = json.loads(ox.serialize(quads, format=ox.RdfFormat.JSON_LD))
            for node in compactor.nodes_json([_types_as_keyword(node) for node in expanded]):
                out.write(separator)
                out.write(node)
                separator = ",\n"
        out.write("\n]\n}\n")


def holds_blank_node(ntriples: Path, block_size: int = 8 << 20) -> bool:
    """Whether an N-Triples file may hold a blank node, read in blocks: ``_:`` anywhere, across a block's
    end too (in a literal's text it is a false alarm, which only makes the reader take the file whole)."""
    with ntriples.open("rb") as handle:
        last = b""
        while chunk := handle.read(block_size):
            if b"_:" in last + chunk[:1] or b"_:" in chunk:
                return True
            last = chunk[-1:]
    return False


def _file_chunks(path: Path, size: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def _subject_blocks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of sorted N-Triples given in chunks (cut anywhere) as blocks of about a chunk's size,
    each subject's lines in one block (a block ends where a subject's lines begin)."""
    rest = b""
    for chunk in chunks:
        chunk = rest + chunk
        end = chunk.rfind(b"\n") + 1
        if not end:  # one line longer than a chunk: read on
            rest = chunk
            continue
        last = chunk.rfind(b"\n", 0, end - 1) + 1  # the last whole line's start
        subject = chunk[last : chunk.index(b" ", last) + 1]
        # The sorted file keeps a subject's lines together: its first line starts the next block.
        first = last
        while first and chunk.startswith(subject, chunk.rfind(b"\n", 0, first - 1) + 1):
            first = chunk.rfind(b"\n", 0, first - 1) + 1
        if first:
            yield chunk[:first]
            rest = chunk[first:]
        else:  # one subject fills the chunk: read on
            rest = chunk
    if rest:
        yield rest


#: Marks a slot of a shape: a character of Unicode's private use area, the slot's number, another one.
_SLOT_OPEN, _SLOT_CLOSE = "\ue000", "\ue001"
#: The namespace an IRI slot stands in when no IRI of the context begins the IRI.
_NO_NAMESPACE = "urn:x-maillage-slot:"
_SLOT = re.compile(f"(?:{re.escape(_NO_NAMESPACE)})?{_SLOT_OPEN}([0-9]+){_SLOT_CLOSE}")
#: A text that needs escaping in JSON or holds a slot character (then pyld compacts its node whole).
_SPECIAL = re.compile(f'[\\x00-\\x1f\\\\"{_SLOT_OPEN}{_SLOT_CLOSE}]')
#: Context features under which a property's compaction may depend on more than its own values.
_ENTANGLING = (
    '"@context"',
    '"@vocab"',
    '"@base"',
    '"@nest"',
    '"@reverse"',
    '"@index"',
    '"@graph"',
    '"@propagate"',
    '"@prefix"',
)
#: The URI delimiters an IRI must end with to serve as a prefix (JSON-LD 1.1, "gen-delims").
_DELIMITERS = ":/?#[]@"
#: The keys a literal value may have in expanded JSON-LD for its node to be compacted part by part.
_LITERAL_KEYS = frozenset({"@value", "@language", "@type"})


class NodeCompactor:
    """Compacts expanded JSON-LD node objects with a context, asking pyld once per *shape*.

    With a context that has no scoped contexts, ``@vocab``, ``@base``, ``@nest``, ``@reverse`` or index
    containers, pyld compacts each property of a node on its own: the term (or compact IRI) it writes and
    the form of each value depend on the property, the kind of each value (IRI, language, datatype), how
    many values there are, and, for an IRI, which of the context's IRIs begins it; the rest of an IRI and
    the text of a literal are copied through. So a node is compacted part by part, ``@id`` and ``@type``
    together, then each property: the first time a part of some shape is met, pyld compacts a stand-in
    whose texts are numbered slots (private-use characters), and every part of that shape is that JSON with
    the slots filled in. An IRI a term of the context names is part of the shape itself (compaction may
    write it as the term). A node pyld might treat otherwise (a blank node, a text holding a slot character,
    a literal that is not a string) is compacted by pyld whole. The JSON is that of ``json.dumps(node,
    ensure_ascii=False, sort_keys=True)`` of pyld's node, byte for byte.

    A template is kept as a format string (``str.format`` fills the slots in C), and a node's parts are read
    in one pass over its values that builds no stand-in: stand-ins are built only for shapes not met yet.
    """

    def __init__(self, context: dict, memo_size: int = 100_000) -> None:
        self.context = context
        self.memo_size = memo_size
        #: Part shape -> its (key, template) pairs, keys sorted; a template is the part's entry (quoted
        #: key, colon, JSON value) as a format string whose fields are the part's slots.
        self._templates: dict[tuple, list[tuple[str, str]]] = {}
        #: IRI -> (what it adds to a shape, its slot's text or None when it has no slot).
        self._iris: dict[str, tuple[object, str | None]] = {}
        terms = context["@context"]
        iris = {value for value in terms.values() if isinstance(value, str)}
        iris |= {value["@id"] for value in terms.values() if isinstance(value, dict) and "@id" in value}
        #: The context's IRIs that end with a URI delimiter, longest first: the only ones pyld compacts an
        #: IRI with (as "prefix:rest"), ``@prefix`` aside (refused in ``_ENTANGLING``).
        self._namespaces = sorted(
            {iri for iri in iris if "://" in iri and iri[-1] in _DELIMITERS}, key=len, reverse=True
        )
        self._by_stem: dict[str, str | None] = {}
        #: IRIs a term names: compaction may write them as the term.
        self._term_iris = frozenset(filter(None, (self._expand(iri, terms) for iri in iris)))
        text = json.dumps({k: v for k, v in terms.items() if not k.startswith("@") or k == "@vocab"})
        self._memo = not any(feature in text for feature in _ENTANGLING) and "@base" not in terms
        self.hits = self.misses = 0

    @staticmethod
    def _expand(value: str, terms: dict) -> str | None:
        prefix, _, rest = value.partition(":")
        if rest.startswith("//"):
            return value
        namespace = terms.get(prefix)
        return namespace + rest if isinstance(namespace, str) and "://" in namespace else None

    def nodes_json(self, nodes: list[dict]) -> list[str]:
        """Each node compacted, as ``json.dumps(node, ensure_ascii=False, sort_keys=True)`` writes it."""
        templates = self._templates
        out: list[str] = []
        pending: list[tuple[int, dict, list[tuple[tuple, list[str]]]]] = []  # nodes of a shape not met yet
        for node in nodes:
            parts = self._read(node) if self._memo else None
            if parts is None:
                out.append(self._dumps(self._compact([node])[0]))
                continue
            try:
                entries = [
                    (key, form.format(*texts)) for shape, texts in parts for key, form in templates[shape]
                ]
            except KeyError:
                pending.append((len(out), node, parts))
                out.append("")
                continue
            out.append(self._node_json(node, entries))
            self.hits += len(parts)
        if pending:
            self._learn([node for _, node, _ in pending])
            for at, node, parts in pending:
                entries = [
                    (key, form.format(*texts)) for shape, texts in parts for key, form in templates[shape]
                ]
                out[at] = self._node_json(node, entries)
        return out

    def _node_json(self, node: dict, entries: list[tuple[str, str]]) -> str:
        """The node's JSON from its parts' entries (key, JSON text): keys sorted; pyld decides when two
        parts wrote one key."""
        if len({key for key, _ in entries}) != len(entries):
            return self._dumps(self._compact([node])[0])
        entries.sort()
        return "{" + ", ".join([entry for _, entry in entries]) + "}"

    def _learn(self, nodes: list[dict]) -> None:
        """The templates of the shapes of ``nodes`` not met yet: pyld compacts their stand-ins at once."""
        templates = self._templates
        missing: dict[tuple, dict] = {}
        for node in nodes:
            for shape, stand_in, _ in self._parts(node) or ():
                if shape not in templates and shape not in missing:
                    missing[shape] = stand_in
        self.misses += len(missing)
        if len(templates) + len(missing) > self.memo_size:  # bounded: start again with these nodes' shapes
            templates.clear()
            missing = {shape: stand_in for node in nodes for shape, stand_in, _ in self._parts(node) or ()}
        for shape, compacted in zip(missing, self._compact(list(missing.values())), strict=True):
            templates[shape] = [
                (key, _braces(f"{_quote(key)}: ") + self._format(value))
                for key, value in sorted(compacted.items())
            ]

    def _format(self, value: object) -> str:
        """The JSON of a compacted value as a format string: its slots are the fields."""
        parts = _SLOT.split(self._dumps(value))
        return "".join(_braces(part) if index % 2 == 0 else f"{{{part}}}" for index, part in enumerate(parts))

    def _iri(self, value: str) -> tuple[object, str | None] | None:
        """What an IRI adds to a shape, and its slot's text (None: no slot, the IRI is in the shape);
        None for an IRI pyld should see whole (a blank node, a slot character)."""
        known = self._iris.get(value)
        if known is not None:
            return known
        if value in self._term_iris:
            known = (("=", value), None)
        elif value.startswith("_:") or _SLOT_OPEN in value or _SLOT_CLOSE in value:
            return None
        else:
            stem = value[: max(map(value.rfind, _DELIMITERS)) + 1]
            namespace = self._by_stem.get(stem, "")
            if namespace == "":  # the longest namespace that begins the IRI ends with a delimiter of it
                if len(self._by_stem) >= self.memo_size:
                    self._by_stem.clear()
                namespace = self._by_stem[stem] = next(
                    (ns for ns in self._namespaces if stem.startswith(ns)), None
                )
            known = (namespace, _escape(value if namespace is None else value[len(namespace) :]))
        if len(self._iris) >= self.memo_size:
            self._iris.clear()
        self._iris[value] = known
        return known

    def _read(self, node: dict) -> list[tuple[tuple, list[str]]] | None:
        """The node's parts as (shape, texts of its slots), as :meth:`_parts` finds them but without their
        stand-ins (needed only for a shape not met before); None when pyld should compact the node whole."""
        parts: list[tuple[tuple, list[str]]] = []
        shape: list[object] = ["@head"]
        texts: list[str] = []
        known = self._iris
        if "@id" in node:
            value = node["@id"]
            found = known.get(value) or self._iri(value)
            if found is None:
                return None
            shape.append(found[0])
            if found[1] is not None:
                texts.append(found[1])
        if "@type" in node:
            shape.append(("@type", *node["@type"]))
            parts.append((tuple(shape), texts))
            shape, texts = [], []
        special = _SPECIAL.search
        literal_keys = _LITERAL_KEYS.issuperset
        for name, values in node.items():
            if name == "@id" or name == "@type":
                continue
            shape.append(name)
            add, fill = shape.append, texts.append
            for value in values:
                if "@id" in value:
                    if len(value) != 1:
                        return None
                    found = known.get(value["@id"]) or self._iri(value["@id"])
                    if found is None:
                        return None
                    add(found[0])
                    if found[1] is not None:
                        fill(found[1])
                    continue
                text = value.get("@value")
                if type(text) is not str or not literal_keys(value):
                    return None
                if special(text) is not None:
                    if _SLOT_OPEN in text or _SLOT_CLOSE in text:
                        return None
                    text = json.dumps(text, ensure_ascii=False)[1:-1]
                add((value.get("@language"), value.get("@type")))
                fill(text)
            parts.append((tuple(shape), texts))
            shape, texts = [], []
        return parts if not shape else None

    def _parts(self, node: dict) -> list[tuple[tuple, dict, list[str]]] | None:
        """The node's parts: (shape, stand-in node, the texts of its slots, JSON-escaped) for its ``@id``
        and ``@type``, then for each property; None when pyld should compact the node whole."""
        parts: list[tuple[tuple, dict, list[str]]] = []
        texts: list[str] = []
        shape: list = []

        def iri(value: str) -> str | None:
            found = self._iri(value)
            if found is None:
                return None
            shape.append(found[0])
            if found[1] is None:
                return value
            namespace = found[0]
            texts.append(found[1])
            return f"{namespace or _NO_NAMESPACE}{_SLOT_OPEN}{len(texts) - 1}{_SLOT_CLOSE}"

        head: dict = {}
        shape.append("@head")
        if "@id" in node:
            slot = iri(node["@id"])
            if slot is None:
                return None
            head["@id"] = slot
        if "@type" in node:
            head["@type"] = node["@type"]
            shape.append(("@type", *node["@type"]))
            parts.append((tuple(shape), head, texts))
            head, texts, shape = {}, [], []
        # Without a type, the head goes with the first property: pyld drops a node that is only an @id.
        for key, values in node.items():
            if key in ("@id", "@type"):
                continue
            shape.append(key)
            slots = []
            for value in values:
                if "@id" in value and len(value) == 1:
                    slot = iri(value["@id"])
                    if slot is None:
                        return None
                    slots.append({"@id": slot})
                elif (
                    isinstance(value.get("@value"), str)
                    and _SLOT_OPEN not in value["@value"]
                    and _SLOT_CLOSE not in value["@value"]
                    and set(value) <= {"@value", "@language", "@type"}
                ):
                    shape.append((value.get("@language"), value.get("@type")))
                    texts.append(_escape(value["@value"]))
                    slots.append({**value, "@value": f"{_SLOT_OPEN}{len(texts) - 1}{_SLOT_CLOSE}"})
                else:
                    return None
            parts.append((tuple(shape), {**head, key: slots}, texts))
            head, texts, shape = {}, [], []
        return parts if not head else None

    def _compact(self, nodes: list[dict]) -> list[dict]:
        compacted = jsonld.compact(nodes, self.context, {"documentLoader": _no_remote_documents})
        compacted.pop("@context", None)
        return compacted.get("@graph", [compacted])

    @staticmethod
    def _dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _escape(text: str) -> str:
    """A text as it stands inside a JSON string (``json.dumps`` without its quotes)."""
    return json.dumps(text, ensure_ascii=False)[1:-1] if _JSON_ESCAPED.search(text) else text


#: The characters ``json.dumps(..., ensure_ascii=False)`` escapes (``json.encoder.ESCAPE``).
_JSON_ESCAPED = re.compile(r'[\x00-\x1f\\"]')


def _quote(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def _braces(text: str) -> str:
    """``text`` as literal text of a format string."""
    return text.replace("{", "{{").replace("}", "}}")


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
