"""The SPARQL 1.1 Protocol for queries at ``/sparql``, and the query page for people.

GET ``?query=``, POST form-encoded and POST ``application/sparql-query``; answers by content negotiation
or a ``format`` parameter. Every query passes the guard (read-only, nothing fetched) before a worker runs
it under the time limit; answers are cached for the life of the dataset, which never changes while it
is served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, render_template, request, url_for

from maillage.graph.catalogue import catalogue
from maillage.graph.dump import PREFIXES

from .guard import QueryForm, Refused, check_query, refuse_update
from .pages import request_context
from .workers import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Answer,
    Busy,
    Failure,
    QueryTimeout,
    QueryTooLarge,
    Request,
    WorkerPool,
)

blueprint = Blueprint("sparql", __name__)
blueprint.context_processor(request_context)

HTML = "text/html"
TRUNCATED_HEADER = "X-Maillage-Truncated"
PREFIXES_TEXT = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())

#: Short names accepted by the ``format`` parameter.
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
}
#: Aliases clients send for the two XML/JSON answer kinds.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
}


class HttpError(Exception):
    """A request this endpoint answers with an error status and a message for people."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Endpoint:
    """What the endpoint needs at request time: the workers, the limits and the answer cache."""

    pool: WorkerPool
    max_rows: int
    max_query_bytes: int
    cache_bytes: int = 64 << 20
    cache_body_bytes: int = 2 << 20
    _cache: OrderedDict[tuple[str, str], Answer] = field(default_factory=OrderedDict)
    _cached_bytes: int = 0
    _pinned: dict[tuple[str, str], Answer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, query: str, form: QueryForm, media_type: str) -> Answer:
        key = (query, media_type)
        with self._lock:
            if key in self._pinned:
                return self._pinned[key]
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        outcome = self._run(query, form, media_type)
        if len(outcome.body) <= self.cache_body_bytes:
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = outcome
                    self._cached_bytes += len(outcome.body)
                while self._cached_bytes > self.cache_bytes:
                    _, evicted = self._cache.popitem(last=False)
                    self._cached_bytes -= len(evicted.body)
        return outcome

    def _run(self, query: str, form: QueryForm, media_type: str) -> Answer:
        outcome = self.pool.run(Request(query, form, media_type, self.max_rows))
        if isinstance(outcome, Failure):
            raise HttpError(400, f"the store could not run the query: {outcome.message}")
        return outcome

    def warm(self, queries: list[str]) -> None:
        """Answer ``queries`` now (in JSON, the page's format) and keep them, whatever their size.

        They are a fixed, short list (the catalogue), so they are pinned outside the LRU budget.
        """
        for query in queries:
            media = "application/sparql-results+json"
            self._pinned[(query, media)] = self._run(query, check_query(query), media)


def _endpoint() -> Endpoint:
    return current_app.extensions["maillage.sparql"]


def _read_query() -> str | None:
    """The query text of a protocol request, or None when there is none."""
    if request.method == "GET":
        if "update" in request.args:
            raise refuse_update()
        return request.args.get("query")
    mimetype = request.mimetype
    if mimetype == "application/sparql-update":
        raise refuse_update()
    if mimetype == "application/sparql-query":
        try:
            return request.get_data(as_text=False).decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the query body is not UTF-8 text") from None
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if "update" in request.form:
            raise refuse_update()
        return request.form.get("query")
    raise HttpError(
        415,
        f"unsupported request body type {mimetype!r}: send application/sparql-query "
        "or application/x-www-form-urlencoded",
    )


def _media_type(form: QueryForm, html: bool) -> str:
    """The answer's media type, from the ``format`` parameter or else the Accept header."""
    offered = list(GRAPH_FORMATS if form.answers_graph else RESULT_FORMATS)
    wanted = request.values.get("format")
    if wanted:
        media = FORMAT_NAMES.get(wanted.lower(), wanted.lower())
        media = ALIASES.get(media, media)
        if form.answers_graph and media == "application/sparql-results+xml":
            media = "application/rdf+xml"
        if media not in offered:
            raise HttpError(
                400,
                f"format {wanted!r} is not offered for {form.value} queries; "
                f"choose one of {', '.join(offered)}",
            )
        return media
    choices = [*offered, *(ALIASES if not form.answers_graph else ()), *([HTML] if html else [])]
    best = request.accept_mimetypes.best_match(choices) if request.accept_mimetypes else offered[0]
    if best is None:
        raise HttpError(406, f"none of the accepted media types can be served; offered: {', '.join(offered)}")
    return ALIASES.get(best, best)


def _page(query: str = "") -> str:
    settings = current_app.config["MAILLAGE_SETTINGS"]
    return render_template(
        "sparql.html",
        questions=catalogue(),
        prefixes=PREFIXES_TEXT,
        endpoint=url_for("sparql.endpoint"),
        query=query,
        base_iri=current_app.config["MAILLAGE_BASE_IRI"],
        limits={"time_limit_s": settings.time_limit, "max_rows": settings.max_rows},
    )


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    """The SPARQL endpoint; a browser asking for HTML gets the query page."""
    endpoint = _endpoint()
    try:
        query = _read_query()
        if query is None:
            # best_match over what is offered: Chrome's Accept lists a more specific type after text/html.
            if (
                request.method == "GET"
                and request.accept_mimetypes.best_match([*RESULT_FORMATS, HTML]) == HTML
            ):
                return _page()
            raise HttpError(400, "no query: send it as the 'query' parameter (see /sparql in a browser)")
        if len(query.encode()) > endpoint.max_query_bytes:
            raise HttpError(413, f"the query is longer than {endpoint.max_query_bytes} bytes")
        form = check_query(query)
        media = _media_type(form, html=request.method == "GET")
        if media == HTML:
            return _page(query)
        answer = endpoint.answer(query, form, media)
    except (Refused, HttpError) as error:
        return _error(error.status, str(error))
    except (QueryTimeout, Busy, QueryTooLarge) as error:
        return _error(503, str(error))
    response = Response(answer.body, content_type=_content_type(media))
    if answer.truncated:
        response.headers[TRUNCATED_HEADER] = str(endpoint.max_rows)
    response.vary.add("Accept")
    return response


def _content_type(media: str) -> str:
    return (
        f"{media}; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else media
    )


def _error(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
