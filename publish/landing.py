"""The landing page and the downloads page: what the dataset is, what it counts, where to go from here."""

from __future__ import annotations

import json

from maillage.graph.downloads import File
from maillage.graph.overview import Overview

from .pages import render

#: The reviewed concept schemes, linked from the landing page: path -> French title.
SCHEMES = {
    "concept/mots-cles": "Mots-clés",
    "concept/dimensions": "Dimensions",
    "concept/publics": "Publics",
    "concept/types-partenaires": "Types de partenaires",
    "concept/initiateurs": "Initiateurs",
    "concept/echelles-territoriales": "Échelles territoriales",
    "concept/statuts": "Statuts",
}


def script_json(data: object) -> str:
    """JSON that can sit inside a <script> element: '<', '>' and '&' escaped, so no data closes it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def landing_html(
    facts: Overview,
    files: list[File],
    schema_org: dict | None,
    *,
    base_iri: str,
    static_site: bool,
    endpoint: str | None,
) -> str:
    """The landing page (site path ``index.html``)."""
    return render(
        "accueil.html",
        path="index.html",
        static_site=static_site,
        endpoint=endpoint,
        section="accueil",
        facts=facts,
        files=files,
        schemes=SCHEMES,
        base_iri=base_iri,
        schema_org=script_json(schema_org) if schema_org else None,
    )


def downloads_html(files: list[File], *, static_site: bool, endpoint: str | None) -> str:
    """The downloads page (site path ``donnees/index.html``)."""
    return render(
        "donnees.html",
        path="donnees/index.html",
        static_site=static_site,
        endpoint=endpoint,
        section="donnees",
        files=files,
    )
