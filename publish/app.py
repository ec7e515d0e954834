"""The web application: one Flask app object over one built dataset folder.

The graph is read from the folder's own store, or from another SPARQL endpoint (a
:class:`~maillage.graph.remote.RemoteStore`, ``maillage serve --sparql``): then the query endpoint, the
pages and the network views all read the remote graph, while the folder still gives the base IRI, the
dumps and the description.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, render_template_string, request
from flask_cors import CORS

from maillage.graph.build import read_metadata
from maillage.graph.catalogue import catalogue
from maillage.graph.remote import RemoteError, RemoteStore, RemoteTimeout
from maillage.graph.store import StoreMode, dataset_version

from . import linked_data, reseau, security, sparql
from .pages import request_context
from .workers import RemotePool, WorkerPool


@dataclass(frozen=True)
class Settings:
    """The server's limits, all configurable from ``maillage serve``."""

    time_limit: float = 10.0
    max_rows: int = 10_000
    max_request_bytes: int = 256 * 1024
    workers: int = 2
    store: StoreMode = StoreMode.MEMORY
    startup_timeout: float = 600.0
    warm_catalogue: bool = True
    #: Megabytes a query may use beyond the loaded graph, per worker (0: no cap).
    query_memory: int = 1024


def create_app(data: Path, settings: Settings | None = None, remote: RemoteStore | None = None) -> Flask:
    """The app serving the dataset folder ``data``; its query workers are started (and awaited) here.

    With ``remote``, every query goes to that endpoint instead of the folder's store.
    """
    settings = settings or Settings()
    metadata = read_metadata(data)
    app = Flask(__name__)
    app.config.update(
        MAILLAGE_DATA=str(data),
        MAILLAGE_SETTINGS=settings,
        MAILLAGE_BASE_IRI=metadata.base_iri,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )
    if remote is None:
        pool = WorkerPool(data, settings.workers, settings.time_limit, settings.store, settings.query_memory)
        atexit.register(pool.close)
        app.extensions["maillage.pool"] = pool
        try:
            try:
                pool.wait_ready(settings.startup_timeout)
            except (EOFError, OSError) as error:  # a worker died opening it: a broken graph or store
                raise RuntimeError(f"a query worker could not open the graph of {data}") from error
            endpoint = sparql.Endpoint(pool, settings.max_rows, settings.max_request_bytes)
            app.extensions["maillage.site"] = linked_data.Site(data, builder=pool.document)
            if settings.warm_catalogue:
                endpoint.warm([question.query for question in catalogue()])
        except BaseException:  # a worker that could not open the graph: stop the others too
            close_app(app)
            raise
    else:
        endpoint = _read_remotely(app, data, remote, settings)
    app.extensions["maillage.sparql"] = endpoint
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(reseau.blueprint)
    app.register_blueprint(linked_data.blueprint)
    security.register(app)
    CORS(
        app,
        resources={r"/sparql": {"origins": "*"}},
        methods=["GET", "POST", "OPTIONS"],
        expose_headers=[sparql.TRUNCATED_HEADER],
        allow_headers=["Content-Type", "Accept"],
    )

    return app


def close_app(app: Flask) -> None:
    """Stop the app's query workers (the server closes an app it replaced once its requests are done)."""
    pool = app.extensions.pop("maillage.pool", None)
    if pool is not None:
        pool.close()
        atexit.unregister(pool.close)


def _read_remotely(app: Flask, data: Path, remote: RemoteStore, settings: Settings) -> sparql.Endpoint:
    """Point the endpoint, the pages and the network views at ``remote``; its failures become 502 pages.

    Nothing is cached or answered in advance: unlike the folder's store, the remote graph may change
    while it is served (a new ``maillage push``). The pages' queries have the endpoint's time limit too.
    """
    pool = RemotePool(remote, settings.time_limit)
    pool.wait_ready(settings.startup_timeout)
    remote = remote.limited(settings.time_limit)
    site = linked_data.Site(data)
    site.store = remote  # the pages' store, in place of the folder's (a cached property, set once here)
    site.keeps_bodies = False  # the remote graph may change under the same pages
    app.extensions["maillage.site"] = site
    app.extensions["maillage.reseau"] = reseau.Networks(data, remote, dataset_version(data))
    app.config["MAILLAGE_REMOTE"] = True
    app.register_error_handler(RemoteError, _remote_failure)
    return sparql.Endpoint(pool, settings.max_rows, settings.max_request_bytes, cache_body_bytes=-1)


REMOTE_FAILURE_PAGE = """{% extends "base.html" %}
{% block title %}Serveur SPARQL indisponible — Maillage{% endblock %}
{% block content %}
<h1>Serveur SPARQL indisponible</h1>
<p class="lede">Cette page lit le graphe sur un autre serveur SPARQL, qui n'a pas donné de réponse
  utilisable{% if timeout %} à temps{% endif %}. Réessayez dans un moment.</p>
<p>Détail technique : <code>{{ message }}</code></p>
{% endblock %}
"""


def _remote_failure(error: RemoteError) -> Response:
    """502 Bad Gateway (504 when it did not answer in time): a French page for browsers, text otherwise."""
    timeout = isinstance(error, RemoteTimeout)
    status = 504 if timeout else 502
    if request.accept_mimetypes.accept_html:
        context = request_context()
        html = render_template_string(REMOTE_FAILURE_PAGE, message=str(error), timeout=timeout, **context)
        return Response(html, status=status, content_type="text/html; charset=utf-8")
    return Response(f"{error}\n", status=status, content_type="text/plain; charset=utf-8")
