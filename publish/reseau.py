"""The /reseau page: the networks of :mod:`maillage.graph.networks`, drawn in the browser, with their filters.

``GET /reseau`` shows one network, chosen by the form (all parameters optional, repeated values OR-ed):

=============== =======================================================================================
``type``        ``partenaires`` (default), ``structures-partenaires``, ``structures``, ``mots-cles``
``niveau``      ``types`` (default) or ``organisations``: partner kinds or named organisations
``via``         ``partenaires`` (default) or ``mots-cles``: what structures share (``type=structures``)
``mot-cle``, ``dimension``, ``public``, ``statut``, ``initiative``: a concept's notation or French label
``departement`` an INSEE code or a name
``commune``     an INSEE code or a name: the actions of the structures located there, or whose texts
                name it as the action's place
``mentions``    ``1``: add the organisations cited in the action texts (``type=structures-partenaires``
                or ``partenaires``)
``couleur``     ``type`` (default): nodes coloured by kind; ``departement``: by département
=============== =======================================================================================

The page shows the interactive view (:mod:`maillage.publish.views`: vis-network served from /static, the
network in a JSON island), the tables of the most central nodes (:func:`maillage.graph.measures.top_table`)
and links to ``/reseau/export.<ext>`` with the same parameters, which sends the whole network as GraphML,
GEXF, JSON, CSV or a standalone HTML page (:func:`maillage.graph.network_export.write_network`).

The networks are read from the dataset's on-disk Oxigraph store, opened read-only in the web process (the
SPARQL workers keep their own copy); the choices of the form (concepts, départements and communes that
some action uses) are read once; the last few networks built are kept, measures included, keyed by the
dataset's version and the parameters (the colours are the view's, not part of the key).
"""

from __future__ import annotations

import io
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import networkx as nx
import pyoxigraph as ox
from flask import Blueprint, Flask, abort, current_app, render_template, request, send_file
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from maillage.graph.iris import ONTOLOGY
from maillage.graph.measures import add_measures, top_table
from maillage.graph.network_export import write_network
from maillage.graph.networks import (
    FIELD_LABELS,
    LEVELLED,
    NETWORKS,
    WITH_MENTIONS,
    Filters,
    Level,
    NetworkTooLarge,
    UnknownFilterValue,
    Via,
    build_network,
)
from maillage.graph.store import dataset_version, open_store
from maillage.graph.vocabulary import SCHEMES

from . import views
from .pages import request_context

blueprint = Blueprint("reseau", __name__)
blueprint.context_processor(request_context)
blueprint.add_app_template_filter(views.fr_int, "fr_int")
blueprint.add_app_template_filter(views.fr_float, "fr_float")

#: The network kinds, in the order of the form, with their French names.
KINDS = {
    "partenaires": "Partenaires associés sur une même action",
    "structures-partenaires": "Structures et leurs partenaires",
    "structures": "Structures qui partagent des partenaires ou des mots-clés",
    "mots-cles": "Mots-clés associés sur une même action",
}
assert set(KINDS) == set(NETWORKS), "a network kind of maillage.graph.networks has no French name here"
LEVELS = {Level.TYPE.value: "Types de partenaires (Caf, Commune…)",
          Level.ORGANISATION.value: "Organisations nommées (Caf de la Haute-Garonne…)"}
VIAS = {Via.PARTENAIRES.value: "Des partenaires", Via.MOTS_CLES.value: "Des mots-clés"}
COLOURS = {views.Colouring.TYPE.value: "Par type de nœud",
           views.Colouring.DEPARTEMENT.value: "Par département"}
#: The values of ``mentions`` that turn the layer of cited organisations on (a check box sends "1").
MENTIONS_ON = {"1", "on", "true", "oui"}


@dataclass(frozen=True)
class FilterField:
    """One filter of the form: its URL parameter, its :class:`Filters` field, its label."""

    param: str
    field: str
    label: str
    any_label: str  # the "no restriction" choice
    counted: bool = True  # choices labelled with their number of actions (communes: with their code)


#: The filters, in the order of the form.
FILTERS = (
    FilterField("mot-cle", "mots_cles", "Mot-clé", "Tous les mots-clés"),
    FilterField("dimension", "dimensions", "Dimension", "Toutes les dimensions"),
    FilterField("public", "publics", "Public", "Tous les publics"),
    FilterField("statut", "statuts", "Statut", "Tous les statuts"),
    FilterField("initiative", "initiateurs", "Initiative", "Toutes les initiatives"),
    FilterField("departement", "departements", "Département", "Tous les départements"),
    FilterField("commune", "communes", "Commune", "Toutes les communes", counted=False),
)
#: Filters field -> the record key of maillage.graph.vocabulary.SCHEMES (concept class and property).
SCHEME_OF = {"mots_cles": "mots_cles", "dimensions": "dimensions", "publics": "public", "statuts": "statut",
             "initiateurs": "initiative"}

#: Export formats: extension -> (French name, MIME type).
EXPORTS = {
    "graphml": ("GraphML", "application/graphml+xml"),
    "gexf": ("GEXF (Gephi)", "application/gexf+xml"),
    "json": ("JSON", "application/json"),
    "csv": ("CSV", "text/csv"),
    "html": ("Page autonome (HTML)", "text/html"),
}

#: How many built networks the page keeps (with their measures).
CACHE_SIZE = 16
MEASURES_SEED = 42


# ---- Parameters -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """What the form asks for: a network kind, its options and its filters, and how the view colours it.

    ``mentions`` is only ever true for the kinds that take it (:data:`WITH_MENTIONS`).
    """

    kind: str = "partenaires"
    level: str = Level.TYPE.value
    via: str = Via.PARTENAIRES.value
    filters: Filters = field(default_factory=Filters)
    mentions: bool = False
    colour: str = views.Colouring.TYPE.value

    def key(self) -> tuple:
        """What the network depends on (the colours are the view's: one network for both)."""
        return (self.kind, self.level, self.via, self.filters, self.mentions)

    def query(self) -> str:
        """The URL query string that asks for this network again (and its colours)."""
        pairs: list[tuple[str, str]] = [("type", self.kind)]
        if self.kind in LEVELLED:
            pairs.append(("niveau", self.level))
        if self.kind == "structures":
            pairs.append(("via", self.via))
        if self.mentions:
            pairs.append(("mentions", "1"))
        for item in FILTERS:
            pairs.extend((item.param, value) for value in getattr(self.filters, item.field))
        if self.colour != views.Colouring.TYPE.value:
            pairs.append(("couleur", self.colour))
        return urlencode(pairs)

    def selected(self, param: str) -> list[str]:
        for item in FILTERS:
            if item.param == param:
                return list(getattr(self.filters, item.field))
        return []


class BadParameter(ValueError):
    """A parameter of the form that names nothing (French message)."""


def parse_choice(args: MultiDict[str, str]) -> Choice:
    """The network the query string asks for; :class:`BadParameter` for an unknown kind, level or via."""
    kind = (args.get("type") or "partenaires").strip()
    if kind not in NETWORKS:
        raise BadParameter(f"type de réseau inconnu : « {kind} » (valeurs possibles : {', '.join(KINDS)})")
    level = (args.get("niveau") or Level.TYPE.value).strip()
    if level not in LEVELS:
        raise BadParameter(f"niveau inconnu : « {level} » (valeurs possibles : {', '.join(LEVELS)})")
    via = (args.get("via") or Via.PARTENAIRES.value).strip()
    if via not in VIAS:
        raise BadParameter(f"« via » inconnu : « {via} » (valeurs possibles : {', '.join(VIAS)})")
    colour = (args.get("couleur") or views.Colouring.TYPE.value).strip()
    if colour not in COLOURS:
        raise BadParameter(f"couleur inconnue : « {colour} » (valeurs possibles : {', '.join(COLOURS)})")
    mentions = kind in WITH_MENTIONS and (args.get("mentions") or "").strip().casefold() in MENTIONS_ON
    values = {item.field: tuple(v for v in args.getlist(item.param) if v.strip()) for item in FILTERS}
    return Choice(kind, level, via, Filters(**values), mentions, colour)


# ---- The dataset: store, form choices, built networks -----------------------------------------------

@dataclass
class Networks:
    """The web process's read-only view of the dataset, and its cache of built networks."""

    folder: Path
    store: ox.Store
    version: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: OrderedDict = field(default_factory=OrderedDict)
    options: dict[str, list[tuple[str, str]]] | None = None

    def network(self, choice: Choice) -> tuple[nx.Graph, dict[str, Any]]:
        """The network ``choice`` asks for, with its measures (built once, then kept)."""
        key = choice.key()
        with self.lock:  # one build at a time: a large network takes memory and seconds
            if key in self.cache:
                self.cache.move_to_end(key)
                return self.cache[key]
            graph = build_network(self.store, choice.kind, choice.filters, level=choice.level, via=choice.via,
                                  mentions=choice.mentions)
            summary = add_measures(graph, seed=MEASURES_SEED)
            self.cache[key] = (graph, summary)
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
            return graph, summary

    def choices(self) -> dict[str, list[tuple[str, str]]]:
        """URL parameter -> [(value, French label with its number of actions)], for the form's selects."""
        with self.lock:
            if self.options is None:
                self.options = read_choices(self.store)
            return self.options


def _choices_query(item: FilterField) -> str:
    """The SELECT of a filter's choices: ?value (what the URL carries), ?label, ?actions (their number)."""
    if item.field == "departements":
        return """
            SELECT ?value ?label ?actions WHERE {
              { SELECT ?concept (COUNT(DISTINCT ?action) AS ?actions)
                WHERE { ?action a mlg:Action ; mlg:departement ?concept . } GROUP BY ?concept }
              ?concept igeo:codeINSEE ?code ; rdfs:label ?label .
              BIND(STR(?code) AS ?value)
            }"""
    if item.field == "communes":  # the same two links as the filter (maillage.graph.networks)
        return """
            SELECT ?value ?label ?actions WHERE {
              { SELECT ?concept (COUNT(DISTINCT ?action) AS ?actions) WHERE {
                  { ?action mlg:structureOrganisatrice/mlg:commune ?concept . }
                  UNION { ?action mlg:communeConcernee ?concept . }
                } GROUP BY ?concept }
              ?concept a igeo:Commune ; igeo:codeINSEE ?code ; rdfs:label ?nom .
              BIND(STR(?code) AS ?value)
              BIND(CONCAT(STR(?nom), " (", STR(?code), ")") AS ?label)
            }"""
    _, cls, prop = SCHEMES[SCHEME_OF[item.field]]
    return f"""
            SELECT ?value ?label ?actions WHERE {{
              {{ SELECT ?concept (COUNT(DISTINCT ?action) AS ?actions)
                 WHERE {{ ?action mlg:{prop} ?concept . }} GROUP BY ?concept }}
              ?concept a mlg:{cls} ; skos:notation ?notation ; skos:prefLabel ?label .
              FILTER(LANG(?label) = "fr")
              BIND(STR(?notation) AS ?value)
            }}"""


def read_choices(store: ox.Store) -> dict[str, list[tuple[str, str]]]:
    """The concepts of each filter's scheme, the départements and the communes that some action uses,
    labelled with their number of actions (communes with their INSEE code: "Léguevin (31291)")."""
    prefixes = (f"PREFIX mlg: <{ONTOLOGY}>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "PREFIX igeo: <http://rdf.insee.fr/def/geo#>\n")
    choices: dict[str, list[tuple[str, str]]] = {}
    for item in FILTERS:
        found: dict[str, tuple[str, int]] = {}
        for row in store.query(prefixes + _choices_query(item)):
            value, label, actions = (row[name] for name in ("value", "label", "actions"))
            if value is None or label is None:
                continue
            count = int(actions.value) if actions is not None else 0
            found.setdefault(value.value, (label.value, count))
        ordered = sorted(found.items(), key=lambda kv: (_sort_key(kv[1][0]), kv[0]))
        choices[item.param] = [
            (value, f"{label} ({views.plural(count, 'action', 'actions')})" if item.counted else label)
            for value, (label, count) in ordered
        ]
    return choices


def _sort_key(text: str) -> str:
    """French alphabetical order, near enough: accents and case ignored (« Éducation » after « Culture »)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def networks_of(app: Flask) -> Networks:
    """The app's :class:`Networks`, opened on first use (``MAILLAGE_DATA`` is the dataset folder)."""
    state = app.extensions.get("maillage.reseau")
    if state is not None and app.config.get("MAILLAGE_REMOTE"):
        return state  # read from a remote endpoint: a rebuilt local folder must not take its place
    folder = Path(app.config["MAILLAGE_DATA"])
    version = dataset_version(folder)
    if state is None or state.version != version:
        with _OPENING:
            state = app.extensions.get("maillage.reseau")
            if state is None or state.version != version:
                state = Networks(folder, open_store(folder, "disk"), version)
                app.extensions["maillage.reseau"] = state
    return state


_OPENING = threading.Lock()


# ---- Pages ------------------------------------------------------------------------------------------

def _form_fields(choice: Choice, choices: Mapping[str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """The filter selects: parameter, label, options, and the values selected (kept even when unknown)."""
    fields_ = []
    for item in FILTERS:
        options = list(choices.get(item.param, []))
        selected = choice.selected(item.param)
        known = {value for value, _ in options}
        options += [(value, value) for value in selected if value not in known]
        fields_.append({"param": item.param, "label": item.label, "any": item.any_label,
                        "options": options, "selected": selected})
    return fields_


def _tops(graph: nx.Graph) -> list[dict[str, Any]]:
    """measures.top_table as the view's tables: degré pondéré, PageRank, intermédiarité."""
    if graph.number_of_nodes() == 0:
        return []
    table = top_table(graph, 10)
    tops = []
    for measure, title, description in views.TOP_MEASURES:
        rows = [{"label": label, "iri": iri, "value": views.fr_float(value, 3)}
                for label, iri, value in table.get(measure, [])]
        tops.append({"measure": measure, "title": title, "description": description, "rows": rows})
    return tops


@blueprint.get("/reseau")
def page() -> tuple[str, int] | str:
    state = networks_of(current_app)
    status = 200
    error = None
    try:
        choice = parse_choice(request.args)
    except BadParameter as err:
        choice, error, status = Choice(), str(err), 400

    graph: nx.Graph | None = None
    view = None
    tops: list[dict[str, Any]] = []
    if error is None:
        try:
            graph, _ = state.network(choice)
        except UnknownFilterValue as err:
            error, status = f"Filtre inconnu — {err}", 400
        except NetworkTooLarge as err:
            error, status = f"Réseau trop grand : {err}.", 413
    if graph is not None:
        view = views.view_data(graph, colour=choice.colour)
        tops = _tops(graph)

    html = render_template(
        "reseau.html",
        choice=choice,
        kinds=KINDS,
        levels=LEVELS,
        vias=VIAS,
        colours=COLOURS,
        levelled=LEVELLED,
        with_mentions=WITH_MENTIONS,
        filters=_form_fields(choice, state.choices()),
        graph=graph,
        description=graph.graph.get("filters") if graph is not None else None,
        view=view,
        tops=tops,
        exports=EXPORTS,
        query=choice.query(),
        error=error,
        field_labels=FIELD_LABELS,
    )
    return html, status


@blueprint.get("/reseau/export.<ext>")
def export(ext: str) -> Response:
    """The whole network (measures included) as a file, with the page's parameters."""
    if ext not in EXPORTS:
        abort(404)
    try:
        choice = parse_choice(request.args)
        graph, _ = networks_of(current_app).network(choice)
    except (BadParameter, UnknownFilterValue) as err:
        return Response(f"{err}\n", status=400, mimetype="text/plain")
    except NetworkTooLarge as err:
        return Response(f"Réseau trop grand : {err}.\n", status=413, mimetype="text/plain")

    name = f"reseau-{choice.kind}"
    with tempfile.TemporaryDirectory(prefix="maillage-reseau-") as folder:
        path = Path(folder) / f"{name}.{ext}"
        write_network(graph, path, view={"colour": choice.colour})
        data = path.read_bytes()
    return send_file(io.BytesIO(data), mimetype=EXPORTS[ext][1], as_attachment=True,
                     download_name=f"{name}.{ext}", max_age=0)
