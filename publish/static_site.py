"""``maillage publish``: a built dataset as a static site, for publishers with no server.

The site does the server's job with files only. Every page and document sits at the path the server
answers (see :mod:`maillage.publish.linked_data`): the thing ``{base}action/31/x/y`` has its documents
``action/31/x/y.html|.ttl|.jsonld|.nt|.rdf``, the ontology ``ontologie.*``, the description
``catalogue.*``, the dumps ``donnees/*``. Pages are rendered by the same functions as the server's, with
``static_site=True`` and no query endpoint, and every link is relative: the site works from any static
host under any prefix, and from a folder opened in a browser (the title search apart, see below).

**What a static host cannot do**, and what the site does instead:

- content negotiation: the IRI of a thing (``action/31/x/y``, no extension) is no file, so it cannot
  answer 303 toward a document. Pages and links name the documents; a host that serves ``y.html`` for
  ``y`` ("pretty URLs": GitHub Pages, Netlify, ``try_files $uri $uri.html`` in nginx) makes the IRIs
  themselves resolve, to HTML. ``.well-known/void`` is a copy of the Turtle description, served with
  whatever type the host guesses (often ``application/octet-stream``);
- a 404 page at any depth: ``404.html`` is written for the hosts that use it, but its relative links are
  only right at the site's root;
- SPARQL and the network form: no endpoint is advertised (the header has no query link) and
  ``reseau.html`` lists fixed networks, each as a standalone view (:func:`maillage.publish.views.
  render_view`) and as GraphML, JSON and CSV; one above :data:`NETWORK_MAX_EDGES` edges is listed, not
  published. ``maillage network`` draws others, with filters. GEXF is left out: networkx writes the day
  into it, and the site must not change when the data does not;
- the title search reads ``recherche.json`` with ``fetch``: it needs HTTP, not ``file://``.

``sitemap.xml`` and ``robots.txt`` need absolute URLs: they are made from the site's URL, by default the
publication's ``site_url`` (itself the base IRI unless the publisher's TOML says otherwise).
``robots.txt`` is only read at a host's root.

**Same inputs, same bytes.** Files are written in sorted order, with no date other than the build's
(in the dumps and the description), so a re-publication changes only what the data changed. The site is
written into a fresh folder beside ``OUT``, synced to disk and exchanged with ``OUT`` in one atomic step
at the end (:func:`replace_folder`): a failed or killed publication leaves the previous site as it was,
and the folder it was writing is removed by the next publication. ``OUT`` stays a real folder (not a
link, unlike a dataset folder), so that it can be copied or uploaded as it is. The dataset is read from
the release ``DATA`` shows when the command starts, held so that no build removes it meanwhile.
``OUT`` is replaced whole, so a non-empty folder that was not written by this command (it has no
:data:`MARKER`) is refused rather than deleted.

**Another base IRI.** A dataset is published under the base it was built with; ``base_iri`` rebuilds it
first from its records (``fiches.jsonl``) into a temporary folder, keeping its build day and publication
settings, so that every IRI, page path and document agrees with the new base.
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape

from tqdm import tqdm

from maillage.graph import releases
from maillage.graph.build import RECORDS, build_dataset, normalise_base_iri, read_metadata, read_records
from maillage.graph.description import CATALOGUE, PUBLICATION, dataset_publication
from maillage.graph.downloads import FOLDER, published_files
from maillage.graph.dump import DOCUMENT_FORMATS
from maillage.graph.measures import add_measures
from maillage.graph.network_export import write_network
from maillage.graph.networks import Level, NetworkTooLarge, Via, build_network
from maillage.graph.resources import resource_iris

from . import views
from .landing import downloads_html, landing_html
from .linked_data import Site, document_body
from .ontology_page import DOWNLOADS as ONTOLOGY_DOWNLOADS
from .pages import render
from .reseau import MEASURES_SEED

#: The file that marks a folder as a site written by this command: only such a folder is replaced.
MARKER = ".maillage-site"
MARKER_TEXT = (
    "Ce dossier est un site écrit par « maillage publish » : chaque publication le remplace en entier.\n"
)
#: The site's own files, what their pages load (no CDN): copied from publish/static/.
STATIC_FILES = ("maillage.css", "dom.js", "recherche.js")
STATIC = Path(__file__).parent / "static"
#: The documents of the site that are not resources of the graph.
SPECIAL = ("ontologie", "catalogue")
#: The sitemaps.org protocol's limit of URLs per file; above it sitemap.xml is an index of files.
SITEMAP_URLS = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
#: The network exports the site offers beside each view (GEXF is dated by networkx: left out).
NETWORK_EXPORTS = {"graphml": "GraphML (Gephi)", "json": "JSON", "csv": "CSV (liens)"}
#: Above this many edges a network is listed but not published: its exports would weigh hundreds of
#: megabytes and its measures take minutes (2,000 generated fiches: the structures sharing partner kinds
#: make 260,563 edges, 505 MB of exports, 27 s of measures). ``maillage network`` draws it filtered.
NETWORK_MAX_EDGES = 20_000
NETWORK_COMMAND = "«\u00a0maillage network\u00a0»"


class PublishError(ValueError):
    """The site cannot be written (a refused folder, a dataset without its description…)."""


@dataclass(frozen=True)
class NetworkView:
    """A network the static site draws: its file stem under ``reseau/``, how it is built, its title."""

    name: str
    kind: str
    title: str
    level: Level = Level.TYPE
    via: Via = Via.PARTENAIRES


#: The networks of ``reseau.html``, in the order it lists them.
NETWORK_VIEWS = (
    NetworkView("partenaires-types", "partenaires", "Types de partenaires associés sur une même action"),
    NetworkView(
        "partenaires-organisations",
        "partenaires",
        "Organisations partenaires associées sur une même action",
        level=Level.ORGANISATION,
    ),
    NetworkView(
        "structures-partenaires", "structures-partenaires", "Structures et leurs types de partenaires"
    ),
    NetworkView(
        "structures-via-partenaires", "structures", "Structures qui partagent des types de partenaires"
    ),
    NetworkView("mots-cles", "mots-cles", "Mots-clés associés sur une même action"),
)


@dataclass(frozen=True)
class Summary:
    """What a publication wrote."""

    out: Path
    base_iri: str
    site_url: str
    pages: int
    files: int
    bytes: int


# --------------------------------------------------------------------------------------------------
# Writing files under the site's root
# --------------------------------------------------------------------------------------------------


@dataclass
class Writer:
    """Writes files at site paths under ``root`` and remembers them (with their sizes).

    A site path written twice must get the same bytes: two resources can never silently overwrite each
    other's page (a resource named ``index`` against the landing page, say).
    """

    root: Path
    written: dict[str, int] = field(default_factory=dict)

    def target(self, path: str) -> Path:
        parts = PurePosixPath(path).parts
        if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
            raise PublishError(f"not a site path: {path!r}")
        target = self.root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, path: str, data: bytes | str) -> None:
        body = data.encode("utf-8") if isinstance(data, str) else data
        target = self.target(path)
        if path in self.written:
            if target.read_bytes() != body:
                raise PublishError(f"two different files would be published at {path}")
            return
        target.write_bytes(body)
        self.written[path] = len(body)

    def copy(self, path: str, source: Path) -> None:
        """Copy a file byte for byte (streamed: dumps can be large)."""
        if path in self.written:
            self.write(path, source.read_bytes())
            return
        self.adopt(path, shutil.copyfile(source, self.target(path)))

    def adopt(self, path: str, written: Path | str) -> None:
        """Count a file that another function wrote at ``path``."""
        self.written[path] = Path(written).stat().st_size

    def pages(self) -> list[str]:
        return sorted(path for path in self.written if path.endswith(".html"))


# --------------------------------------------------------------------------------------------------
# The dataset under the wanted base IRI
# --------------------------------------------------------------------------------------------------


@contextmanager
def dataset_under(folder: Path, base_iri: str | None) -> Iterator[Path]:
    """The dataset ``folder`` itself, or its rebuild under ``base_iri`` in a temporary folder."""
    metadata = read_metadata(folder)
    if base_iri is None or normalise_base_iri(base_iri) == metadata.base_iri:
        yield folder
        return
    records = folder / RECORDS
    if not records.is_file():
        raise PublishError(f"{folder} has no {RECORDS}: it cannot be rebuilt under another base IRI")
    publication = folder / PUBLICATION
    with tempfile.TemporaryDirectory(prefix="maillage-publish-") as tmp:
        rebuilt = Path(tmp) / "dataset"
        build_dataset(
            read_records(records),
            rebuilt,
            normalise_base_iri(base_iri),
            metadata.files,
            publication=publication if publication.is_file() else None,
            built=metadata.built or None,
        )
        yield rebuilt


# --------------------------------------------------------------------------------------------------
# The site's parts
# --------------------------------------------------------------------------------------------------


def write_document(site: Site, writer: Writer, *, stem: str) -> None:
    """The page and the four RDF documents of the document at site path ``stem``."""
    document = site.document(stem)
    if document is None:
        raise PublishError(f"nothing describes {stem} in {site.folder}")
    for ext in ("html", *DOCUMENT_FORMATS):
        writer.write(f"{stem}.{ext}", document_body(site, document, stem, ext, static_site=True))


def write_home(site: Site, writer: Writer) -> None:
    """The landing page and the search index its script reads."""
    html = landing_html(
        site.overview,
        published_files(site.folder),
        site.schema_org,
        base_iri=site.base_iri,
        static_site=True,
        endpoint=None,
    )
    writer.write("index.html", html)
    writer.write("recherche.json", site.search_index)


def write_ontology_files(writer: Writer) -> None:
    """The ontology's files, exactly those its page offers (``ontologie.ttl``, shapes, context)."""
    for download in ONTOLOGY_DOWNLOADS:
        writer.copy(download.path, download.source())


def write_description(site: Site, writer: Writer) -> None:
    """The dataset's description: ``catalogue.*`` and its copy at ``.well-known/void`` (Turtle)."""
    write_document(site, writer, stem="catalogue")
    writer.copy(".well-known/void", site.folder / CATALOGUE)


def write_downloads(site: Site, writer: Writer) -> None:
    """The dumps, copied byte for byte, and the page that lists them with their checksums."""
    files = published_files(site.folder)
    for file in files:
        writer.copy(f"{FOLDER}/{file.name}", site.folder / file.name)
    writer.write(f"{FOLDER}/index.html", downloads_html(files, static_site=True, endpoint=None))


def write_static(writer: Writer) -> None:
    for name in STATIC_FILES:
        writer.copy(f"static/{name}", STATIC / name)


def write_not_found(writer: Writer) -> None:
    writer.write(
        "404.html",
        render("introuvable.html", path="404.html", static_site=True, endpoint=None, what=None),
    )


def write_networks(site: Site, writer: Writer) -> None:
    """``reseau.html`` and, for each of :data:`NETWORK_VIEWS`, its view and its exports."""
    items = [write_network_view(site, writer, network) for network in NETWORK_VIEWS]
    html = render(
        "plan.html",
        path="reseau.html",
        static_site=True,
        endpoint=None,
        section="reseau",
        title="Réseaux de partenaires",
        lede="Qui travaille avec qui, et sur quoi : chaque réseau est tiré de toutes les actions du jeu de "
        "données et s'ouvre dans une page autonome, dessinée dans le navigateur.",
        items=items,
        notes=[
            "Pour restreindre un réseau (mot-clé, public, statut, département…), utilisez la commande "
            f"{NETWORK_COMMAND} ou la page Réseaux d'un serveur Maillage "
            "(«\u00a0maillage serve\u00a0»).",
            "Les fichiers GraphML s'ouvrent dans Gephi et Cytoscape ; le CSV liste les liens et les "
            "actions qui les fondent.",
        ],
    )
    writer.write("reseau.html", html)


def write_network_view(site: Site, writer: Writer, network: NetworkView) -> dict[str, object]:
    """One network's standalone view and exports; what ``reseau.html`` says of it."""
    try:
        graph = build_network(site.store, network.kind, level=network.level, via=network.via)
    except NetworkTooLarge as error:
        return {"text": network.title, "note": f"trop grand pour être publié ici : {error}"}
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    size = f"{views.plural(nodes, 'nœud', 'nœuds')} et {views.plural(edges, 'lien', 'liens')}"
    if edges > NETWORK_MAX_EDGES:
        note = f"trop grand pour être publié ici ({size}) : tirez-en une partie avec {NETWORK_COMMAND}"
        return {"text": network.title, "note": note}
    add_measures(graph, seed=MEASURES_SEED)
    stem = f"reseau/{network.name}"
    writer.write(f"{stem}.html", views.render_view(graph, title=network.title))
    for ext in NETWORK_EXPORTS:
        path = writer.target(f"{stem}.{ext}")
        write_network(graph, path)
        writer.adopt(f"{stem}.{ext}", path)
    return {
        "href": f"{stem}.html",
        "text": network.title,
        "note": size,
        "downloads": [(f"{stem}.{ext}", label) for ext, label in NETWORK_EXPORTS.items()],
    }


def url_of(site_url: str, page: str) -> str:
    """The absolute URL of a page: a folder's ``index.html`` is named by the folder."""
    if page == "index.html" or page.endswith("/index.html"):
        page = page.removesuffix("index.html")
    return site_url + page


def sitemap_files(urls: list[str], site_url: str, limit: int = SITEMAP_URLS) -> dict[str, str]:
    """``sitemap.xml`` listing ``urls``, or, above ``limit`` URLs, an index of ``sitemaps/*.xml`` files."""
    chunks = [urls[start : start + limit] for start in range(0, len(urls), limit)] or [[]]
    if len(chunks) == 1:
        return {"sitemap.xml": _urlset(chunks[0])}
    files = {f"sitemaps/sitemap-{number:05d}.xml": _urlset(chunk) for number, chunk in enumerate(chunks, 1)}
    entries = "".join(f"  <sitemap><loc>{escape(site_url + path)}</loc></sitemap>\n" for path in files)
    index = f'{XML_DECLARATION}<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n'
    return {"sitemap.xml": index, **files}


def _urlset(urls: Iterable[str]) -> str:
    entries = "".join(f"  <url><loc>{escape(url)}</loc></url>\n" for url in urls)
    return f'{XML_DECLARATION}<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n'


def write_sitemap(writer: Writer, site_url: str) -> None:
    """``sitemap.xml`` (every page but the 404) and ``robots.txt`` pointing to it."""
    urls = [url_of(site_url, page) for page in writer.pages() if page != "404.html"]
    for path, text in sitemap_files(urls, site_url).items():
        writer.write(path, text)
    writer.write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {site_url}sitemap.xml\n")


# --------------------------------------------------------------------------------------------------
# The whole site
# --------------------------------------------------------------------------------------------------


def jobs(site: Site) -> list[Callable[[Writer], None]]:
    """Everything the site holds, as writing jobs in a fixed order: its own pages, then every resource."""
    stems = sorted(
        {iri[len(site.base_iri) :] for iri in resource_iris(site.store, site.base_iri)} - set(SPECIAL)
    )
    fixed: list[Callable[[Writer], None]] = [
        write_static,
        functools.partial(write_home, site),
        functools.partial(write_document, site, stem="ontologie"),
        write_ontology_files,
        functools.partial(write_description, site),
        functools.partial(write_downloads, site),
        functools.partial(write_networks, site),
        write_not_found,
    ]
    return fixed + [functools.partial(write_document, site, stem=stem) for stem in stems]


def write_site(site: Site, writer: Writer, site_url: str, progress: bool = False) -> None:
    """Write every file of the site of ``site`` with ``writer`` (the sitemap last: it lists the pages)."""
    work = jobs(site)
    bar = tqdm(work, desc="publishing", unit=" jobs", file=sys.stderr, disable=None if progress else True)
    for job in bar:
        job(writer)
    writer.write(MARKER, MARKER_TEXT)
    writer.write(".nojekyll", "")  # GitHub Pages: publish .well-known/ as is
    write_sitemap(writer, site_url)


# --------------------------------------------------------------------------------------------------
# Publishing into OUT
# --------------------------------------------------------------------------------------------------


def check_out(out: Path, data: Path) -> None:
    """Refuse an ``out`` that is a file, or a non-empty folder not written by this command, or that holds
    the dataset: replacing it would delete what is not ours."""
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise PublishError(
            f"{out} is not empty and is not a site written by `maillage publish` (no {MARKER}): "
            "choose an empty or new folder"
        )
    if data.resolve().is_relative_to(out.resolve()):
        raise PublishError(f"the dataset {data} is inside {out}, which publishing replaces")


def _leftovers(out: Path) -> re.Pattern[str]:
    """The names of the folders a publication into ``out`` writes beside it (``mkdtemp``'s names)."""
    return re.compile(rf"\.{re.escape(out.name)}\.[a-z0-9_]{{8}}\.(?:new|old)")


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh folder beside ``out`` to write the site into, locked while this publication lives.

    Folders that killed publications left there (unlocked: their process is gone) are removed first;
    another publication's folder, still locked, is left alone.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    pattern = _leftovers(out)
    with releases.Hold(out.parent, exclusive=True, wait=True):
        for path in sorted(out.parent.iterdir()):
            if pattern.fullmatch(path.name) and path.is_dir() and not path.is_symlink():
                left = releases.Hold.attempt(path, exclusive=True)
                if left is not None:
                    with left:
                        shutil.rmtree(path, ignore_errors=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
        hold = releases.Hold(fresh, exclusive=True)
    try:
        yield fresh
    finally:
        hold.close()
        if fresh.is_symlink():  # ``out`` was a link: exchanged with the new folder
            fresh.unlink()
        shutil.rmtree(fresh, ignore_errors=True)  # what failed, or the previous site once replaced


def replace_folder(fresh: Path, out: Path) -> None:
    """Put the written site ``fresh`` at ``out`` in one step; the previous site, if any, is left at
    ``fresh`` (for the caller to remove).

    Everything written is synced to disk first. On Linux the two folders are exchanged atomically
    (``renameat2(RENAME_EXCHANGE)``): ``out`` always holds a whole site, the old or the new, whatever
    kills the command. Elsewhere, two renames leave an instant with no ``out``.
    """
    releases.sync_filesystem(fresh)
    if not out.exists() and not out.is_symlink():
        fresh.rename(out)
    elif not releases.exchange(fresh, out):
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        out.rename(old)  # over an empty folder: allowed by rename(2)
        fresh.rename(out)
        old.rename(fresh)
    releases.fsync_dir(out.parent)


def publish_site(
    data: Path,
    out: Path,
    *,
    base_iri: str | None = None,
    site_url: str | None = None,
    progress: bool = False,
) -> Summary:
    """Write the static site of the dataset ``data`` into ``out`` (see the module's docstring)."""
    out = out.absolute()
    check_out(out, data)
    try:
        read_metadata(data)
    except FileNotFoundError as error:
        raise PublishError(str(error)) from error
    if not (data / CATALOGUE).is_file():
        raise PublishError(
            f"{data} has no {CATALOGUE} (the dataset's description): rebuild it with `maillage build`"
        )
    with releases.reading(data) as release, dataset_under(release, base_iri) as folder:
        site = Site(folder)
        url = site_url or dataset_publication(folder, site.base_iri).site_url
        url = url if url.endswith("/") else url + "/"
        with staging_folder(out) as fresh:
            writer = Writer(fresh)
            write_site(site, writer, url, progress)
            fresh.chmod(0o755)
            replace_folder(fresh, out)
        return Summary(
            out,
            site.base_iri,
            url,
            pages=len(writer.pages()),
            files=len(writer.written),
            bytes=sum(writer.written.values()),
        )
