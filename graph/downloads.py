"""The files of a dataset folder that are published for download, described once for every consumer.

The server sends only these (by name, from this list: nothing else in the folder is readable), the static
site copies them under ``donnees/``, the downloads page lists them and the DCAT catalogue gives each one a
distribution. Keeping one list means a dump cannot be published without being described, or described
without being published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .dump import sha256_of

#: Where the files are published, relative to the site's root.
FOLDER = "donnees"
CHECKSUMS = "SHA256SUMS"
#: IANA media types live under this IRI in DCAT-AP (dcat:mediaType).
IANA = "http://www.iana.org/assignments/media-types/"
#: EU file types (dct:format), from the Publications Office's authority table.
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Published:
    """A downloadable file: its media type, its French title and format name, its EU file type code."""

    name: str
    media_type: str
    title: str
    format: str
    file_type: str
    #: Whether the file is RDF of the whole graph (a VoID data dump).
    dump: bool = False

    @property
    def media_type_iri(self) -> str:
        return IANA + self.media_type

    @property
    def file_type_iri(self) -> str:
        return EU_FILE_TYPE + self.file_type


#: In the order the downloads page lists them.
PUBLISHED: tuple[Published, ...] = (
    Published("graph.ttl", "text/turtle", "Le graphe entier", "Turtle", "RDF_TURTLE", dump=True),
    Published(
        "graph.nt.gz",
        "application/gzip",
        "Le graphe entier, compressé",
        "N-Triples (gzip)",
        "GZIP",
        dump=True,
    ),
    Published("graph.jsonld", "application/ld+json", "Le graphe entier", "JSON-LD", "JSON_LD", dump=True),
    Published("actions.csv", "text/csv", "Les actions, une ligne par action", "CSV", "CSV"),
    Published("structures.csv", "text/csv", "Les structures, une ligne par structure", "CSV", "CSV"),
    Published(
        "partenariats.csv",
        "text/csv",
        "Les partenariats, une ligne par action et type de partenaire",
        "CSV",
        "CSV",
    ),
    Published("mots-cles.csv", "text/csv", "Les mots-clés, une ligne par action et mot-clé", "CSV", "CSV"),
    Published(
        "csv-metadata.json",
        "application/csvm+json",
        "La description des tableaux (CSVW)",
        "JSON",
        "JSON",
    ),
    Published("fiches.jsonl", "application/jsonl", "Les fiches lues, telles que lues", "JSON Lines", "JSON"),
    Published(CHECKSUMS, "text/plain", "Les sommes de contrôle SHA-256 des fichiers", "texte", "TXT"),
)
BY_NAME = {published.name: published for published in PUBLISHED}


@dataclass(frozen=True)
class File:
    """A published file present in a dataset folder, with its size and SHA-256."""

    published: Published
    size: int
    sha256: str

    @property
    def name(self) -> str:
        return self.published.name

    @property
    def title(self) -> str:
        return self.published.title

    @property
    def format(self) -> str:
        return self.published.format


def published_files(folder: Path) -> list[File]:
    """The files of PUBLISHED present in ``folder``, in their published order.

    The checksums are read from SHA256SUMS, which the build writes from the same files just before: the
    landing page asks for them at serve time, when hashing gigabytes again would stall the first request.
    A file the sums do not list (SHA256SUMS itself) is hashed.
    """
    sums = _read_checksums(folder / CHECKSUMS)
    found = []
    for published in PUBLISHED:
        path = folder / published.name
        if path.is_file():
            digest = sums.get(published.name) or sha256_of(path)
            found.append(File(published, path.stat().st_size, digest))
    return found


def _read_checksums(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if re.fullmatch(r"[0-9a-f]{64}", digest) and name:
            sums[name] = digest
    return sums
