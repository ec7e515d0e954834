"""SHACL validation of a built dataset against the project's shapes (pyshacl)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import Graph, Namespace

from maillage import ontology

from .build import NTRIPLES, read_metadata

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Violation:
    """One way the graph breaks a shape, in terms a person can act on."""

    focus: str
    path: str
    message: str
    value: str

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.focus}\n  {self.path}: {self.message}{value}"


def shapes_graph(base_iri: str) -> Graph:
    """The shapes, their relative scheme IRIs resolved against the dataset's base IRI."""
    return Graph().parse(ontology.shapes_file(), format="turtle", publicID=base_iri)


def validate_graph(data: Graph, base_iri: str) -> list[Violation]:
    """The violations of ``data`` (empty when it conforms)."""
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph(base_iri), inference="none")
    violations = {
        Violation(
            focus=str(results.value(result, SH.focusNode)),
            path=str(results.value(result, SH.resultPath) or ""),
            message=str(results.value(result, SH.resultMessage) or ""),
            value=str(results.value(result, SH.value) or ""),
        )
        for result in results.subjects(SH.resultSeverity, SH.Violation)
    }
    return sorted(violations, key=lambda v: (v.focus, v.path, v.message, v.value))


def validate_dataset(folder: Path) -> list[Violation]:
    """The violations of a built dataset folder's graph."""
    metadata = read_metadata(folder)
    data = Graph().parse(folder / NTRIPLES, format="nt")
    return validate_graph(data, metadata.base_iri)
