"""Where the ontology's data files are: the OWL core, the SHACL shapes, the JSON-LD context, the SKOS schemes.

The folder is data, not code: these helpers only locate the files, through ``importlib.resources``, so that
they are found the same way from a checkout, an editable install or a wheel, and no caller hard-codes a path.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The folder holding the ontology files (installed as package data of ``maillage.ontology``).
ONTOLOGY_DIR: Path = Path(str(resources.files(__name__)))


def ontology_file() -> Path:
    """The OWL core (``maillage.ttl``): classes and properties of the ``mlg:`` namespace, absolute IRIs."""
    return ONTOLOGY_DIR / "maillage.ttl"


def shapes_file() -> Path:
    """The SHACL shapes (``shapes.ttl``); scheme references are relative: parse with the data's base IRI."""
    return ONTOLOGY_DIR / "shapes.ttl"


def context_file() -> Path:
    """The JSON-LD 1.1 context (``context.jsonld``) giving the graph's terms friendly French names."""
    return ONTOLOGY_DIR / "context.jsonld"


def concept_files() -> list[Path]:
    """The SKOS concept schemes, one Turtle file each, sorted so that every run loads them in the same order.

    Their IRIs are relative: parse them with the data's base IRI (``publicID`` in rdflib, ``base_iri`` in
    pyoxigraph) so that concepts land under the same base as the data that uses them.
    """
    return sorted((ONTOLOGY_DIR / "concepts").glob("*.ttl"))


def labels_file() -> Path:
    """Display labels (``libelles.ttl``): French names of reused terms and inverse labels, for pages only."""
    return ONTOLOGY_DIR / "libelles.ttl"


def catalogue_shapes_file() -> Path:
    """The SHACL shapes of the dataset's description (``catalogue-shapes.ttl``): the project's own
    expectations beyond DCAT-AP's (a licence, size and SHA-256 on every file…). Absolute IRIs only."""
    return ONTOLOGY_DIR / "catalogue-shapes.ttl"


def catalogue_context_file() -> Path:
    """The JSON-LD 1.1 context (``catalogue-context.jsonld``) of the dataset's description (DCAT, VoID)."""
    return ONTOLOGY_DIR / "catalogue-context.jsonld"
