"""Every IRI the graph mints answers: a page for people, RDF for machines (the linked-data layer).

The pattern, applied to every resource: the IRI of a thing (``/action/31/centre/titre``) answers
**303 See Other** toward one of its documents, chosen by content negotiation on ``Accept``:
``titre.html``, ``titre.ttl``, ``titre.jsonld``, ``titre.nt`` or ``titre.rdf`` (``Vary: Accept``; 406 when
nothing offered is acceptable). The documents answer 200 at those suffixed paths, which are also the static
site's file names, so a link works the same on the server and on a static host. The ontology and the
dataset's description are documents of the same kind (``/ontologie``, ``/catalogue``); their terms are
hash IRIs (``/ontologie#Action``, ``/catalogue#jeu-de-donnees``) that resolve into them.

A request path is read as base IRI + path, whatever host or prefix it came through, so data built under
any base IRI is served behind a proxy; redirects are relative, never built from the request's host. Only
paths made of slug characters are looked up, and only files named in a fixed list are sent: nothing
outside the dataset can be read.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, request, send_file

from maillage import ontology
from maillage.graph.build import read_metadata
from maillage.graph.description import CATALOGUE, dataset_publication, schema_org_dataset
from maillage.graph.downloads import BY_NAME, published_files
from maillage.graph.dump import DOCUMENT_FORMATS, serialize_document
from maillage.graph.overview import Overview, overview, search_index
from maillage.graph.resources import Document, describe
from maillage.graph.store import StoreMode, open_store

from .landing import downloads_html, landing_html
from .ontology_page import DOWNLOADS as ONTOLOGY_DOWNLOADS
from .ontology_page import ontology_html
from .pages import render, root_of
from .resource_page import ONTOLOGY_IRI, STEM, resource_html
from .workers import Busy, QueryTimeout, QueryTooLarge

blueprint = Blueprint("linked_data", __name__)

HTML = "text/html"
#: Document extensions by media type, in the order content negotiation prefers them.
OFFERED = {HTML: "html", **{media: ext for ext, (media, _) in DOCUMENT_FORMATS.items()}}
#: A resource path: slug segments, then optionally a document extension.
PATH = re.compile(rf"(?P<stem>{STEM.pattern})(?:\.(?P<ext>{'|'.join(OFFERED.values())}))?")


#: Document bodies a server keeps (the most recently asked), each at most this size.
BODIES_KEPT = 256
BODY_KEPT_BYTES = 2 << 20


@dataclass
class Site:
    """The dataset as the linked-data layer reads it: its store, opened read-only, and derived facts."""

    folder: Path
    #: Whether document bodies are kept between requests: a release never changes, a remote graph may.
    keeps_bodies: bool = True
    #: Builds a document's bytes elsewhere (the server's worker processes, :meth:`WorkerPool.document`);
    #: None: in this process (:meth:`build`).
    builder: Callable[[str, str], bytes | None] | None = None
    _bodies: OrderedDict[tuple[str, str], bytes | None] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def base_iri(self) -> str:
        return read_metadata(self.folder).base_iri

    @cached_property
    def store(self) -> ox.Store:
        return open_store(self.folder, StoreMode.DISK)

    @cached_property
    def overview(self) -> Overview:
        return overview(self.store)

    @cached_property
    def search_index(self) -> bytes:
        return json.dumps(search_index(self.store, self.base_iri), ensure_ascii=False).encode()

    @cached_property
    def schema_org(self) -> dict:
        publication = dataset_publication(self.folder, self.base_iri)
        return schema_org_dataset(self.folder, self.store, publication, read_metadata(self.folder).built)

    @cached_property
    def ontology_store(self) -> ox.Store:
        store = ox.Store()
        store.bulk_load(path=ontology.ontology_file(), format=ox.RdfFormat.TURTLE)
        return store

    @cached_property
    def catalogue_triples(self) -> tuple[ox.Triple, ...] | None:
        """The description as written, parsed rather than loaded in a store: Oxigraph's store reads
        ``xsd:nonNegativeInteger`` (dcat:byteSize) back as ``xsd:integer``, which DCAT-AP refuses."""
        path = self.folder / CATALOGUE
        if not path.exists():
            return None
        return tuple(quad.triple for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE))

    @cached_property
    def catalogue_store(self) -> ox.Store | None:
        """The description in a store, for its page's labels and links only."""
        if self.catalogue_triples is None:
            return None
        store = ox.Store()
        store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in self.catalogue_triples])
        return store

    def document(self, stem: str) -> Document | None:
        """The document at site path ``stem`` (the ontology, the catalogue or a resource of the graph)."""
        if stem == "ontologie":
            return describe(self.ontology_store, ONTOLOGY_IRI)
        if stem == "catalogue":
            store, triples = self.catalogue_store, self.catalogue_triples
            found = describe(store, self.base_iri + stem) if store is not None else None
            # The document is the whole description, its typed literals as written.
            return replace(found, triples=tuple(sorted(triples, key=str))) if found and triples else found
        return describe(self.store, self.base_iri + stem)

    def exists(self, stem: str) -> bool:
        """Whether ``stem`` has a document, without building it: a thing's IRI answers a 303 on this."""
        if stem not in ("ontologie", "catalogue"):
            node = ox.NamedNode(self.base_iri + stem)
            if next(self.store.quads_for_pattern(node, None, None, ox.DefaultGraph()), None) is not None:
                return True
        return self.document(stem) is not None

    def build(self, stem: str, ext: str) -> bytes | None:
        """The served bytes of one document in one format, built here and now (None: no such document)."""
        document = self.document(stem)
        return None if document is None else document_body(self, document, stem, ext, static_site=False)

    def body(self, stem: str, ext: str) -> bytes | None:
        """The served bytes of one document in one format, kept for the next request: a release never
        changes, and a heavily linked concept's page costs far more to build than to keep."""
        key = (stem, ext)
        with self._lock:
            if key in self._bodies:
                self._bodies.move_to_end(key)
                return self._bodies[key]
        body = (self.builder or self.build)(stem, ext)
        if self.keeps_bodies and (body is None or len(body) <= BODY_KEPT_BYTES):
            with self._lock:
                self._bodies[key] = body
                while len(self._bodies) > BODIES_KEPT:
                    self._bodies.popitem(last=False)
        return body


def site_of() -> Site:
    app = current_app
    site = app.extensions.get("maillage.site")
    if site is None:
        site = app.extensions["maillage.site"] = Site(Path(app.config["MAILLAGE_DATA"]))
    return site


def negotiate() -> str | None:
    """The media type to answer with: the best offered match of ``Accept`` (HTML when absent)."""
    if not request.headers.get("Accept"):
        return HTML
    return request.accept_mimetypes.best_match(list(OFFERED))


def not_found(what: str) -> Response:
    """A 404 in French, as a page for browsers and as text for other clients."""
    return _failure(404, "introuvable.html", f"not found: {what}", what=what)


def unavailable(error: Exception) -> Response:
    """A 503 when the workers could not build a document in time; the client may come back (the next
    request is likely to find a worker free)."""
    response = _failure(503, "indisponible.html", str(error), message=str(error))
    response.headers["Retry-After"] = "5"
    return response


def _failure(status: int, template: str, text: str, **context: str) -> Response:
    """An error as a French page ``template`` for browsers, as ``text`` for other clients."""
    if negotiate() == HTML:
        path = request.path.lstrip("/")
        html = render(template, path=path, static_site=False, endpoint=_endpoint(path), **context)
        return Response(html, status=status, content_type="text/html; charset=utf-8")
    return Response(f"{text}\n", status=status, content_type="text/plain; charset=utf-8")


for _unavailable in (Busy, QueryTimeout, QueryTooLarge):
    blueprint.register_error_handler(_unavailable, unavailable)


@blueprint.get("/")
@blueprint.get("/index.html")
def landing() -> Response:
    """The landing page: what the dataset is, its counts, a search by title, where to go next."""
    site = site_of()
    html = landing_html(
        site.overview,
        published_files(site.folder),
        site.schema_org,
        base_iri=site.base_iri,
        static_site=False,
        endpoint=_endpoint(request.path.lstrip("/")),
    )
    return Response(html, content_type="text/html; charset=utf-8")


@blueprint.get("/donnees/")
@blueprint.get("/donnees/index.html")
def downloads_page() -> Response:
    """The list of the dataset's files, with sizes and checksums."""
    html = downloads_html(
        published_files(site_of().folder), static_site=False, endpoint=_endpoint("donnees/index.html")
    )
    return Response(html, content_type="text/html; charset=utf-8")


@blueprint.get("/ontologie/<name>")
def ontology_file(name: str) -> Response:
    """The ontology's other files (SHACL shapes, JSON-LD context), by name from the page's list."""
    for published in ONTOLOGY_DOWNLOADS:
        if published.path == f"ontologie/{name}":
            return send_file(published.source(), mimetype=published.media_type, max_age=300)
    return not_found(f"ontologie/{name}")


@blueprint.get("/<path:path>")
def resource(path: str) -> Response:
    """A thing's IRI (303 to a document) or one of its documents (200)."""
    match = PATH.fullmatch(path)
    if match is None:
        return not_found(path)
    stem, ext = match["stem"], match["ext"]
    site = site_of()
    if ext is None:
        if not site.exists(stem):
            return not_found(path)
        media = negotiate()
        if media is None:
            offered = ", ".join(OFFERED)
            return Response(
                f"none of the accepted media types is offered: {offered}\n",
                status=406,
                content_type="text/plain; charset=utf-8",
            )
        response = redirect(f"{stem.rsplit('/', 1)[-1]}.{OFFERED[media]}", code=303)
        response.autocorrect_location_header = False
        response.vary.add("Accept")
        return response
    body = site.body(stem, ext)
    if body is None:
        return not_found(path)
    return _document_response(body, stem, ext)


def document_body(site: Site, document: Document, stem: str, ext: str, *, static_site: bool) -> bytes:
    """One document in one format, the same bytes from the server and in the static site: the Turtle of
    the ontology and of the description is the file as written, other formats are serialised."""
    if ext == "html":
        endpoint = None if static_site else _endpoint(f"{stem}.html")
        if stem == "ontologie":
            return ontology_html(static_site=static_site, endpoint=endpoint).encode()
        html = resource_html(document, base_iri=site.base_iri, static_site=static_site, endpoint=endpoint)
        return html.encode()
    if stem == "ontologie" and ext == "ttl":
        return ontology.ontology_file().read_bytes()
    if stem == "catalogue" and ext == "ttl":
        return (site.folder / CATALOGUE).read_bytes()
    return serialize_document(document.triples, ext)


def _document_response(body: bytes, stem: str, ext: str) -> Response:
    """One document in one format, with links to its other formats."""
    media = HTML if ext == "html" else DOCUMENT_FORMATS[ext][0]
    response = Response(body, content_type=_content_type(media))
    name = stem.rsplit("/", 1)[-1]
    response.headers["Link"] = ", ".join(
        f'<{name}.{other}>; rel="alternate"; type="{media}"' for media, other in OFFERED.items()
    )
    return response


def _endpoint(path: str) -> str:
    """The query page's address, relative to the page at site path ``path``."""
    return root_of(path) + "sparql"


def _content_type(media: str) -> str:
    return (
        f"{media}; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else media
    )


@blueprint.get("/donnees/<name>")
def download(name: str) -> Response:
    """A dump of the dataset, by name from a fixed list."""
    path = site_of().folder / name
    if name not in BY_NAME or not path.is_file():
        return not_found(f"donnees/{name}")
    return send_file(path, mimetype=BY_NAME[name].media_type, download_name=name, max_age=300)


@blueprint.get("/recherche.json")
def search() -> Response:
    """Every action's title, structure and page, for the landing page's search (run in the browser)."""
    return Response(site_of().search_index, content_type="application/json; charset=utf-8")


@blueprint.get("/.well-known/void")
def void() -> Response:
    """The VoID description (the dataset's description document), by content negotiation."""
    site = site_of()
    document = site.document("catalogue")
    if document is None:
        return not_found(".well-known/void")
    media = negotiate()
    if media == HTML:
        response = redirect("../catalogue.html", code=303)
        response.autocorrect_location_header = False
        return response
    ext = OFFERED.get(media or "text/turtle", "ttl")
    response = _document_response(site.body("catalogue", ext) or b"", "catalogue", ext)
    response.headers.pop("Link")
    response.vary.add("Accept")
    return response
