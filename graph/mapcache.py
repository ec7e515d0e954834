"""The mapping cache of a dataset folder: each fiche's triples as the last build mapped them.

Mapping a fiche (reading places, organisations, amounts in its texts) is the costly step of a build; the
cache lets ``maillage build --update`` map only the fiches that changed. One SQLite file,
``mapping-cache.sqlite``, beside the dumps: not a download (it is in no list of
:mod:`maillage.graph.downloads`, so neither the server nor the static site ever gives it out).

One row per mapped fiche, keyed by its IRI path: its content digest, the spellings its labels were chosen
from (:meth:`maillage.graph.rdf.Mapper.spelling_keys`), the N-Triples of
:meth:`~maillage.graph.rdf.Mapper.content_triples` (zlib), and what the mapping noted: the doubts to
report and the concepts minted for values no scheme holds (without where they were read: the fiche's
source is added back when the row is used). A row serves only the same path, digest and spellings.

The file says which code and vocabulary wrote it (a digest of the package's modules, data files and
ontology, and the base IRI): any change there and the cache is not used (every fiche is mapped again).
It is written beside its place and renamed in, whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from maillage.ontology import ONTOLOGY_DIR

CACHE = "mapping-cache.sqlite"
#: Bumped when what a row holds changes.
FORMAT = "1"


@cache
def _code_digest() -> str:
    """A digest of everything a fiche's mapping depends on besides the fiche: the graph package's
    modules and data files and the ontology (schemes, shapes, labels)."""
    graph = Path(__file__).resolve().parent
    ontology_dir = ONTOLOGY_DIR.resolve()
    files = [
        *sorted(graph.glob("*.py")),
        *sorted((graph / "data").glob("*")),
        *sorted(ontology_dir.rglob("*.ttl")),
        *sorted(ontology_dir.rglob("*.jsonld")),
    ]
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint(base_iri: str) -> str:
    """What a cache must have been written under to be used: format, code and data, base IRI."""
    return hashlib.sha256(f"{FORMAT}\0{_code_digest()}\0{base_iri}".encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One fiche's mapping as cached."""

    digest: str
    spellings: str
    #: The content triples, N-Triples lines compressed with zlib.
    triples: bytes
    #: The messages of the doubts the mapping reported (their file and line are the fiche's).
    doubts: tuple[str, ...]
    #: Concepts minted for values no scheme holds: IRI -> (record key, value).
    minted: dict[str, tuple[str, str]]

    def text(self) -> str:
        return zlib.decompress(self.triples).decode("utf-8")


def compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 1)


class CacheReader:
    """A dataset's cache, read-only; an absent, unreadable or foreign cache reads as empty (``reason``)."""

    def __init__(self, path: Path | None, base_iri: str) -> None:
        self.reason = ""
        self._db: sqlite3.Connection | None = None
        if path is None:
            self.reason = "no cache"
            return
        if not path.is_file():
            self.reason = f"no {path.name} in {path.parent}"
            return
        try:
            db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
            meta = dict(db.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as error:
            self.reason = f"{path} cannot be read ({error})"
            return
        if meta.get("fingerprint") != fingerprint(base_iri):
            db.close()
            self.reason = f"{path.name} was written by other code, vocabulary or base IRI"
            return
        self._db = db

    @property
    def usable(self) -> bool:
        return self._db is not None

    def get(self, path: str) -> Entry | None:
        if self._db is None:
            return None
        row = self._db.execute(
            "SELECT digest, spellings, triples, doubts, minted FROM fiches WHERE path = ?", (path,)
        ).fetchone()
        if row is None:
            return None
        digest, spellings, triples, doubts, minted = row
        return Entry(
            digest,
            spellings,
            triples,
            tuple(json.loads(doubts)),
            {iri: (key, value) for iri, (key, value) in json.loads(minted).items()},
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class CacheWriter:
    """A new cache, written beside ``path`` and renamed over it by :meth:`commit`."""

    def __init__(self, path: Path, base_iri: str) -> None:
        self.path = path
        self.base_iri = base_iri
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._db = sqlite3.connect(tmp)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE fiches (path TEXT PRIMARY KEY, digest TEXT NOT NULL, spellings TEXT NOT NULL, "
            "triples BLOB NOT NULL, doubts TEXT NOT NULL, minted TEXT NOT NULL)"
        )
        self._db.execute("BEGIN")

    def put(self, path: str, entry: Entry) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO fiches VALUES (?, ?, ?, ?, ?, ?)",
            (
                path,
                entry.digest,
                entry.spellings,
                entry.triples,
                json.dumps(list(entry.doubts), ensure_ascii=False),
                json.dumps({iri: list(pair) for iri, pair in entry.minted.items()}, ensure_ascii=False),
            ),
        )

    def commit(self) -> None:
        self._db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint(self.base_iri),))
        self._db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
        self._db.commit()
        self._db.close()
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        try:
            self._db.close()
        finally:
            self._tmp.unlink(missing_ok=True)
