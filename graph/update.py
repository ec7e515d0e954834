"""Updating a built dataset with newer exports: ``maillage build --update DIR NEWFILE...``.

The update decides which records the dataset holds afterwards, then builds them like any build, taking
from the previous mapping cache every fiche whose path, content and chosen spellings did not change
(:mod:`maillage.graph.mapcache`): only new and changed fiches are read and mapped. The dumps, store,
tables and description are written again whole, from all the records. The result is the dataset a full
build of the records it ends with gives, byte for byte (``fiches.jsonl`` keeps each fiche's IRI path and
withdrawal, so that build gives the same IRIs and marks).

What is "the same fiche"
    A fiche's identity is its action path (département, structure, title, year: :func:`action_path`).
    The dataset's fiches of one identity are its *slots* (one IRI path each, suffixed when several
    contents shared the identity). The new exports' fiches of that identity (exact duplicates merged)
    take the slots: first each the slot holding the same content; then, among the rest, the pairs most
    alike (``difflib`` ratio over the record's content; ties: the slot's path, then the digest, in
    alphabetical order); a fiche left without a slot gets a new path: the identity's own path when the
    identity is new and has one content, else the identity's path suffixed with its content digest.
    An IRI already published never changes, and never passes to another identity.

    A fiche that takes a slot replaces the dataset's records there (whichever export they came from):
    same content, only its source extract changes (*unchanged*); other content, the slot's triples are
    the new ones (*replaced*); a slot that was withdrawn comes back (*restored*).

Withdrawn fiches
    The source of a fiche is its export's file name (:meth:`Mapper.source_document`). A slot all of whose
    records come from a file name the update reads again (a file that gave at least one fiche), and that
    no new fiche took, is *withdrawn*: its records stay, marked with the day (``retrait``: the build's day,
    ``SOURCE_DATE_EPOCH`` respected; an already withdrawn fiche keeps its first day), and the graph marks
    the fiche ``prov:invalidatedAtTime`` with an editorial note on it and on its action. Records of such a
    file at a slot that also has records of other files are dropped (the slot stays, from the others).
    Slots of other sources are left as they are (*untouched*).

Order of the records afterwards: the dataset's records that stay, in their order, then the new ones in
the order read; so running the same update again changes nothing.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from .build import (
    RECORDS,
    BuildResult,
    assign_paths,
    build_dataset,
    build_date,
    read_metadata,
    read_records,
)
from .description import PUBLICATION
from .export import Problem
from .iris import slug
from .mapcache import CACHE
from .rdf import action_path, content_digest
from .record import Fiche


class NothingToUpdate(ValueError):
    """The new exports gave no fiche: the dataset is left as it was."""


@dataclass
class UpdateResult:
    """What an update did, fiche by fiche, and the build it made."""

    build: BuildResult
    #: Fiches the new exports gave (after exact duplicates among them were merged: ``merged``).
    kept: int = 0
    merged: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    restored: int = 0
    #: Fiches of a file read again that it no longer has: marked withdrawn now.
    withdrawn: int = 0
    #: Fiches of a file read again that were withdrawn before and still are.
    still_withdrawn: int = 0
    #: The dataset's fiches of other sources, left as they were.
    untouched: int = 0
    #: The source file names read again (their fiches absent from the new exports are withdrawn).
    sources: list[str] = field(default_factory=list)


def source_key(file: str) -> str:
    """What names a fiche's source: its file name, as the source document's IRI does."""
    return slug(PurePath(file).name) or "export"


@dataclass
class _Slot:
    """One IRI path of the dataset and its records."""

    path: str
    identity: str
    digest: str
    #: Indexes of its records in the dataset's fiches.jsonl.
    records: list[int] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    withdrawn: str | None = None
    active: bool = False
    #: The new fiche (content digest) that takes it, if any.
    taken_by: str | None = None


@dataclass
class _New:
    """One content of the new exports."""

    digest: str
    identity: str
    #: Indexes of its records among the new fiches (exact duplicates: several).
    records: list[int] = field(default_factory=list)
    path: str = ""


def update_dataset(
    previous: Path,
    fiches: Iterable[Fiche],
    out: Path | None = None,
    files: Iterable[str] = (),
    report: Callable[[Problem], None] = lambda problem: None,
    publication: Path | None = None,
    built: str | None = None,
    workers: int | None = None,
    on_graph: Callable[[Path, Path, str, int], None] | None = None,
) -> UpdateResult:
    """Update the dataset folder ``previous`` with ``fiches`` (read from the export ``files``), writing the
    result to ``out`` (default: ``previous`` itself, file by file).

    The base IRI is the dataset's; ``publication`` defaults to the one the dataset keeps. Raises
    :class:`NothingToUpdate` (before writing anything) when ``fiches`` is empty, and FileNotFoundError
    when ``previous`` is not a dataset folder.
    """
    out = previous if out is None else out
    metadata = read_metadata(previous)
    records_path = previous / RECORDS
    if not records_path.is_file():
        raise FileNotFoundError(f"{previous} has no {RECORDS}: it cannot be updated, build it again")
    day = built or build_date()
    if publication is None and (previous / PUBLICATION).is_file():
        publication = previous / PUBLICATION

    with tempfile.TemporaryDirectory(prefix="maillage-update-") as tmp:
        # The new fiches, spooled: they are read twice (to decide, then to build).
        spool = Path(tmp) / "new.jsonl"
        news: dict[str, _New] = {}
        order: list[_New] = []
        sources: set[str] = set()
        read_names: set[str] = set()
        count = 0
        with spool.open("w", encoding="utf-8") as handle:
            for fiche in fiches:
                fiche.chemin = fiche.retrait = None
                handle.write(json.dumps(fiche.to_json(), ensure_ascii=False) + "\n")
                digest = content_digest(fiche)
                if digest not in news:
                    news[digest] = _New(digest, action_path(fiche))
                    order.append(news[digest])
                news[digest].records.append(count)
                sources.add(source_key(fiche.source.file))
                read_names.add(PurePath(fiche.source.file).name)
                count += 1
        if count == 0:
            raise NothingToUpdate(f"no fiche could be read from {', '.join(files) or 'the new exports'}")
        result = UpdateResult(BuildResult(metadata.base_iri, []), kept=len(order), merged=count - len(order))
        result.sources = sorted(read_names)

        slots, by_identity = _slots(records_path, {new.identity for new in order})
        _assign(slots, by_identity, order, records_path, spool)
        _tally(result, slots, order, sources)
        path_of = _record_paths(slots)
        new_paths = {new.digest: new.path for new in order}

        def records() -> Iterator[Fiche]:
            for index, fiche in enumerate(read_records(records_path)):
                slot = slots[path_of[index]]
                if slot.taken_by is not None:
                    continue  # replaced (or refreshed) by a new fiche
                if source_key(fiche.source.file) in sources:
                    if not slot.sources <= sources:
                        continue  # the slot stays, from its records of other files
                    fiche.retrait = slot.withdrawn or day
                fiche.chemin = slot.path
                yield fiche
            for fiche in read_records(spool):
                fiche.chemin = new_paths[content_digest(fiche)]
                yield fiche

        result.build = build_dataset(
            records(),
            out,
            metadata.base_iri,
            sorted({*metadata.files, *read_names}),
            report=report,
            publication=publication,
            built=day,
            workers=workers,
            on_graph=on_graph,
            cache=previous / CACHE,
        )
    return result


def _slots(records_path: Path, wanted: set[str]) -> tuple[dict[str, _Slot], dict[str, list[str]]]:
    """The dataset's slots (path -> slot, in the order first met) and the slot paths of each identity.

    Records written before paths were recorded get the paths their build gave them. A slot's content
    digest is only needed (and computed) for the identities ``wanted`` (those of the new fiches), and
    for records without a recorded path.
    """
    identities: dict[str, set[str]] = {}
    chemins: dict[str, str] = {}
    notes: list[tuple[str, str, str | None, str]] = []
    for fiche in read_records(records_path):
        identity = action_path(fiche)
        # A recorded path stands for the content of a slot no new fiche can take: one per path.
        known = fiche.chemin and identity not in wanted
        digest = f"path:{fiche.chemin}" if known else content_digest(fiche)
        identities.setdefault(identity, set()).add(digest)
        if fiche.chemin:
            chemins.setdefault(digest, fiche.chemin)
        notes.append((digest, source_key(fiche.source.file), fiche.retrait, identity))
    paths = assign_paths(identities, chemins)
    slots: dict[str, _Slot] = {}
    by_identity: dict[str, list[str]] = {}
    for index, (digest, source, retrait, identity) in enumerate(notes):
        path = paths[digest]
        slot = slots.get(path)
        if slot is None:
            slot = slots[path] = _Slot(path, identity, digest)
            by_identity.setdefault(slot.identity, []).append(path)
        slot.records.append(index)
        slot.sources.add(source)
        if retrait is None:
            slot.active = True
        elif slot.withdrawn is None or retrait < slot.withdrawn:
            slot.withdrawn = retrait
    for slot in slots.values():
        if slot.active:
            slot.withdrawn = None
    return slots, by_identity


def _record_paths(slots: dict[str, _Slot]) -> list[str]:
    """The slot path of each of the dataset's records, by index."""
    count = sum(len(slot.records) for slot in slots.values())
    paths = [""] * count
    for slot in slots.values():
        for index in slot.records:
            paths[index] = slot.path
    return paths


def _assign(
    slots: dict[str, _Slot], by_identity: dict[str, list[str]], order: list[_New], records: Path, spool: Path
) -> None:
    """Give every new content a path: a slot of its identity, or a new path (see the module)."""
    taken = set(slots)
    waiting: dict[str, list[_New]] = {}
    for new in order:
        free = [
            slots[path]
            for path in by_identity.get(new.identity, [])
            if slots[path].taken_by is None and slots[path].digest == new.digest
        ]
        if free:
            free[0].taken_by = new.digest
            new.path = free[0].path
        else:
            waiting.setdefault(new.identity, []).append(new)
    # Different contents of a known identity: the most alike pairs first.
    contested = {
        identity: (
            [slots[path] for path in by_identity.get(identity, []) if slots[path].taken_by is None],
            news,
        )
        for identity, news in waiting.items()
    }
    contested = {identity: pair for identity, pair in contested.items() if pair[0]}
    if contested:
        old_texts = _contents(records, {slot.records[0] for free, _ in contested.values() for slot in free})
        new_texts = _contents(spool, {new.records[0] for _, news in contested.values() for new in news})
        pairs: list[tuple[float, str, str, _Slot, _New]] = []
        for free, news in contested.values():
            for slot in free:
                for new in news:
                    matcher = difflib.SequenceMatcher(
                        None, old_texts[slot.records[0]], new_texts[new.records[0]]
                    )
                    pairs.append((-matcher.ratio(), slot.path, new.digest, slot, new))
        for _, _, _, slot, new in sorted(pairs, key=lambda pair: pair[:3]):
            if slot.taken_by is None and not new.path:
                slot.taken_by = new.digest
                new.path = slot.path
    # New paths for the rest, as a build would give them.
    for identity, news in waiting.items():
        left = sorted((new for new in news if not new.path), key=lambda new: new.digest)
        alone = len(left) == 1 and not by_identity.get(identity)
        for new in left:
            size = 6
            path = identity if alone else f"{identity}-{new.digest[:size]}"
            while path in taken:
                size += 2
                path = f"{identity}-{new.digest[:size]}"
            taken.add(path)
            new.path = path


def _contents(path: Path, indexes: set[int]) -> dict[int, str]:
    """The content (every field but the source) of the records at ``indexes``, as comparable text."""
    found: dict[int, str] = {}
    for index, fiche in enumerate(read_records(path)):
        if index in indexes:
            data = fiche.to_json()
            for key in ("source", "chemin", "retrait"):
                data.pop(key, None)
            found[index] = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0)
    return found


def _tally(result: UpdateResult, slots: dict[str, _Slot], order: list[_New], sources: set[str]) -> None:
    by_digest = {slot.taken_by: slot for slot in slots.values() if slot.taken_by is not None}
    for new in order:
        slot = by_digest.get(new.digest)
        if slot is None:
            result.added += 1
        elif not slot.active:
            result.restored += 1
        elif slot.digest == new.digest:
            result.unchanged += 1
        else:
            result.replaced += 1
    for slot in slots.values():
        if slot.taken_by is not None:
            continue
        if slot.sources <= sources:
            if slot.active:
                result.withdrawn += 1
            else:
                result.still_withdrawn += 1
        else:
            result.untouched += 1
