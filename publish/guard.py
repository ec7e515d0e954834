"""What the public endpoint agrees to run: read queries that make the server fetch nothing.

Oxigraph would execute ``SERVICE`` (an outbound HTTP request, with no timeout) and its Python API cannot
turn that off, so every query is parsed with a real SPARQL parser (rdflib's) before it reaches the store,
and refused if it is an update or holds a ``SERVICE`` clause anywhere. A regular expression over the text
would be fooled by comments, strings and case; the parse tree is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue


class QueryForm(StrEnum):
    """The four forms of SPARQL query: two answer with result tables, two with graphs."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def answers_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


class Refused(Exception):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    status = 400


class MalformedQuery(Refused):
    status = 400


class UpdateRefused(Refused):
    status = 403


class FetchRefused(Refused):
    status = 403


_FORMS = {
    "SelectQuery": QueryForm.SELECT,
    "AskQuery": QueryForm.ASK,
    "ConstructQuery": QueryForm.CONSTRUCT,
    "DescribeQuery": QueryForm.DESCRIBE,
}


def _nodes(tree: Any) -> Iterator[CompValue]:
    """Every node of a parse tree."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or hasattr(node, "asList"):
            stack.extend(list(node))


def _parse_error(error: ParseBaseException) -> str:
    return f"line {error.lineno}, column {error.col}: {error.msg}"


@lru_cache(maxsize=2048)
def check_query(query: str) -> QueryForm:
    """The form of an acceptable query; raises :class:`Refused` (with a message for people) otherwise."""
    try:
        tree = parseQuery(query)
    except ParseBaseException as error:
        if _is_update(query):
            raise UpdateRefused(
                "this endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP…) are refused"
            ) from None
        raise MalformedQuery(f"the query is not valid SPARQL: {_parse_error(error)}") from None
    except RecursionError:
        raise MalformedQuery("the query is nested too deeply to be read") from None
    form = next((_FORMS[node.name] for node in _nodes(tree) if node.name in _FORMS), None)
    if form is None:
        raise MalformedQuery("the query is not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if any(node.name == "ServiceGraphPattern" for node in _nodes(tree)):
        raise FetchRefused(
            "SERVICE is refused: this endpoint never fetches other endpoints or URLs "
            "(federated queries are off)"
        )
    return form


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except (ParseBaseException, RecursionError):
        return False
    return True


def refuse_update() -> UpdateRefused:
    """The refusal for a request sent as a SPARQL Update (``update=`` or ``application/sparql-update``)."""
    return UpdateRefused("this endpoint is read-only: SPARQL Update requests are refused")
