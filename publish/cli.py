"""The ``maillage`` command line: one group, one sub-command per job of the pipeline."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click
import waitress
from tqdm import tqdm

from maillage.graph import releases
from maillage.graph.build import BuildResult, build_dataset, log, normalise_base_iri, phase, read_metadata
from maillage.graph.catalogue import catalogue
from maillage.graph.description import read_publication
from maillage.graph.export import Problem, read_exports
from maillage.graph.iris import DEFAULT_BASE_IRI
from maillage.graph.record import Fiche
from maillage.graph.remote import RemoteStore
from maillage.graph.store import StoreMode, open_store
from maillage.graph.update import NothingToUpdate, update_dataset
from maillage.graph.validate import Outcome, check_dataset, start_validation

from . import reload
from .app import Settings, create_app
from .generate_command import generate_command
from .guard import Refused, check_query
from .network_command import network_command
from .options import data_option
from .push import checked_url, graph_iri, push_command
from .static_site import PublishError, publish_site
from .table import render_table
from .workers import Failure, Request, execute


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
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset folder to write: a link to its newest complete release, in OUT.releases/ "
    "[required, except with --update: DIR].",
)
@click.option(
    "--update",
    "update",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Update the dataset DIR (written by `maillage build`) with the newer exports FILES: their fiches "
    "are added or replace DIR's at the same IRIs, the fiches of the same files that they no longer hold "
    "are marked withdrawn, the others are kept; only new and changed fiches are mapped.",
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
@click.option(
    "--description",
    "description",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Publication TOML (title, licence, publisher, contact, site URL…) overriding the defaults "
    "of the dataset's description (catalogue.ttl).",
)
def build(
    files: tuple[str, ...],
    out: Path | None,
    base_iri: str | None,
    validate: bool,
    description: Path | None,
    update: Path | None,
) -> None:
    """Parse export FILES, map them to RDF and write the dataset folder OUT.

    OUT receives fiches.jsonl (the records), graph.nt (sorted N-Triples, byte-identical for the same
    input), graph.ttl, graph.jsonld, the Oxigraph query store, the dataset's description catalogue.ttl
    (DCAT-AP and VoID) and build.json.

    With --update DIR, FILES are newer exports: DIR (or OUT, if given) receives DIR's dataset updated
    with them, as a full build of its records would give it.
    """
    if out is None and update is None:
        raise click.UsageError("Missing option '--out' (or '--update DIR').")
    out = out if out is not None else update
    assert out is not None
    try:
        base = normalise_base_iri(base_iri)
        if update is not None:
            kept_base = read_metadata(update).base_iri
            if base_iri is not None and base != kept_base:
                raise ValueError(f"an update keeps the dataset's base IRI ({kept_base}), got {base}")
            base = kept_base
    except FileNotFoundError as error:
        raise click.BadParameter(str(error), param_hint="--update") from error
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--base-iri") from error
    try:
        read_publication(description, base)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--description") from error
    tally = Tally()
    tally.files = len(files)
    # Large exports are read by one process per core while this one maps what they have read.
    read = read_exports(files, workers=os.cpu_count() or 1)
    fiches = tqdm(tally.watch(read), unit=" fiches", desc="reading", disable=None, leave=False)
    validation: list[Callable[[], Outcome]] = []

    def start(ntriples: Path, store: Path, base_iri: str, triples: int) -> None:
        if validate and tally.kept:  # beside the other dumps, as soon as the graph is written
            validation.append(start_validation(ntriples, store, base_iri, triples))

    stage = _staging(out)  # a new release beside OUT, switched in at the end (graph/releases.py)
    if update is not None:
        result = _update(update, fiches, stage.path, files, tally, description, start)
    else:
        result = build_dataset(
            fiches, stage.path, base, files, report=tally.note, publication=description, on_graph=start
        )
        if result.kept == 0:
            _summary(tally)
            click.echo(f"no fiche could be read from {', '.join(files)}: nothing built", err=True)
            raise SystemExit(1)
        _summary(
            tally,
            merged=result.merged,
            extra=f", actions: {result.actions}, triples written: {result.triples}",
        )
    click.echo(f"wrote {out}/ (base IRI {result.base_iri})", err=True)
    for started in validation:
        with phase("SHACL (waiting for the validation)"):
            outcome = started()
        log.info(
            "  SHACL validation: %.1f s (CPU %.1f s)",
            outcome.seconds,
            outcome.cpu,
            extra={"phase": "  SHACL validation", "seconds": outcome.seconds, "cpu": outcome.cpu},
        )
        if outcome.violations:  # not published: OUT still shows the previous release
            click.echo(f"not published: {out} unchanged; this build is kept in {stage.reject()}", err=True)
        _report_outcome(outcome, stage.path if outcome.violations else out)
    click.echo(f"{out} switched to {stage.commit()}", err=True)


def _update(
    folder: Path,
    fiches: Iterable[Fiche],
    out: Path,
    files: tuple[str, ...],
    tally: Tally,
    description: Path | None,
    start: Callable[[Path, Path, str, int], None],
) -> BuildResult:
    """``build --update``: the dataset ``folder`` updated with ``fiches`` into ``out``; what it did, said."""
    try:
        done = update_dataset(
            folder, fiches, out, files, report=tally.note, publication=description, on_graph=start
        )
    except NothingToUpdate:
        _summary(tally)
        click.echo(f"no fiche could be read from {', '.join(files)}: {folder} not updated", err=True)
        raise SystemExit(1) from None
    result = done.build
    _summary(
        tally,
        merged=done.merged,
        extra=f", actions: {result.actions} (withdrawn: {result.withdrawn}), "
        f"triples written: {result.triples}",
    )
    for file in files:
        if Path(file).name not in done.sources:
            click.echo(f"{file}: no fiche read: its fiches in {folder} are left as they were", err=True)
    mapping = result.mapping
    unused = f"; the cache was not used: {mapping.cache_unused}" if mapping.cache_unused else ""
    click.echo(
        f"update of {folder}: added {done.added}, replaced {done.replaced}, unchanged {done.unchanged}, "
        f"restored {done.restored}, withdrawn {done.withdrawn} (still withdrawn {done.still_withdrawn}), "
        f"untouched {done.untouched}; fiches re-mapped: {mapping.mapped} (for a changed spelling: "
        f"{mapping.respelled}), taken from the cache: {mapping.cached}{unused}",
        err=True,
    )
    return result


def _staging(out: Path) -> releases.Stage:
    """A new release of OUT for this command; removed when the command ends without committing it."""
    try:
        return click.get_current_context().with_resource(releases.staging(out))
    except releases.OutputError as error:
        raise click.BadParameter(str(error), param_hint="--out") from error


@main.command("validate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate_command(folder: Path) -> None:
    """Check the graph of a built dataset FOLDER against the SHACL shapes; exit 0 iff it conforms."""
    _report_validation(folder)


def _report_validation(folder: Path) -> None:
    try:
        outcome = check_dataset(folder)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    _report_outcome(outcome, folder)


def _report_outcome(outcome: Outcome, folder: Path) -> None:
    """The violations found, or that there are none; a sample says what it checked."""
    checked = (
        ""
        if outcome.sample.complete
        else f" (in a sample of {outcome.checked:,} of {outcome.resources:,} resources, "
        f"{outcome.triples:,} triples: {outcome.sample.describe()}; `maillage validate {folder}` "
        "checks every one)"
    )
    if outcome.violations:
        for violation in outcome.violations:
            click.echo(str(violation), err=True)
        click.echo(
            f"SHACL: {len(outcome.violations)} violation(s): the graph does not conform{checked}", err=True
        )
        raise SystemExit(1)
    if outcome.sample.complete:
        click.echo("SHACL: the graph conforms to the shapes", err=True)
    else:
        click.echo(f"SHACL: the resources checked conform to the shapes{checked}", err=True)


main.add_command(generate_command)
main.add_command(network_command)
main.add_command(push_command)


@main.command()
@data_option
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Site folder to write: new, empty, or a site this command wrote (it is replaced whole).",
)
@click.option(
    "--base-iri",
    default=None,
    metavar="IRI",
    help="Publish under this base IRI: the dataset is rebuilt from its fiches.jsonl with it "
    "[default: the dataset's own].",
)
@click.option(
    "--site-url",
    default=None,
    metavar="URL",
    help="Where the site will live, for the absolute URLs of sitemap.xml and robots.txt "
    "[default: the publication's site_url, else the base IRI].",
)
def publish(data: Path, out: Path, base_iri: str | None, site_url: str | None) -> None:
    """Write the dataset DATA as a static site in OUT, for any static host under any prefix.

    Every page and RDF document at the server's paths, with relative links; the ontology, the DCAT/VoID
    description, the dumps, the network views, sitemap.xml. The same DATA gives the same bytes.
    """
    try:
        if base_iri is not None:
            normalise_base_iri(base_iri)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--base-iri") from error
    if site_url is not None and not site_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"must be an http(s) URL, got {site_url!r}", param_hint="--site-url")
    try:
        summary = publish_site(data, out, base_iri=base_iri, site_url=site_url, progress=True)
    except PublishError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"wrote {summary.out}/: {summary.pages} pages, {summary.files} files, {summary.bytes:,} bytes "
        f"(base IRI {summary.base_iri}, site URL {summary.site_url})",
        err=True,
    )


@main.command()
@data_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--time-limit", default=10.0, show_default=True, type=float, help="Seconds a query may run.")
@click.option(
    "--max-rows",
    default=10_000,
    show_default=True,
    type=int,
    help="Most rows (or triples) in one answer; a header says when it was hit.",
)
@click.option("--workers", default=2, show_default=True, type=int, help="Query processes.")
@click.option(
    "--query-memory",
    default=1024,
    show_default=True,
    type=click.IntRange(min=0),
    help="Megabytes a query may use beyond the loaded graph, per worker; past it the query gets a 503 "
    "(0: no cap).",
)
@click.option(
    "--threads",
    default=32,
    show_default=True,
    type=int,
    help="HTTP server threads. Most of them wait on the workers (queries, pages); more threads than "
    "clients waiting at once keep the answers that need no worker (cached ones) from queuing behind them.",
)
@click.option(
    "--store",
    type=click.Choice([mode.value for mode in StoreMode]),
    default=StoreMode.MEMORY.value,
    show_default=True,
    help="Query the graph loaded in memory (faster) or the on-disk store.",
)
@click.option(
    "--sparql",
    "remote_url",
    default=None,
    metavar="URL",
    help="Read the graph from this SPARQL endpoint (Oxigraph: http://host:7878/query) instead of DATA's "
    "store; DATA still gives the base IRI, the dumps and the description.",
)
@click.option(
    "--graph",
    default=None,
    metavar="IRI",
    help="With --sparql: the graph to read, or 'default' [default: the dataset's IRI, where "
    "`maillage push` puts it].",
)
@click.option(
    "--reload-interval",
    default=reload.INTERVAL,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between two looks at DATA: a new build there is served without a restart (SIGHUP: "
    "look now; 0: only on SIGHUP).",
)
def serve(
    data: Path,
    host: str,
    port: int,
    time_limit: float,
    max_rows: int,
    workers: int,
    threads: int,
    query_memory: int,
    store: str,
    remote_url: str | None,
    graph: str | None,
    reload_interval: float,
) -> None:
    """Serve the dataset DATA: the SPARQL endpoint and its query page, behind waitress.

    When a build switches DATA to a new release, the server prepares it in the background and then
    serves it, without dropping a request; a broken release is refused and the old one goes on.
    """
    settings = Settings(
        time_limit=time_limit,
        max_rows=max_rows,
        workers=workers,
        store=StoreMode(store),
        query_memory=query_memory,
    )
    if graph is not None and remote_url is None:
        raise click.UsageError("--graph chooses the graph read through --sparql: give --sparql URL too")
    try:
        remote = None
        if remote_url is not None:
            remote = RemoteStore(checked_url(remote_url, "--sparql"), graph_iri(graph, data))
        app = reload.Reloader(data, lambda release: create_app(release, settings, remote), reload_interval)
    except (FileNotFoundError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    _log_to_stderr(reload.log)
    app.start()
    signal.signal(signal.SIGHUP, lambda signum, frame: app.wake())
    source = f" (graph read from {remote_url})" if remote_url else ""
    click.echo(f"Maillage: serving {data}{source} at http://{host}:{port}/sparql (Ctrl+C to stop)", err=True)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="maillage",
        max_request_header_size=settings.max_request_bytes,
        _quiet=True,
    )


def _log_to_stderr(logger: logging.Logger) -> None:
    """What ``logger`` says at INFO and above, as lines on stderr (the server's reloads)."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


@main.command()
@data_option
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
    help="Output: a readable table, or a SPARQL results format.",
)
def query(data: Path, query: str, fmt: str) -> None:
    """Run QUERY on the dataset DATA: a .rq file, a catalogue question's name, or the query text.

    The same rules as the endpoint apply: read-only, nothing fetched. CONSTRUCT and DESCRIBE print Turtle.
    """
    text = _query_text(query)
    try:
        form = check_query(text)
    except Refused as error:
        raise click.ClickException(str(error)) from error
    media = {
        "table": "application/sparql-results+json",
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
        "json": "application/sparql-results+json",
    }[fmt]
    if form.answers_graph:
        media = "text/turtle"
    answer = execute(open_store(data, StoreMode.DISK), Request(text, form, media, max_rows=sys.maxsize - 1))
    if isinstance(answer, Failure):
        raise click.ClickException(answer.message)
    if fmt == "table" and not form.answers_graph:
        click.echo(render_table(json.loads(answer.body), read_metadata(data).base_iri))
    else:
        sys.stdout.buffer.write(answer.body)
        if not answer.body.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")


def _query_text(query: str) -> str:
    """A .rq file's text, a catalogue question's query, or the argument itself."""
    path = Path(query)
    if query.endswith(".rq") or (path.suffix == "" and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise click.ClickException(f"cannot read {query}: {error.strerror}") from error
    names = {question.name: question for question in catalogue()}
    if query in names:
        return names[query].query
    return query
