"""The ``maillage`` command line: one group, one sub-command per job of the pipeline."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from maillage.graph.build import build_dataset, normalise_base_iri
from maillage.graph.export import Problem, read_exports
from maillage.graph.iris import DEFAULT_BASE_IRI
from maillage.graph.record import Fiche
from maillage.graph.validate import validate_dataset
from tqdm import tqdm

from .generate_command import generate_command


class Tally:
    """Counts what a run read, and prints its problems to stderr as they come."""

    def __init__(self) -> None:
        self.files = 0
        self.kept = 0
        self.rejected = 0
        self.warnings = 0
        self.rejections: dict[str, int] = {}

    @property
    def read(self) -> int:
        return self.kept + self.rejected

    def watch(self, items: Iterable[Fiche | Problem]) -> Iterator[Fiche]:
        """Pass the fiches through; report and count the problems."""
        for item in items:
            if isinstance(item, Fiche):
                self.kept += 1
                yield item
                continue
            self.note(item)

    def note(self, problem: Problem) -> None:
        """Print a problem and count it."""
        click.echo(str(problem), err=True)
        if problem.rejected:
            self.rejected += 1
            reason = problem.message.split(":")[0]
            self.rejections[reason] = self.rejections.get(reason, 0) + 1
        else:
            self.warnings += 1


@click.group()
@click.version_option(package_name="maillage")
def main() -> None:
    """Maillage: SENACS fiches-actions as a linked-open-data knowledge graph."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl"]),
    default="jsonl",
    show_default=True,
    help="Output format: one JSON object per fiche (JSON Lines).",
)
def parse(files: tuple[str, ...], fmt: str) -> None:
    """Print the fiches of export FILES as JSON Lines, the project's interchange format.

    Problems (rejected fiches, warnings) go to stderr with file and line; the exit code is non-zero
    only when no fiche at all could be read.
    """
    tally = Tally()
    out = sys.stdout
    for fiche in tally.watch(read_exports(files)):
        out.write(json.dumps(fiche.to_json(), ensure_ascii=False))
        out.write("\n")
    tally.files = len(files)
    _summary(tally)
    if tally.kept == 0:
        raise SystemExit(1)


def _summary(tally: Tally, merged: int | None = None, extra: str = "") -> None:
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(tally.rejections.items()))
    kept = tally.kept - (merged or 0)
    merged_part = f", merged: {merged}" if merged is not None else ""
    click.echo(
        f"files: {tally.files}, fiches read: {tally.read}, kept: {kept}{merged_part}, "
        f"rejected: {tally.rejected}{f' ({reasons})' if reasons else ''}, warnings: {tally.warnings}{extra}",
        err=True,
    )


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset folder to write (created if needed).",
)
@click.option(
    "--base-iri",
    default=None,
    metavar="IRI",
    help=f"Base of every IRI the build mints [default: {DEFAULT_BASE_IRI}].",
)
@click.option(
    "--validate/--no-validate",
    default=True,
    show_default=True,
    help="Check the graph against the SHACL shapes after writing it.",
)
def build(files: tuple[str, ...], out: Path, base_iri: str | None, validate: bool) -> None:
    """Parse export FILES, map them to RDF and write the dataset folder OUT.

    OUT receives fiches.jsonl (the records), graph.nt (sorted N-Triples, byte-identical for the same
    input), graph.ttl, graph.jsonld, the Oxigraph query store and build.json.
    """
    try:
        base = normalise_base_iri(base_iri)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--base-iri") from error
    tally = Tally()
    tally.files = len(files)
    fiches = tqdm(tally.watch(read_exports(files)), unit=" fiches", desc="reading", disable=None, leave=False)
    result = build_dataset(fiches, out, base, files, report=tally.note)
    if result.kept == 0:
        _summary(tally)
        click.echo(f"no fiche could be read from {', '.join(files)}: nothing built", err=True)
        raise SystemExit(1)
    _summary(
        tally, merged=result.merged, extra=f", actions: {result.actions}, triples written: {result.triples}"
    )
    click.echo(f"wrote {out}/ (base IRI {result.base_iri})", err=True)
    if validate:
        _report_validation(out)


@main.command("validate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate_command(folder: Path) -> None:
    """Check the graph of a built dataset FOLDER against the SHACL shapes; exit 0 iff it conforms."""
    _report_validation(folder)


def _report_validation(folder: Path) -> None:
    try:
        violations = validate_dataset(folder)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    if violations:
        for violation in violations:
            click.echo(str(violation), err=True)
        click.echo(f"SHACL: {len(violations)} violation(s): the graph does not conform", err=True)
        raise SystemExit(1)
    click.echo("SHACL: the graph conforms to the shapes", err=True)


main.add_command(generate_command)
