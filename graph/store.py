"""Opening a built dataset's graph for querying: the one place the store is opened.

Two ways, same answers. ``disk`` opens the persistent Oxigraph store the build wrote, read-only (several
processes may hold it at once, start-up is instant). ``memory`` loads the sorted N-Triples dump into an
in-memory Oxigraph store: it costs start-up time and memory but answers joins several times faster
(see benchmarks/README.md), which is why the server uses it by default.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox

from .build import NTRIPLES, STORE, read_metadata


class StoreMode(StrEnum):
    """Where the queried graph lives."""

    DISK = "disk"
    MEMORY = "memory"


def open_store(folder: Path, mode: StoreMode | str = StoreMode.MEMORY) -> ox.Store:
    """The graph of the dataset ``folder``, ready to query (never written to)."""
    read_metadata(folder)  # a clear error when the folder is not a built dataset
    if StoreMode(mode) is StoreMode.DISK:
        return ox.Store.read_only(str(folder / STORE))
    store = ox.Store()
    store.bulk_load(path=folder / NTRIPLES, format=ox.RdfFormat.N_TRIPLES)
    return store


def dataset_version(folder: Path) -> str:
    """What changes whenever the dataset is rebuilt: cached answers are keyed by it."""
    stat = (folder / NTRIPLES).stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"
