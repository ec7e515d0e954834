"""Building a dataset folder from fiche records: records, triples, dumps and the query store.

Two passes over the records. The first notes each fiche's identity and content digest; the second maps
them to triples knowing every identity, so that an IRI never depends on which fiche came first: exact
duplicates are merged into one fiche with several source extracts, and different fiches that share an
identity are told apart by their content digest (and reported). The second pass writes the records as
JSON Lines (the interchange format, kept in the dataset), each with the path its IRIs got (``chemin``):
a record that already has one keeps it, so a rebuild from a dataset's records, or an update
(:mod:`maillage.graph.update`), never renames a published IRI.

Each fiche's mapped triples are kept in the dataset's mapping cache (:mod:`maillage.graph.mapcache`);
a build given a previous cache takes from it the fiches whose path, content and chosen spellings are
unchanged instead of mapping them again. The files are the same, byte for byte, either way.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import resource
import shutil
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from .aliases import similar_names
from .description import keep_publication, read_publication, write_description
from .downloads import BY_NAME, CHECKSUMS
from .dump import (
    BlockSink,
    GzipSink,
    ProcessSink,
    SortedNTriples,
    atomic_write,
    holds_blank_node,
    ntriples_line,
    write_checksums,
    write_jsonld,
    write_jsonld_blocks,
    write_turtle,
    write_turtle_blocks,
)
from .export import Problem
from .iris import DEFAULT_BASE_IRI
from .mapcache import CACHE, CacheReader, CacheWriter, Entry
from .rdf import Mapper, Spellings, action_path, content_digest, structure_path
from .record import Fiche, Source
from .tables import write_tables
from .vocabulary import SCHEMES, Vocabulary

RECORDS = "fiches.jsonl"
NTRIPLES = "graph.nt"
TURTLE = "graph.ttl"
JSONLD = "graph.jsonld"
NTRIPLES_GZ = "graph.nt.gz"
STORE = "store"
METADATA = "build.json"

log = logging.getLogger(__name__)

#: From how many fiches the mapping runs in worker processes (below, process start-up costs more).
PARALLEL_FICHES = 2000
#: From how many triples the Turtle and JSON-LD dumps are written by worker processes.
PARALLEL_TRIPLES = 150_000
#: Fiches per task sent to a mapping worker.
CHUNK = 100


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Log how long a step of the build took (wall and CPU of this process) and the peak memory so far;
    ``benchmarks/profile_build.py`` reads these records."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    log.info(
        "%s: %.1f s (CPU %.1f s), peak RSS %d MB",
        name,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        peak,
        extra={"phase": name, "seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu},
    )


@dataclass
class BuildResult:
    """What a build wrote; stored as ``build.json`` beside the dumps."""

    base_iri: str
    files: list[str]
    kept: int = 0
    merged: int = 0
    actions: int = 0
    triples: int = 0
    built: str = ""
    #: Actions whose fiche was withdrawn from its source (kept, marked with the day).
    withdrawn: int = 0
    #: How the fiches' triples were had (not written to build.json).
    mapping: MappingStats = field(default_factory=lambda: MappingStats())

    def metadata(self) -> dict[str, Any]:
        """What ``build.json`` holds."""
        data = asdict(self)
        del data["mapping"]
        return data


@dataclass
class MappingStats:
    """How the fiches' triples were had: mapped now, or taken from the previous mapping cache."""

    mapped: int = 0
    cached: int = 0
    #: Mapped again because a spelling their labels show was chosen otherwise (content unchanged).
    respelled: int = 0
    #: Why the previous cache could not be used ("" when it was, or when none was given).
    cache_unused: str = ""


def build_date() -> str:
    """The day of the build (ISO 8601), or the day of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def normalise_base_iri(base_iri: str | None) -> str:
    """The base IRI every minted IRI starts with; it ends with '/' so paths append cleanly."""
    base = base_iri or DEFAULT_BASE_IRI
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"base IRI must be an http(s) IRI, got {base!r}")
    return base if base.endswith("/") else base + "/"


class _Record(NamedTuple):
    """What pass 1 notes of a record for pass 2."""

    identity: str
    digest: str
    source: Source
    #: The path the record says its IRIs have (a dataset's record), else None.
    chemin: str | None
    retrait: str | None
    #: The spellings its labels depend on (:meth:`Mapper.spelling_keys`).
    spelling: tuple[tuple[str, str], ...]


@dataclass
class _Pass1:
    """What the first pass learns: fiches read, each identity's content digests, each structure's name."""

    count: int = 0
    identities: dict[str, set[str]] = field(default_factory=dict)
    #: Each fiche, in order (so pass 2 needs not re-derive them).
    fiches: list[_Record] = field(default_factory=list)
    #: structure path -> (a name it is written with, where it was first read)
    structures: dict[str, tuple[str, Source]] = field(default_factory=dict)
    #: content digest -> the path a record gives it (the first record that gives one).
    chemins: dict[str, str] = field(default_factory=dict)
    #: content digest -> the day its fiche was withdrawn (None: it is not, some record of it is current).
    retraits: dict[str, str | None] = field(default_factory=dict)


def _write_records(fiches: Iterable[Fiche], path: Path, mapper: Mapper) -> _Pass1:
    """Pass 1: records (format keys only) to JSON Lines at ``path``; each identity's distinct content
    digests, each digest's recorded path and withdrawal; spellings counted."""
    seen = _Pass1()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for fiche in fiches:
            data = fiche.to_json()
            data.pop("chemin", None)
            data.pop("retrait", None)
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            identity, digest = action_path(fiche), content_digest(fiche)
            seen.identities.setdefault(identity, set()).add(digest)
            if fiche.chemin:
                seen.chemins.setdefault(digest, fiche.chemin)
            if fiche.retrait is None or digest not in seen.retraits:
                seen.retraits[digest] = fiche.retrait
            elif (day := seen.retraits[digest]) is not None:
                seen.retraits[digest] = min(day, fiche.retrait)
            spelling = mapper.spelling_keys(fiche)
            seen.fiches.append(_Record(identity, digest, fiche.source, fiche.chemin, fiche.retrait, spelling))
            seen.structures.setdefault(structure_path(fiche), (fiche.structure or "", fiche.source))
            mapper.spellings.note(fiche, mapper.vocabulary)
            seen.count += 1
    return seen


def assign_paths(identities: dict[str, set[str]], chemins: dict[str, str]) -> dict[str, str]:
    """Each content digest's IRI path: the one its records give (``chemins``), else its identity's path,
    suffixed with the digest's first characters when the identity has other contents too.

    A recorded path another content already holds is not taken (the content gets one as if it had none);
    a suffix another content holds is lengthened.
    """
    paths: dict[str, str] = {}
    taken: dict[str, str] = {}
    for digest, chemin in chemins.items():
        if chemin not in taken:
            taken[chemin] = digest
            paths[digest] = chemin
    for identity in sorted(identities):
        digests = identities[identity]
        for digest in sorted(digests):
            if digest in paths:
                continue
            size = 6
            path = identity if len(digests) == 1 else f"{identity}-{digest[:size]}"
            while path in taken:
                size += 2
                path = f"{identity}-{digest[:size]}"
            taken[path] = digest
            paths[digest] = path
    return paths


def _report_similar_structures(
    structures: dict[str, tuple[str, Source]], report: Callable[[Problem], None]
) -> None:
    """Structures of one département whose names differ only slightly: a person decides whether to merge
    them (by writing one name in the export); the build never merges on likeness alone."""
    by_departement: dict[str, dict[str, tuple[str, Source]]] = {}
    for path, (name, source) in structures.items():
        by_departement.setdefault(path.split("/", 1)[0], {})[name] = (path, source)
    for _, named in sorted(by_departement.items()):
        for pair in similar_names(named):
            path, source = named[pair.second]
            report(
                Problem(
                    source.file,
                    source.line,
                    f"structure {pair.second!r} looks like {pair.first!r} (similarity {pair.ratio}) but "
                    f"their names differ: kept apart as structure/{path}; write one name in the exports "
                    "to merge them",
                )
            )


def _first_read(item: tuple[str, tuple[str, str, Source]]) -> tuple[str, int, str]:
    iri, (_, _, source) = item
    return source.file, source.line, iri


def _report_unreviewed(mapper: Mapper, report: Callable[[Problem], None]) -> None:
    """Every value no reviewed scheme holds, once, where first read: a person extends the alias table."""
    for iri, (key, value, source) in sorted(mapper.unreviewed.items(), key=_first_read):
        scheme = SCHEMES[key][0]
        report(
            Problem(
                source.file,
                source.line,
                f"{key} value {value!r} is in no reviewed scheme: kept as the unreviewed concept <{iri}>; "
                f"add it to ontology/concepts/{scheme}.ttl as skos:altLabel (skos:hiddenLabel for a "
                f"misspelling) of the concept it means",
            )
        )


def read_records(path: Path) -> Iterator[Fiche]:
    """The fiches of a dataset's ``fiches.jsonl``, streamed: a dataset rebuilds from its own records."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Fiche.from_json(json.loads(line))


def build_dataset(
    fiches: Iterable[Fiche],
    out: Path,
    base_iri: str | None = None,
    files: Iterable[str] = (),
    report: Callable[[Problem], None] = lambda problem: None,
    publication: Path | None = None,
    built: str | None = None,
    workers: int | None = None,
    on_graph: Callable[[Path, Path, str, int], None] | None = None,
    cache: Path | None = None,
) -> BuildResult:
    """Write the dataset folder ``out`` from ``fiches``; merges and identity clashes go to ``report``.

    ``publication`` is the publisher's TOML file for the dataset's description (``catalogue.ttl``); it is
    read first, so that a mistake in it stops the build before any file is written. ``built`` is the day
    the build says it was made (default: today, or ``SOURCE_DATE_EPOCH``): a rebuild keeps its date.

    ``workers`` is how many processes map fiches and write the Turtle and JSON-LD dumps: by default one
    per core for large builds (see ``PARALLEL_FICHES``, ``PARALLEL_TRIPLES``), none for small ones; 0 or 1
    keeps everything in this process. The files are the same, byte for byte, whatever the number.
    ``on_graph(ntriples, store, base_iri, triples)`` is called as soon as the N-Triples dump and the store
    are complete, before the other dumps are written: the command line starts the validation there, so
    that it runs beside them.

    ``cache`` is a previous mapping cache (``mapping-cache.sqlite`` of a dataset folder built with the same
    base IRI): the fiches it holds with the same path, content and spellings are taken from it instead of
    being mapped again. The new cache is written in ``out`` either way.
    """
    vocabulary = Vocabulary(normalise_base_iri(base_iri))
    described = read_publication(publication, vocabulary.base_iri)
    out.mkdir(parents=True, exist_ok=True)
    mapper = Mapper(vocabulary)
    names = sorted({Path(f).name for f in files})
    result = BuildResult(vocabulary.base_iri, names, built=built or build_date())
    cores = os.cpu_count() or 1

    read = out / f".{RECORDS}.read"
    try:
        with phase("records (parse)"):
            first = _write_records(fiches, read, mapper)
        result.kept = first.count
        _report_similar_structures(first.structures, report)
        triples = SortedNTriples()
        triples.add(vocabulary.triples())
        processes = workers if workers is not None else (cores if first.count >= PARALLEL_FICHES else 0)
        previous = CacheReader(cache, vocabulary.base_iri) if cache is not None else None
        if previous is not None and not previous.usable:
            result.mapping.cache_unused = previous.reason
        writer = CacheWriter(out / CACHE, vocabulary.base_iri)
        try:
            with phase("mapping (triples, texts read), fiches.jsonl"), atomic_write(out / RECORDS) as records:
                _map_records(
                    read, first, mapper, triples, result, report, processes, previous, writer, records
                )
            if previous is not None:
                previous.close()
            writer.commit()
        except BaseException:
            writer.abort()
            raise
    finally:
        read.unlink(missing_ok=True)
    _report_unreviewed(mapper, report)
    del first

    processes = workers if workers is not None else (cores if triples.added >= PARALLEL_TRIPLES else 0)
    # Large graphs: Turtle and JSON-LD are written by worker processes from the blocks of the sorted
    # dump as it is written, beside the gzip copy and the store, rather than after them.
    dumps = (
        [ProcessSink(write_jsonld_blocks, out / JSONLD), ProcessSink(write_turtle_blocks, out / TURTLE)]
        if processes > 1
        else []
    )
    try:
        store_sink = StoreSink(out / STORE)
        with phase("graph.nt, graph.nt.gz, store"):
            sinks = [*dumps, GzipSink(out / NTRIPLES_GZ), store_sink]
            result.triples = triples.write(out / NTRIPLES, sinks=sinks)
            if store_sink.reload:
                load_store(out / NTRIPLES, out / STORE)
        if on_graph is not None:
            on_graph(out / NTRIPLES, out / STORE, vocabulary.base_iri, result.triples)

        with phase("graph.ttl, graph.jsonld, tables"):
            _write_tables(out, vocabulary.base_iri)
            for dump in dumps:
                _log_timed(dump.wait(out / NTRIPLES))
            if not dumps:
                write_turtle(out / NTRIPLES, out / TURTLE)
                write_jsonld(out / NTRIPLES, out / JSONLD)
    finally:
        for dump in dumps:
            dump.stop()
    with phase("checksums, description"):
        write_checksums(out, [name for name in BY_NAME if name != CHECKSUMS and (out / name).is_file()])
        store = ox.Store.read_only(str(out / STORE))
        write_description(out, store, described, result.built)
        keep_publication(out, publication)
        del store
    with atomic_write(out / METADATA) as handle:
        json.dump(result.metadata(), handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
    return result


def _write_tables(out: Path, base_iri: str) -> None:
    store = ox.Store.read_only(str(out / STORE))
    write_tables(store, out, base_iri)
    del store


def _log_timed(timed: tuple[str, float, float]) -> None:
    name, wall, cpu = timed
    log.info(
        "  %s (worker process): %.1f s (CPU %.1f s)",
        name,
        wall,
        cpu,
        extra={"phase": f"  {name} (worker)", "seconds": wall, "cpu": cpu},
    )


#: A fiche to map: its record's JSON line and its IRI path.
_Task = tuple[str, str]
#: What mapping a fiche gives: its content triples (N-Triples lines, zlib), the doubts to report, the
#: concepts it minted.
_Mapped = tuple[bytes, list[Problem], dict[str, tuple[str, str, Source]]]
#: How pass 2 had a fiche's triples: merged into an earlier fiche (none of its own), mapped, cached.
MERGED, MAPPED, CACHED = "merged", "mapped", "cached"


class _Decided(NamedTuple):
    """What pass 2 decided for one record, in the order of the records."""

    notes: list[Problem]
    how: str
    task: _Task | None = None
    #: For a mapped or cached fiche: its path, digest, chosen spellings, source; the cached entry.
    path: str = ""
    digest: str = ""
    spellings: str = ""
    source: Source | None = None
    entry: Entry | None = None


def _map_records(
    read: Path,
    first: _Pass1,
    mapper: Mapper,
    triples: SortedNTriples,
    result: BuildResult,
    report: Callable[[Problem], None],
    processes: int,
    previous: CacheReader | None,
    writer: CacheWriter,
    records: Any,
) -> None:
    """Pass 2: every fiche's triples into ``triples``, in ``processes`` worker processes (none: here);
    the records, each with its IRI path, to ``records``; each fiche's mapping to the cache ``writer``.

    What only the whole corpus tells (IRI paths, identity clashes, exact duplicates, withdrawals) is
    decided here, in the order of the records; workers only map. A fiche the previous cache holds with
    the same path, content and chosen spellings is not mapped: its triples come from the cache. Results
    come back in the order of the records, so the reports and the first source of each concept no scheme
    holds are those of a mapping in one process.
    """
    identities = first.identities
    paths = assign_paths(identities, first.chemins)
    first_seen: dict[str, Source] = {}
    unreviewed: dict[str, tuple[str, str, Source]] = {}
    stats = result.mapping

    def replay(decided: _Decided, mapped: _Mapped | None) -> None:
        for note in decided.notes:
            report(note)
        if decided.how == MERGED:
            return
        source = decided.source
        assert source is not None
        if mapped is not None:
            blob, doubts, minted = mapped
            entry = Entry(
                decided.digest,
                decided.spellings,
                blob,
                tuple(doubt.message for doubt in doubts),
                {iri: (key, value) for iri, (key, value, _) in minted.items()},
            )
        else:
            entry = decided.entry
            assert entry is not None
            doubts = [Problem(source.file, source.line, message) for message in entry.doubts]
            minted = {iri: (key, value, source) for iri, (key, value) in entry.minted.items()}
        triples.add_lines(zlib.decompress(entry.triples).decode("utf-8"))
        writer.put(decided.path, entry)
        for doubt in doubts:
            report(doubt)
        for iri, first_read in minted.items():
            unreviewed.setdefault(iri, first_read)

    def decided() -> Iterator[_Decided]:
        with read.open(encoding="utf-8") as handle:
            lines = (line for line in handle if line.strip())
            for line, record in zip(lines, first.fiches, strict=True):
                digest, source = record.digest, record.source
                path = paths[digest]
                retrait = first.retraits[digest]
                records.write(_with_path(line, path, retrait))
                notes: list[Problem] = []
                if record.chemin is None and len(identities[record.identity]) > 1:
                    notes.append(
                        Problem(
                            source.file,
                            source.line,
                            "another fiche has the same structure, title and year but other content: "
                            f"IRI suffixed with its content digest ({digest[:6]}); it changes if the text "
                            "changes",
                        )
                    )
                elif record.chemin is not None and record.chemin != path:
                    notes.append(
                        Problem(
                            source.file,
                            source.line,
                            f"the record's IRI path {record.chemin!r} is another fiche's: given {path!r}",
                        )
                    )
                node = ox.NamedNode(f"{mapper.base}fiche/{path}")
                triples.add(mapper.source_extract(source, node))
                if digest in first_seen:
                    kept = first_seen[digest]
                    notes.append(
                        Problem(
                            source.file,
                            source.line,
                            f"exact duplicate of the fiche at {kept.file}:{kept.line}: merged",
                        )
                    )
                    result.merged += 1
                    yield _Decided(notes, MERGED)
                    continue
                first_seen[digest] = source
                result.actions += 1
                if retrait is not None:
                    result.withdrawn += 1
                    triples.add(mapper.withdrawal(path, retrait))
                spellings = mapper.spelling_choice(record.spelling)
                entry = previous.get(path) if previous is not None else None
                if entry is not None and entry.digest == digest and entry.spellings == spellings:
                    stats.cached += 1
                    yield _Decided(notes, CACHED, None, path, digest, spellings, source, entry)
                    continue
                if entry is not None and entry.digest == digest:
                    stats.respelled += 1
                stats.mapped += 1
                yield _Decided(notes, MAPPED, (line, path), path, digest, spellings, source)

    if processes <= 1:
        for item in decided():
            replay(item, _map_one(mapper, *item.task) if item.task is not None else None)
    else:
        _preload_readers()  # forked workers inherit the gazetteers instead of each reading them again
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        initargs = (mapper.vocabulary.base_iri, mapper.spellings.counts)
        # What the workers inherit stays shared with this process only if their garbage collector never
        # writes to it: frozen objects are not visited (the first pass's records, the gazetteers).
        gc.freeze()
        try:
            pool = context.Pool(processes, initializer=_start_worker, initargs=initargs)
        finally:
            gc.unfreeze()
        with pool:
            pending: deque[tuple[list[_Decided], Any]] = deque()
            for chunk in _chunks(decided(), CHUNK):
                tasks = [item.task for item in chunk if item.task is not None]
                pending.append((chunk, pool.apply_async(_map_chunk, (tasks,)) if tasks else None))
                while len(pending) > 2 * processes + 2:  # bounded: a few chunks in flight per worker
                    _replay_chunk(pending.popleft(), replay)
            while pending:
                _replay_chunk(pending.popleft(), replay)
    mapper.unreviewed = unreviewed


def _with_path(line: str, path: str, retrait: str | None) -> str:
    """A record's JSON line (format keys only) with its IRI path and withdrawal day appended."""
    extra = f', "chemin": {json.dumps(path, ensure_ascii=False)}'
    if retrait is not None:
        extra += f', "retrait": {json.dumps(retrait)}'
    line = line.rstrip("\n")
    assert line.endswith("}")
    return f"{line[:-1]}{extra}}}\n"


def _replay_chunk(
    chunk: tuple[list[_Decided], Any],
    replay: Callable[[_Decided, _Mapped | None], None],
) -> None:
    items, answer = chunk
    mapped = iter(answer.get() if answer is not None else ())
    for item in items:
        replay(item, next(mapped) if item.task is not None else None)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _map_one(mapper: Mapper, line: str, path: str) -> _Mapped:
    """One fiche's content triples as N-Triples lines (zlib), with the doubts and new concepts its
    mapping noted."""
    fiche = Fiche.from_json(json.loads(line))
    text = "".join(map(ntriples_line, mapper.content_triples(fiche, path)))
    doubts, mapper.doubts = mapper.doubts, []
    minted, mapper.unreviewed = mapper.unreviewed, {}
    return zlib.compress(text.encode("utf-8"), 1), doubts, minted


_WORKER: Mapper | None = None


def _start_worker(base_iri: str, spellings: dict) -> None:
    global _WORKER
    _WORKER = Mapper(Vocabulary(base_iri), Spellings(spellings))


def _map_chunk(tasks: list[_Task]) -> list[_Mapped]:
    assert _WORKER is not None
    return [_map_one(_WORKER, line, path) for line, path in tasks]


def _preload_readers() -> None:
    from .enrich import _gazetteer
    from .places import Gazetteer

    Gazetteer.load()
    _gazetteer()


class StoreSink(BlockSink):
    """The query store, loaded block by block while the N-Triples dump is written.

    Each block is bulk-loaded on its own (Oxigraph's loader releases Python's lock and works on several
    threads): memory stays at a block's worth, where loading the whole file at once holds most of it.
    The store is built beside its place and swapped in once complete. Blocks cut blank nodes' scopes:
    a dump holding one (never the build's own) sets ``reload``, and the caller loads the whole file.
    """

    def __init__(self, store_dir: Path) -> None:
        super().__init__()
        self.store_dir = store_dir
        self.fresh = store_dir.with_name(store_dir.name + ".new")
        self.reload = False
        self._store: ox.Store | None = None

    def open(self) -> None:
        shutil.rmtree(self.fresh, ignore_errors=True)
        self._store = ox.Store(str(self.fresh))

    def consume(self, block: bytes) -> None:
        assert self._store is not None
        if b"_:" in block:
            self.reload = True
        if not self.reload:
            self._store.bulk_load(block, format=ox.RdfFormat.N_TRIPLES)

    def close(self) -> None:
        assert self._store is not None
        _settle(self._store)
        self._store = None
        _swap_in(self.fresh, self.store_dir)

    def abort(self) -> None:
        self._store = None
        shutil.rmtree(self.fresh, ignore_errors=True)


def load_store(ntriples: Path, store_dir: Path, block: int = 8 << 20) -> None:
    """Load the dump into a fresh on-disk Oxigraph store, swapped in once complete.

    The file is bulk-loaded in blocks of whole lines (memory stays at a block's worth, see
    :class:`StoreSink`), unless it holds a blank node, whose scope is the whole file.
    """
    fresh = store_dir.with_name(store_dir.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    store = ox.Store(str(fresh))
    if holds_blank_node(ntriples, block):
        store.bulk_load(path=ntriples, format=ox.RdfFormat.N_TRIPLES)
    else:
        with ntriples.open("rb") as handle:
            rest = b""
            while chunk := handle.read(block):
                chunk = rest + chunk
                cut = chunk.rfind(b"\n") + 1
                rest = chunk[cut:]
                if cut:
                    store.bulk_load(chunk[:cut], format=ox.RdfFormat.N_TRIPLES)
            if rest:
                store.bulk_load(rest, format=ox.RdfFormat.N_TRIPLES)
    _settle(store)
    del store
    _swap_in(fresh, store_dir)


def _settle(store: ox.Store) -> None:
    """Write a bulk-loaded store out and compact it before anyone reads it.

    Bulk loading leaves many unmerged files, which RocksDB compacts in the background whenever it gets
    to it: until then every lookup of a long string searches them all, and reading the store is slow by
    a factor that depends on timing. At 100,000 fiches the description's statistics took 64 s in one
    build and over 6 minutes in another; after ``optimize`` (5 s) the same queries took 49 s, 194 s -> 25 s
    for the worst one (measured on 2026-12-02).
    """
    store.flush()
    store.optimize()


def _swap_in(fresh: Path, store_dir: Path) -> None:
    old = store_dir.with_name(store_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if store_dir.exists():
        store_dir.rename(old)
    fresh.rename(store_dir)
    shutil.rmtree(old, ignore_errors=True)


def read_metadata(out: Path) -> BuildResult:
    """The metadata of a built dataset folder."""
    path = out / METADATA
    if not path.exists():
        raise FileNotFoundError(
            f"{out} is not a Maillage dataset folder (no {METADATA}); run `maillage build`"
        )
    return BuildResult(**json.loads(path.read_text(encoding="utf-8")))
