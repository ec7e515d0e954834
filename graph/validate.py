"""SHACL validation of a built dataset against the project's shapes (pyshacl), in batches.

pyshacl reads an rdflib graph held in memory and checks some 8,000 triples a second: the graph of
100,000 fiches (7 million triples) would not fit in memory that way, nor in the time of a build. So the
graph is checked in batches of resources, each batch with exactly what the shapes read about them:

* the resources' own triples (the sorted N-Triples dump holds each resource's triples together);
* for each resource they point to, its ``rdf:type`` (``sh:class``) and the properties of the shapes
  that are checked on values (``sh:node``: a concept's ``skos:inScheme``), and every ``rdfs:subClassOf``;
* the triples that make them targets of ``sh:targetObjectsOf`` (an action's ``mlg:budget``).

pyshacl then reports what it finds about the batch's resources only (the resources pointed to are there
partially, to be read, not judged). A resource's violations are the same as in the whole graph; the union
of the batches covers every resource. Those lookups go to an Oxigraph store of the same dump: the build's
own, or one loaded for the purpose (``maillage validate`` checks ``graph.nt`` as it is on disk).

``maillage validate`` checks every resource, with one process per core. The build checks every resource
of a graph up to ``FULL_VALIDATION`` triples and, above, a deterministic sample (see :class:`Sample`):
the N-Triples dump, not chance, decides which resources are checked, so a rebuild checks the same ones.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from maillage import ontology

from .build import NTRIPLES, load_store, read_metadata

SH = Namespace("http://www.w3.org/ns/shacl#")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Up to this many triples, the build checks every resource; above, a sample of about as many.
FULL_VALIDATION = 150_000
#: Triples per batch handed to pyshacl.
BATCH_TRIPLES = 20_000


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


@dataclass(frozen=True)
class Sample:
    """Which resources a validation checks: one in ``every`` (by a CRC-32 of its IRI, so the same ones
    every time), and the first ``per_kind`` of each kind (set of ``rdf:type``) in the dump's order, so that
    a rare kind (an unreviewed concept, a source document) is always checked. ``Sample()`` is everything."""

    every: int = 1
    per_kind: int = 0

    @classmethod
    def for_size(cls, triples: int, budget: int = FULL_VALIDATION, per_kind: int = 25) -> Sample:
        """Everything up to ``budget`` triples; beyond, about ``budget`` triples' worth of resources."""
        if triples <= budget:
            return cls()
        return cls(every=math.ceil(triples / budget), per_kind=per_kind)

    @property
    def complete(self) -> bool:
        return self.every <= 1

    def describe(self) -> str:
        if self.complete:
            return "every resource"
        return f"one resource in {self.every} and the first {self.per_kind} of each kind"


@dataclass
class Outcome:
    """What a validation checked and found."""

    violations: list[Violation]
    sample: Sample
    checked: int = 0  # resources checked
    resources: int = 0  # resources in the graph
    triples: int = 0  # triples of the resources checked
    seconds: float = 0.0  # how long the check took (wall)
    cpu: float = 0.0  # its CPU time, in the process that ran it (workers aside)


def shapes_graph(base_iri: str) -> Graph:
    """The shapes, their relative scheme IRIs resolved against the dataset's base IRI."""
    return Graph().parse(ontology.shapes_file(), format="turtle", publicID=base_iri)


def validate_graph(data: Graph, base_iri: str) -> list[Violation]:
    """The violations of ``data`` (empty when it conforms)."""
    return _violations(data, shapes_graph(base_iri))


def _violations(data: Graph, shapes: Graph) -> list[Violation]:
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
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


def validate_dataset(folder: Path, workers: int | None = None) -> list[Violation]:
    """The violations of a built dataset folder's graph: every resource of ``graph.nt`` is checked."""
    return check_dataset(folder, workers=workers).violations


def check_dataset(folder: Path, sample: Sample | None = None, workers: int | None = None) -> Outcome:
    """Validate the dataset folder's ``graph.nt`` as it is on disk (a store is loaded from it for the
    lookups: the folder's own could be out of step with an edited dump)."""
    metadata = read_metadata(folder)
    with tempfile.TemporaryDirectory(prefix="maillage-validate-") as scratch:
        store = Path(scratch) / "store"
        load_store(folder / NTRIPLES, store)
        return check_dump(folder / NTRIPLES, store, metadata.base_iri, sample, workers)


def check_dump(
    ntriples: Path,
    store: Path,
    base_iri: str,
    sample: Sample | None = None,
    workers: int | None = None,
    batch_triples: int = BATCH_TRIPLES,
) -> Outcome:
    """Validate the resources of the sorted N-Triples dump ``ntriples`` that ``sample`` chooses (all by
    default), ``store`` holding the same triples; ``workers`` processes (default: one per core)."""
    wall, cpu = time.perf_counter(), time.process_time()
    sample = sample or Sample()
    outcome = Outcome([], sample)
    processes = workers if workers is not None else (os.cpu_count() or 1)
    batches = _batches(ntriples, sample, batch_triples, outcome)
    found: set[Violation] = set()
    if processes <= 1:
        checker = _Checker(store, base_iri)
        for batch in batches:
            found.update(checker.check(batch))
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(processes, context, initializer=_start, initargs=(store, base_iri)) as pool:
            pending: deque[Future] = deque()
            for batch in batches:
                pending.append(pool.submit(_check, batch))
                while len(pending) > 2 * processes:
                    found.update(pending.popleft().result())
            while pending:
                found.update(pending.popleft().result())
    outcome.violations = sorted(found, key=lambda v: (v.focus, v.path, v.message, v.value))
    outcome.seconds, outcome.cpu = time.perf_counter() - wall, time.process_time() - cpu
    return outcome


#: From how many triples the build's validation runs in a process of its own, beside the other dumps.
BACKGROUND_TRIPLES = 50_000


def start_validation(ntriples: Path, store: Path, base_iri: str, triples: int) -> Callable[[], Outcome]:
    """Start validating a dump the build just wrote (all of it, or a sample above ``FULL_VALIDATION``
    triples): in a process of its own for a large graph, so that it runs while the build writes the other
    dumps. Returns what waits for the outcome."""
    sample = Sample.for_size(triples)
    if triples < BACKGROUND_TRIPLES:
        return lambda: check_dump(ntriples, store, base_iri, sample, 1)
    return Background(ntriples, store, base_iri, sample).outcome


class Background:
    """A validation running in a process of its own; ``outcome()`` waits for it."""

    def __init__(self, ntriples: Path, store: Path, base_iri: str, sample: Sample) -> None:
        self._pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"))
        self._future = self._pool.submit(check_dump, ntriples, store, base_iri, sample, 1)

    def outcome(self) -> Outcome:
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()


# --- Batches -------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    lines: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)  # the resources to judge, as N-Triples terms


def _subject_groups(ntriples: Path) -> Iterator[tuple[str, list[str]]]:
    """Each subject of the sorted dump (as written) with its lines."""
    with ntriples.open(encoding="utf-8") as handle:
        subject, lines = None, []
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            term = line[: line.index(" ")]
            if term != subject:
                if subject is not None:
                    yield subject, lines
                subject, lines = term, []
            lines.append(line)
        if subject is not None:
            yield subject, lines


_TYPE_TERM = f"<{RDF_TYPE}> "


def _batches(ntriples: Path, sample: Sample, size: int, outcome: Outcome) -> Iterator[_Batch]:
    kinds: dict[tuple[str, ...], int] = {}
    batch = _Batch()
    for subject, lines in _subject_groups(ntriples):
        outcome.resources += 1
        if not sample.complete:
            kind = tuple(sorted(line.split(" ", 2)[2] for line in lines if _TYPE_TERM in line))
            seen = kinds.get(kind, 0)
            chosen = seen < sample.per_kind or zlib.crc32(subject.encode()) % sample.every == 0
            kinds[kind] = seen + 1
            if not chosen:
                continue
        outcome.checked += 1
        outcome.triples += len(lines)
        batch.lines.extend(lines)
        batch.subjects.append(subject)
        if len(batch.lines) >= size:
            yield batch
            batch = _Batch()
    if batch.subjects:
        yield batch


# --- Checking a batch ----------------------------------------------------------------------------------


class _Checker:
    """Checks batches against the shapes, reading what the batch lacks from the store.

    The shapes' class and objects-of targets are replaced, batch by batch, with the batch's own resources
    that they target (``sh:targetNode``): the resources pointed to are in the data graph to be read
    (``sh:class``, ``sh:node``), not judged (they are partial there), and pyshacl reports nothing of
    its own about them.
    """

    def __init__(self, store: Path, base_iri: str) -> None:
        self.store = ox.Store.read_only(str(store))
        shapes = shapes_graph(base_iri)
        unsupported = [SH.targetSubjectsOf, SH.targetNode, SH.target]
        if any(any(shapes.subject_objects(p)) for p in unsupported):
            raise NotImplementedError("shapes with sh:targetSubjectsOf, sh:targetNode or sh:target")
        self.by_class: dict[str, list[Node]] = {}
        self.by_predicate: dict[str, list[Node]] = {}
        for shape, cls in shapes.subject_objects(SH.targetClass):
            self.by_class.setdefault(str(cls), []).append(shape)
        for shape, predicate in shapes.subject_objects(SH.targetObjectsOf):
            self.by_predicate.setdefault(str(predicate), []).append(shape)
        shapes.remove((None, SH.targetClass, None))
        shapes.remove((None, SH.targetObjectsOf, None))
        self.shapes = list(shapes)
        self.namespaces = list(shapes.namespaces())
        self.targets_of = [ox.NamedNode(predicate) for predicate in self.by_predicate]
        self.read = [ox.NamedNode(RDF_TYPE), *(ox.NamedNode(str(p)) for p in _value_paths(shapes))]
        self.subclasses = [
            quad.triple for quad in self.store.quads_for_pattern(None, ox.NamedNode(RDFS_SUBCLASS), None)
        ]
        parents: dict[str, set[str]] = {}
        for triple in self.subclasses:
            parents.setdefault(triple.subject.value, set()).add(triple.object.value)
        self.superclasses = {cls: _closure(cls, parents) for cls in parents}

    def check(self, batch: _Batch) -> list[Violation]:
        triples = [quad.triple for quad in ox.parse("".join(batch.lines), format=ox.RdfFormat.N_TRIPLES)]
        judged = {triple.subject for triple in triples}
        support: list[ox.Triple] = list(self.subclasses)
        pointed = {t.object for t in triples if isinstance(t.object, ox.NamedNode | ox.BlankNode)} - judged
        for node in pointed:
            for predicate in self.read:
                support.extend(q.triple for q in self.store.quads_for_pattern(node, predicate, None))
        targets: dict[ox.Term, set[Node]] = {}
        for predicate in self.targets_of:
            objects = {triple.object for triple in triples if triple.predicate == predicate}
            for node in objects - judged:
                # a target with no triples of its own is judged with the resource pointing to it
                if not any(self.store.quads_for_pattern(node, None, None)):
                    judged.add(node)
            for node in judged:
                incoming = [q.triple for q in self.store.quads_for_pattern(None, predicate, node)]
                support.extend(incoming)
                if incoming or node in objects:
                    targets.setdefault(node, set()).update(self.by_predicate[predicate.value])
        for triple in triples:
            if triple.predicate.value == RDF_TYPE:
                cls = triple.object.value
                for ancestor in self.superclasses.get(cls, {cls}):
                    targets.setdefault(triple.subject, set()).update(self.by_class.get(ancestor, ()))
        shapes = Graph()
        for prefix, namespace in self.namespaces:
            shapes.bind(prefix, namespace)
        shapes.addN((s, p, o, shapes) for s, p, o in self.shapes)
        shapes.addN(
            (shape, SH.targetNode, _rdflib(node), shapes) for node, of in targets.items() for shape in of
        )
        data = Graph()
        data.addN((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object), data) for t in triples)
        data.addN((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object), data) for t in support)
        # Only the batch's resources are targets: every result (those of sh:node on a value nested in
        # them included, as pyshacl reports them) is about them.
        return _violations(data, shapes)


def _closure(cls: str, parents: dict[str, set[str]]) -> set[str]:
    """``cls`` and every class it is a subclass of (rdfs:subClassOf*)."""
    found, todo = {cls}, [cls]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def _value_paths(shapes: Graph) -> set[Node]:
    """The properties the shapes read on a value node rather than on the focus node: the paths of the
    shapes a property shape applies to its values (``sh:node``, ``sh:or``…, ``sh:qualifiedValueShape``)."""
    on_values = (SH.node, SH["not"], SH.qualifiedValueShape)
    lists = (SH["or"], SH["and"], SH.xone)
    property_shapes = set(shapes.subjects(SH.path, None))
    todo: list[Node] = []
    for shape in property_shapes:
        todo.extend(o for p in on_values for o in shapes.objects(shape, p))
        todo.extend(m for p in lists for head in shapes.objects(shape, p) for m in Collection(shapes, head))
    paths: set[Node] = set()
    seen: set[Node] = set()
    while todo:
        shape = todo.pop()
        if shape in seen:
            continue
        seen.add(shape)
        members = [shape, *shapes.objects(shape, SH.property)]
        for member in members:
            for path in shapes.objects(member, SH.path):
                if not isinstance(path, URIRef):
                    raise NotImplementedError(f"a shape on values with a complex path: {path}")
                paths.add(path)
            todo.extend(o for p in on_values for o in shapes.objects(member, p))
            todo.extend(
                m for p in lists for head in shapes.objects(member, p) for m in Collection(shapes, head)
            )
    return paths


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An Oxigraph term as rdflib's N-Triples parser would give it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == XSD_STRING else Literal(term.value, datatype=URIRef(datatype))


_CHECKER: _Checker | None = None


def _start(store: Path, base_iri: str) -> None:
    global _CHECKER
    _CHECKER = _Checker(store, base_iri)


def _check(batch: _Batch) -> list[Violation]:
    assert _CHECKER is not None
    return _CHECKER.check(batch)
