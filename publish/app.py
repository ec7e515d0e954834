"""The web application: one Flask app object over one built dataset folder."""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_cors import CORS

from maillage.graph.build import read_metadata
from maillage.graph.catalogue import catalogue
from maillage.graph.store import StoreMode

from . import linked_data, reseau, security, sparql
from .workers import WorkerPool


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


def create_app(data: Path, settings: Settings | None = None) -> Flask:
    """The app serving the dataset folder ``data``; its query workers are started (and awaited) here."""
    settings = settings or Settings()
    metadata = read_metadata(data)
    app = Flask(__name__)
    app.config.update(
        MAILLAGE_DATA=str(data),
        MAILLAGE_SETTINGS=settings,
        MAILLAGE_BASE_IRI=metadata.base_iri,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )
    pool = WorkerPool(data, settings.workers, settings.time_limit, settings.store)
    atexit.register(pool.close)
    pool.wait_ready(settings.startup_timeout)
    endpoint = sparql.Endpoint(pool, settings.max_rows, settings.max_request_bytes)
    if settings.warm_catalogue:
        endpoint.warm([question.query for question in catalogue()])
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
