"""Rendering pages outside any request, so that the server and the static site write the same HTML.

Every link a page carries is relative to the page itself (``root`` leads back to the site's root), so
the same bytes work behind a proxy under any prefix, on the server and opened from a static host.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    """The Jinja environment of the standalone pages: autoescaped, like Flask's."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def root_of(path: str) -> str:
    """The relative prefix that leads from the page at site path ``path`` back to the site's root.

    ``action/31/centre/titre.html`` -> ``../../../``; ``index.html`` or ``sparql`` -> ``''``.
    """
    return "../" * path.strip("/").count("/")


def nav_links(root: str, static_site: bool, endpoint: str | None) -> dict[str, str | None]:
    """The header's links from a page at ``root``: the server's routes, or the static site's files.

    ``endpoint`` is the query page's address (None: a static site with no endpoint has no query link).
    """
    return {
        "home": f"{root}index.html",
        "sparql": endpoint,
        "reseau": f"{root}reseau.html" if static_site else f"{root}reseau",
        "donnees": f"{root}donnees/index.html",
        "catalogue": f"{root}catalogue.html",
        "ontologie": f"{root}ontologie.html",
    }


def request_context() -> dict[str, Any]:
    """What the base template needs, for a page Flask renders (the server's query and network pages)."""
    from flask import request

    root = root_of(request.path)
    return {"root": root, "links": nav_links(root, False, f"{root}sparql"), "section": request.blueprint}


def render(template: str, *, path: str, static_site: bool, endpoint: str | None, **context: Any) -> str:
    """The page ``template`` for the site path ``path`` (what the base template needs is added here)."""
    root = root_of(path)
    return (
        environment()
        .get_template(template)
        .render(root=root, links=nav_links(root, static_site, endpoint), **context)
    )
