"""Building a dataset folder from fiche records: records, triples, dumps and the query store.

Two passes over the records. The first writes them as JSON Lines (the interchange format, kept in the
dataset) and notes each fiche's identity and content digest; the second maps them to triples knowing
every identity, so that an IRI never depends on which fiche came first: exact duplicates are merged
into one fiche with several source extracts, and different fiches that share an identity are told
apart by their content digest (and reported).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from .aliases import similar_names
from .description import keep_publication, read_publication, write_description
from .downloads import BY_NAME, CHECKSUMS
from .dump import SortedNTriples, atomic_write, write_checksums, write_gzip, write_jsonld, write_turtle
from .export import Problem
from .iris import DEFAULT_BASE_IRI
from .rdf import Mapper, action_path, content_digest, structure_path
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


@dataclass
class _Pass1:
    """What the first pass learns: fiches read, each identity's content digests, each structure's name."""

    count: int = 0
    identities: dict[str, set[str]] = field(default_factory=dict)
    #: structure path -> (a name it is written with, where it was first read)
    structures: dict[str, tuple[str, Source]] = field(default_factory=dict)


def _write_records(fiches: Iterable[Fiche], path: Path, mapper: Mapper) -> _Pass1:
    """Pass 1: records to JSON Lines; each identity's distinct content digests; spellings counted."""
    seen = _Pass1()
    with atomic_write(path) as out:
        for fiche in fiches:
            out.write(json.dumps(fiche.to_json(), ensure_ascii=False) + "\n")
            seen.identities.setdefault(action_path(fiche), set()).add(content_digest(fiche))
            seen.structures.setdefault(structure_path(fiche), (fiche.structure or "", fiche.source))
            mapper.spellings.note(fiche, mapper.vocabulary)
            seen.count += 1
    return seen


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
) -> BuildResult:
    """Write the dataset folder ``out`` from ``fiches``; merges and identity clashes go to ``report``.

    ``publication`` is the publisher's TOML file for the dataset's description (``catalogue.ttl``); it is
    read first, so that a mistake in it stops the build before any file is written. ``built`` is the day
    the build says it was made (default: today, or ``SOURCE_DATE_EPOCH``): a rebuild keeps its date.
    """
    vocabulary = Vocabulary(normalise_base_iri(base_iri))
    described = read_publication(publication, vocabulary.base_iri)
    out.mkdir(parents=True, exist_ok=True)
    mapper = Mapper(vocabulary)
    names = sorted({Path(f).name for f in files})
    result = BuildResult(vocabulary.base_iri, names, built=built or build_date())

    first = _write_records(fiches, out / RECORDS, mapper)
    result.kept, identities = first.count, first.identities
    _report_similar_structures(first.structures, report)
    triples = SortedNTriples()
    triples.add(vocabulary.triples())
    first_seen: dict[str, tuple[str, Source]] = {}
    for fiche in read_records(out / RECORDS):
        path = action_path(fiche)
        digest = content_digest(fiche)
        if len(identities[path]) > 1:
            report(
                Problem(
                    fiche.source.file,
                    fiche.source.line,
                    f"another fiche has the same structure, title and year but other content: "
                    f"IRI suffixed with its content digest ({digest[:6]}); it changes if the text changes",
                )
            )
            path = f"{path}-{digest[:6]}"
        if digest in first_seen:
            kept_path, kept = first_seen[digest]
            report(
                Problem(
                    fiche.source.file,
                    fiche.source.line,
                    f"exact duplicate of the fiche at {kept.file}:{kept.line}: merged",
                )
            )
            result.merged += 1
            triples.add(mapper.extract(fiche, ox.NamedNode(f"{vocabulary.base_iri}fiche/{kept_path}")))
            continue
        first_seen[digest] = (path, fiche.source)
        result.actions += 1
        triples.add(mapper.triples(fiche, path))
        for doubt in mapper.doubts:
            report(doubt)
        mapper.doubts.clear()

    _report_unreviewed(mapper, report)
    result.triples = triples.write(out / NTRIPLES)
    write_turtle(out / NTRIPLES, out / TURTLE)
    write_jsonld(out / NTRIPLES, out / JSONLD)
    write_gzip(out / NTRIPLES, out / NTRIPLES_GZ)
    load_store(out / NTRIPLES, out / STORE)
    store = ox.Store.read_only(str(out / STORE))
    write_tables(store, out, vocabulary.base_iri)
    del store
    write_checksums(out, [name for name in BY_NAME if name != CHECKSUMS and (out / name).is_file()])
    store = ox.Store.read_only(str(out / STORE))
    write_description(out, store, described, result.built)
    keep_publication(out, publication)
    del store
    with atomic_write(out / METADATA) as handle:
        json.dump(asdict(result), handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
    return result


def load_store(ntriples: Path, store_dir: Path) -> None:
    """Bulk-load the dump into a fresh on-disk Oxigraph store, swapped in once complete."""
    fresh = store_dir.with_name(store_dir.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    store = ox.Store(str(fresh))
    store.bulk_load(path=ntriples, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
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
