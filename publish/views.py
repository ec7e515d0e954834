"""Interactive network views: a networkx graph as vis-network data, and as one standalone HTML file.

A view is drawn in the browser by vis-network (vendored in ``static/vendor/vis-network``: no CDN). This
module turns a network from :mod:`maillage.graph.networks` (nodes keyed by IRI with ``label``, ``kind``,
``actions``, ``departement`` and, once :func:`maillage.graph.measures.add_measures` ran, ``degre``,
``degre_pondere``, ``pagerank``, ``intermediarite``, ``communaute``; edges with ``weight``, ``actions`` and
``titles``) into plain data for vis-network: colour and shape by kind (vis-network *groups*), node size by
weighted degree, edge width by weight, and French tooltips as plain text lines, which ``static/reseau.js``
turns into DOM elements with ``textContent`` (vis-network renders a string title with ``innerText`` anyway).

**Colour by département.** With ``colour="departement"`` (:class:`Colouring`) the shape still tells the
kind, but each node is filled with its département's colour: :data:`PALETTE` taken in the order of the
sorted département codes of the nodes shown, so the same network always gets the same colours; a node
with no département (a partner kind, a keyword) is grey, "Sans département". The legend then lists the
départements shown with their colours, and the kinds by their shapes.

**Escaping.** Every text that comes from a fiche travels in a ``<script type="application/json">`` island
written with Jinja's ``tojson`` (``<``, ``>``, ``&`` and ``'`` become ``\\u003c``…), is read back with
``JSON.parse`` and is inserted as text; the templates are rendered with autoescape on. Nothing from the data
is ever put in JavaScript source or in HTML markup.

**Size budget.** Above :data:`MAX_NODES` nodes or :data:`MAX_EDGES` edges the view keeps the strongest ties
(:func:`prune`) and says so on the page. The budget comes from measurements in Chromium (headless, software
rendering, vis-network 10.1.5, forceAtlas2Based, 200 stabilisation iterations): the layout settles in
≈0.9 s at 300 nodes / 1,000 edges, ≈1.3 s at 500 / 2,500, ≈2.2 s at 1,000 / 4,000 and ≈5.3 s at
2,000 / 8,000; once physics is frozen a redraw takes under 30 ms at any of these sizes. 500 nodes and
2,500 edges keep the first drawing under about a second and a half, and is also about as many labelled
nodes as a screen can show legibly. Larger networks are better read in Gephi (GEXF export).

**Physics that settles.** The layout is stabilised in the browser with a bounded number of iterations
(forceAtlas2Based), then physics is switched off (``stabilizationIterationsDone``): nodes stay where they
are, dragging one moves only it.

**pyvis.** The issue names pyvis; it is used here for what it does well, building the vis-network
*options* (physics solver and its parameters, stabilisation, edge smoothing, interaction) through its
``Network`` methods. Its data path and its HTML are not used: ``Network.from_nx`` is quadratic (each
``add_edge`` scans every edge already added and the node list; 1.2 s at 2,000 nodes / 6,000 edges, about
two minutes at 20,000 nodes), it writes the networkx graph's ``size`` attribute back into the graph, and it
passes every node attribute through to the page; its template loads Bootstrap (and, with
``cdn_resources="local"``, vis-network) from CDNs and renders without autoescape (see
``shared/design/publishing-peers.md`` §3). Nodes and edges are built here in linear time instead.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .security import inline_policy

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
VIS_NETWORK = STATIC / "vendor" / "vis-network"

#: Above this many nodes, or :data:`MAX_EDGES` edges, the view is pruned (see the module docstring).
MAX_NODES = 500
MAX_EDGES = 2_500
#: When pruning: each node keeps its TOP_K strongest edges…
TOP_K = 5
#: …of weight at least MIN_WEIGHT (lowered to the graph's largest weight if no edge reaches it).
MIN_WEIGHT = 2
#: Edge tooltips list at most this many action titles, then "… et N autres".
MAX_TITLES = 10
#: Canvas labels longer than this are shortened with "…" (the tooltip and the search keep the full label).
MAX_LABEL = 40


@dataclass(frozen=True)
class Kind:
    """How one kind of node is named and drawn."""

    name: str  # French, singular
    plural: str  # French, plural
    colour: str
    shape: str  # a vis-network shape
    symbol: str  # the legend's SVG path, in a 16×16 box


KINDS: dict[str, Kind] = {
    "structure": Kind("Structure (centre social, EVS)", "Structures (centres sociaux, EVS)", "#1d4e89", "dot",
                      "M8 2a6 6 0 1 0 0 12A6 6 0 1 0 8 2z"),
    "type-partenaire": Kind("Type de partenaire", "Types de partenaires", "#c2410c", "diamond",
                            "M8 1.5 14.5 8 8 14.5 1.5 8z"),
    "organisation": Kind("Organisation partenaire", "Organisations partenaires", "#2e7d32", "square",
                         "M2.5 2.5h11v11h-11z"),
    "mot-cle": Kind("Mot-clé", "Mots-clés", "#7b3fa0", "triangle", "M8 2 14.5 13.5h-13z"),
    "organisation-citee": Kind("Organisation citée dans les textes", "Organisations citées dans les textes",
                               "#b45309", "hexagon", "M4.5 2h7L15 8l-3.5 6h-7L1 8z"),
}
OTHER_KIND = Kind("Autre", "Autres", "#6b7785", "ellipse", "M1.5 8a6.5 4.5 0 1 0 13 0a6.5 4.5 0 1 0-13 0z")


def kind_of(name: str) -> Kind:
    return KINDS.get(name, OTHER_KIND)


class Colouring(StrEnum):
    """What fills a node: its kind (the default) or its département."""

    TYPE = "type"
    DEPARTEMENT = "departement"


#: The départements' colours, given in the order of their sorted codes (then again, past twelve): distinct
#: hues of similar weight, none grey, each readable beside a dark label.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2",
           "#bcbd22", "#005f73", "#ae2012", "#6a4c93")
#: The fill of the nodes without a département, and its legend.
NO_DEPARTEMENT = "Sans département"
NO_DEPARTEMENT_COLOUR = "#9aa5b1"
#: The fill of the kinds' symbols in the legend when colours tell départements: only the shape counts.
SHAPE_COLOUR = "#4d5b6b"


def node_colour(colour: str) -> dict[str, Any]:
    """vis-network's colour of a node filled with ``colour``: border, highlighted and hovered states."""
    return {"background": colour, "border": "#ffffff",
            "highlight": {"background": colour, "border": "#f0a93b"},
            "hover": {"background": colour, "border": "#1b2430"}}


# ---- French number formatting ----------------------------------------------------------------------

def fr_int(value: float) -> str:
    """12345 -> '12 345' (narrow no-break space, as French typography wants)."""
    return f"{round(value):,}".replace(",", "\u202f")


def fr_float(value: float, digits: int = 3) -> str:
    """0.1234 -> '0,123'; integers lose no digit ('12' stays '12')."""
    if float(value).is_integer():
        return fr_int(value)
    text = f"{value:.{digits}g}" if abs(value) < 1 else f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def plural(count: int, one: str, many: str) -> str:
    return f"{fr_int(count)}\u00a0{one if count == 1 else many}"


# ---- Reading a network ------------------------------------------------------------------------------

def _weight(data: Mapping[str, Any]) -> float:
    weight = data.get("weight", 1)
    return float(weight) if isinstance(weight, int | float) and not isinstance(weight, bool) else 1.0


def _strengths(G: nx.Graph) -> dict[Any, float]:
    """Each node's weighted degree: the ``degre_pondere`` measure when present, else the sum of weights."""
    strength = {node: 0.0 for node in G}
    for u, v, data in G.edges(data=True):
        w = _weight(data)
        strength[u] += w
        if v != u:
            strength[v] += w
    for node, data in G.nodes(data=True):
        value = data.get("degre_pondere")
        if isinstance(value, int | float) and not isinstance(value, bool):
            strength[node] = float(value)
    return strength


def _label(node: Any, data: Mapping[str, Any]) -> str:
    label = data.get("label")
    return str(label) if label not in (None, "") else str(data.get("iri", node))


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _edge_key(u: Any, v: Any) -> tuple[str, str]:
    a, b = str(u), str(v)
    return (a, b) if a <= b else (b, a)


# ---- Pruning ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pruning:
    """What :func:`prune` kept, for the note on the page."""

    nodes: int  # in the full network
    edges: int
    kept_nodes: int
    kept_edges: int
    top_k: int
    min_weight: float
    max_nodes: int
    max_edges: int
    node_cut: bool  # the node budget applied: only the strongest nodes were kept
    edge_cut: bool  # the edge budget applied: only the strongest edges were kept

    def note(self) -> str:
        """The French sentence that says what the view shows."""
        parts = [
            f"Réseau réduit pour rester lisible : {plural(self.kept_nodes, 'nœud', 'nœuds')} sur "
            f"{fr_int(self.nodes)} et {plural(self.kept_edges, 'lien', 'liens')} sur {fr_int(self.edges)} "
            f"sont affichés (au-delà de {fr_int(self.max_nodes)} nœuds ou {fr_int(self.max_edges)} liens, "
            "la vue ne garde que les liens les plus forts)."
        ]
        rules = []
        if self.node_cut:
            rules.append(f"les {fr_int(self.max_nodes)} nœuds au plus fort degré pondéré")
        rules.append(f"pour chaque nœud, ses {fr_int(self.top_k)} liens les plus forts")
        if self.min_weight > 1:
            rules.append(f"de poids au moins {fr_float(self.min_weight)}")
        if self.edge_cut:
            rules.append(f"puis les {fr_int(self.max_edges)} liens les plus forts de l'ensemble")
        parts.append("Sont gardés : " + ", ".join(rules) + " ; les nœuds restés sans lien sont masqués.")
        parts.append("Les mesures (degrés, PageRank…) sont celles du réseau complet, "
                     "que les exports GEXF et GraphML contiennent en entier.")
        return " ".join(parts)


def prune(G: nx.Graph, *, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES, top_k: int = TOP_K,
          min_weight: float = MIN_WEIGHT) -> tuple[nx.Graph, Pruning | None]:
    """The part of ``G`` a browser can draw: ``G`` itself within the budget, else its strongest ties.

    Above ``max_nodes`` nodes or ``max_edges`` edges: keep the ``max_nodes`` nodes of highest weighted
    degree; among them, each node keeps its ``top_k`` strongest edges of weight ≥ ``min_weight`` (an edge
    stays when it is among the strongest of either end); if more than ``max_edges`` remain, the strongest
    ``max_edges``; nodes left without an edge are dropped. Ties are broken by label then IRI, so the
    result does not depend on insertion order. Returns the view's graph (a subgraph view of ``G``) and
    what was kept (``None`` when nothing was cut).
    """
    n, m = G.number_of_nodes(), G.number_of_edges()
    if n <= max_nodes and m <= max_edges:
        return G, None

    strength = _strengths(G)
    labels = {node: _label(node, data) for node, data in G.nodes(data=True)}
    order = {node: (-strength[node], labels[node].casefold(), str(node)) for node in G}

    nodes: Iterable[Any] = G
    node_cut = n > max_nodes
    if node_cut:
        nodes = heapq.nsmallest(max_nodes, G, key=order.__getitem__)
    H = G.subgraph(nodes)

    weights = [_weight(data) for _, _, data in H.edges(data=True)]
    effective_min = min(min_weight, max(weights)) if weights else min_weight

    def edge_rank(u: Any, v: Any, w: float) -> tuple:
        return (-w, *sorted((order[u][1:], order[v][1:])))

    kept: dict[tuple[str, str], tuple[Any, Any, float]] = {}
    for u in H:
        incident = [(v, _weight(data)) for v, data in H[u].items()
                    if v != u and _weight(data) >= effective_min]
        for v, w in heapq.nsmallest(top_k, incident, key=lambda item, u=u: edge_rank(u, item[0], item[1])):
            kept[_edge_key(u, v)] = (u, v, w)

    edges = list(kept.values())
    edge_cut = len(edges) > max_edges
    if edge_cut:
        edges = heapq.nsmallest(max_edges, edges, key=lambda e: edge_rank(*e))
    view = G.edge_subgraph((u, v) for u, v, _ in edges)
    return view, Pruning(n, m, view.number_of_nodes(), view.number_of_edges(), top_k, effective_min,
                         max_nodes, max_edges, node_cut, edge_cut)


# ---- Tooltips ---------------------------------------------------------------------------------------

def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _texts(value: Any) -> list[str]:
    """A list attribute's items as text (a single string is one item; None and "" are none)."""
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in items if item not in (None, "")]


def node_tooltip(node: Any, data: Mapping[str, Any], *, degree: int, strength: float,
                 shown_degree: int | None = None) -> str:
    """The node's French tooltip, as plain text lines (the first line is its label)."""
    lines = [_label(node, data), kind_of(str(data.get("kind", ""))).name]
    departement = data.get("departement")
    if departement not in (None, ""):
        lines.append(f"Département : {departement}")
    communes = _texts(data.get("communes"))
    if communes:
        lines.append(f"{'Communes' if len(communes) > 1 else 'Commune'} : {', '.join(communes)}")
    actions = _number(data.get("actions"))
    if actions is not None:
        lines.append(f"Actions : {fr_int(actions)}")
    links = f"Liens : {fr_int(degree)}"
    if shown_degree is not None and shown_degree != degree:
        links += f" (dont {fr_int(shown_degree)} affichés)"
    lines.append(f"{links} · degré pondéré : {fr_float(strength)}")
    measures = []
    pagerank = _number(data.get("pagerank"))
    if pagerank is not None:
        measures.append(f"PageRank : {fr_float(pagerank)}")
    betweenness = _number(data.get("intermediarite"))
    if betweenness is not None:
        measures.append(f"intermédiarité : {fr_float(betweenness)}")
    if measures:
        lines.append(" · ".join(measures))
    community = data.get("communaute")
    if community not in (None, ""):
        lines.append(f"Communauté : {community}")
    return "\n".join(lines)


def edge_tooltip(u_label: str, v_label: str, data: Mapping[str, Any], *, max_titles: int = MAX_TITLES) -> str:
    """The edge's French tooltip: its two ends, its weight, and the titles of the actions behind it."""
    lines = [f"{u_label} — {v_label}", f"Poids : {fr_float(_weight(data))}"]
    actions = data.get("actions") or []
    titles = [str(title) for title in (data.get("titles") or []) if title not in (None, "")]
    count = max(len(actions), len(titles))
    if count:
        lines.append(f"Actions en commun : {fr_int(count)}")
    shared = [str(label) for label in (data.get("libelles_partages") or []) if label not in (None, "")]
    if shared:
        more = f" et {fr_int(len(shared) - max_titles)} autres" if len(shared) > max_titles else ""
        lines.append(f"En commun : {', '.join(shared[:max_titles])}{more}")
    for title in titles[:max_titles]:
        lines.append(f"• {title}")
    if count > min(len(titles), max_titles) and titles:
        rest = count - min(len(titles), max_titles)
        lines.append(f"… et {fr_int(rest)} {'autre' if rest == 1 else 'autres'}")
    return "\n".join(lines)


# ---- vis-network options (built with pyvis) ---------------------------------------------------------

def vis_options(node_count: int, edge_count: int) -> dict[str, Any]:
    """vis-network options for a view of this size: pyvis builds the physics and interaction part."""
    from pyvis.network import Network  # imports IPython: only when a view is made

    big = node_count > 150 or edge_count > 600
    net = Network(directed=False)
    # forceAtlas2Based: linear repulsion, masses grow with degree, so hubs spread out and leaves gather
    # around them; settles faster than barnesHut on these networks (measured, module docstring).
    net.force_atlas_2based(gravity=-60, central_gravity=0.012, spring_length=120, spring_strength=0.06,
                           damping=0.5, overlap=0.4)
    stabilisation = net.options.physics.stabilization
    stabilisation.iterations = 200 if big else 400
    stabilisation.updateInterval = 25
    stabilisation.fit = True
    net.inherit_edge_colors(False)
    net.options.edges.smooth.enabled = not big
    net.options.edges.smooth.type = "continuous"
    net.toggle_hide_edges_on_drag(edge_count > 1_000)
    options = json.loads(net.options.to_json())

    options["physics"]["minVelocity"] = 0.75
    options["edges"]["color"] = {"color": "#9aa7b5", "highlight": "#1d4e89", "hover": "#4d5b6b",
                                 "inherit": False, "opacity": 0.75}
    options["edges"]["scaling"] = {"min": 1, "max": 8}
    options["edges"]["selectionWidth"] = 1.5
    options["edges"]["hoverWidth"] = 1
    options["nodes"] = {
        "borderWidth": 1,
        "borderWidthSelected": 3,
        "font": {"face": "system-ui, sans-serif", "color": "#1b2430", "strokeWidth": 3,
                 "strokeColor": "#ffffff"},
        "scaling": {"min": 8, "max": 34,
                    "label": {"enabled": True, "min": 11, "max": 18, "maxVisible": 26, "drawThreshold": 6}},
    }
    options["groups"] = {
        name: {"shape": kind.shape, "color": node_colour(kind.colour)}
        for name, kind in [*KINDS.items(), ("autre", OTHER_KIND)]
    }
    options["interaction"].update({"hover": True, "tooltipDelay": 120, "navigationButtons": False,
                                   "keyboard": {"enabled": True, "bindToWindow": False},
                                   "multiselect": False, "hideEdgesOnZoom": edge_count > 1_000})
    # improvedLayout (Kamada-Kawai seeding) is slow on large networks; a fixed seed gives the same picture
    # at every load.
    options["layout"] = {"randomSeed": 7, "improvedLayout": node_count <= 150}
    return options


# ---- The view's data --------------------------------------------------------------------------------

def legend(G: nx.Graph) -> list[dict[str, Any]]:
    """The kinds present in ``G``, in a fixed order, with their French name, colour, shape and count."""
    counts: dict[str, int] = {}
    for _, data in G.nodes(data=True):
        name = str(data.get("kind", ""))
        name = name if name in KINDS else "autre"
        counts[name] = counts.get(name, 0) + 1
    order = [*KINDS, "autre"]
    return [
        {"kind": name, "name": kind.name, "plural": kind.plural, "colour": kind.colour, "shape": kind.shape,
         "symbol": kind.symbol, "count": counts[name]}
        for name in order if name in counts
        for kind in [kind_of(name)]
    ]


def _departement_of(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """A node's département as (INSEE code, name), or None when it has none."""
    code = str(data.get("code_departement") or "")
    name = str(data.get("departement") or "")
    return (code, name or code) if code or name else None


def departement_legend(G: nx.Graph) -> tuple[list[dict[str, Any]], dict[Any, str]]:
    """The départements of ``G``'s nodes with their colour and count, and each node's fill.

    Colours are :data:`PALETTE`'s in the order of the sorted codes, so they depend only on which
    départements are shown; the nodes without one come last, grey, as "Sans département".
    """
    places = {node: _departement_of(data) for node, data in G.nodes(data=True)}
    found = sorted({place for place in places.values() if place is not None})
    colours: dict[tuple[str, str] | None, str] = {
        place: PALETTE[index % len(PALETTE)] for index, place in enumerate(found)
    }
    colours[None] = NO_DEPARTEMENT_COLOUR
    counts: dict[tuple[str, str] | None, int] = {}
    for place in places.values():
        counts[place] = counts.get(place, 0) + 1
    names = {(code, name): f"{name} ({code})" if code and name != code else name for code, name in found}
    names[None] = NO_DEPARTEMENT
    entries = [{"code": place[0] if place else "", "name": names[place], "colour": colours[place],
                "count": counts[place]} for place in [*found, None] if place in counts]
    fills = {node: colours[place] for node, place in places.items()}
    return entries, fills


def view_data(G: nx.Graph, *, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES, top_k: int = TOP_K,
              min_weight: float = MIN_WEIGHT, colour: Colouring | str = Colouring.TYPE) -> dict[str, Any]:
    """``G`` as plain data for vis-network (JSON-serialisable), pruned above the budget.

    Keys: ``nodes`` and ``edges`` (vis-network items; ``title`` is plain text, lines separated by ``\\n``;
    by département a node carries its own ``color``), ``options`` (vis-network options), ``legend`` (the
    kinds shown), ``colouring`` (``colour``'s value), ``departements`` (by département: the départements
    shown, with colour and count; else empty), ``communities`` (id, size; largest first), ``counts`` (shown
    and total nodes and edges), ``pruned`` (the French note, or ``None``).
    """
    colour = Colouring(colour)
    view, pruning = prune(G, max_nodes=max_nodes, max_edges=max_edges, top_k=top_k, min_weight=min_weight)
    strength = _strengths(G)
    labels = {node: _label(node, data) for node, data in view.nodes(data=True)}
    kinds = legend(view)
    departements: list[dict[str, Any]] = []
    fills: dict[Any, str] = {}
    if colour is Colouring.DEPARTEMENT:
        departements, fills = departement_legend(view)
        for entry in kinds:  # the colours tell départements: the legend's symbols tell kinds by shape only
            entry["colour"] = SHAPE_COLOUR

    nodes = []
    ids: dict[Any, str] = {}
    for node, data in view.nodes(data=True):
        ids[node] = node_id = str(data.get("iri") or node)
        kind = str(data.get("kind", ""))
        item: dict[str, Any] = {
            "id": node_id,
            "label": _short(labels[node]),
            "nom": labels[node],
            "group": kind if kind in KINDS else "autre",
            "value": round(strength[node], 6),
            "title": node_tooltip(node, data, degree=G.degree(node), strength=strength[node],
                                  shown_degree=view.degree(node) if pruning else None),
        }
        if node in fills:
            item["color"] = node_colour(fills[node])
        community = data.get("communaute")
        if community not in (None, ""):
            item["communaute"] = community
        nodes.append(item)

    edges = []
    for index, (u, v, data) in enumerate(view.edges(data=True)):
        edges.append({
            "id": f"e{index}",
            "from": ids[u],
            "to": ids[v],
            "value": _weight(data),
            "title": edge_tooltip(labels[u], labels[v], data),
        })

    sizes: dict[Any, int] = {}
    for item in nodes:
        if "communaute" in item:
            sizes[item["communaute"]] = sizes.get(item["communaute"], 0) + 1
    communities = [{"id": key, "size": size}
                   for key, size in sorted(sizes.items(), key=lambda kv: (-kv[1], str(kv[0])))]

    return {
        "nodes": nodes,
        "edges": edges,
        "options": vis_options(len(nodes), len(edges)),
        "legend": kinds,
        "colouring": colour.value,
        "departements": departements,
        "communities": communities,
        "counts": {"nodes": len(nodes), "edges": len(edges),
                   "total_nodes": G.number_of_nodes(), "total_edges": G.number_of_edges()},
        "pruned": pruning.note() if pruning else None,
    }


#: The measures the tables of most connected nodes rank by, with their French titles.
TOP_MEASURES = (
    ("degre_pondere", "Degré pondéré", "somme des poids des liens"),
    ("pagerank", "PageRank", "centralité par les voisins"),
    ("intermediarite", "Intermédiarité", "position de passage entre les autres"),
)


def top_tables(G: nx.Graph, k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` nodes highest on each of :data:`TOP_MEASURES`, values formatted in French.

    Uses :func:`maillage.graph.measures.top_nodes` on the measures :func:`~maillage.graph.measures.
    add_measures` wrote; a measure the nodes lack is left out, except the weighted degree, computed here
    from the weights. Each table: ``measure``, ``title``, ``description``, ``rows`` (label, iri, value).
    """
    from maillage.graph.measures import top_nodes

    if G.number_of_nodes() == 0:
        return []
    tables = []
    for measure, title, description in TOP_MEASURES:
        if all(measure in data for _, data in G.nodes(data=True)):
            ranked = top_nodes(G, measure, k)
        elif measure == "degre_pondere":
            strength = _strengths(G)
            ranked = sorted(((_label(node, data), str(data.get("iri") or node), strength[node])
                             for node, data in G.nodes(data=True)),
                            key=lambda row: (-row[2], row[0].casefold(), row[0], row[1]))[:k]
        else:
            continue
        rows = [{"label": label, "iri": iri, "value": fr_float(value, 3)} for label, iri, value in ranked]
        tables.append({"measure": measure, "title": title, "description": description, "rows": rows})
    return tables


# ---- The standalone file ----------------------------------------------------------------------------

def environment() -> Environment:
    """The Jinja environment of the standalone views: autoescape on for every template."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=False, lstrip_blocks=False)
    env.filters["fr_int"] = fr_int
    env.filters["fr_float"] = fr_float
    return env


def _inline(path: Path, element: str) -> str:
    """A vendored or own file's text, safe to put inside a <script> or <style> element."""
    text = path.read_text(encoding="utf-8")
    # The HTML parser ends the element at "</script" or "</style", whatever the case: written "<\/" it
    # means the same in JavaScript (strings, regular expressions, comments) and in CSS.
    text = re.sub(f"</({element})", r"<\\/\1", text, flags=re.IGNORECASE)
    if element == "script" and "<!--" in text:
        # "<!--" then "<script" inside a script would hide its closing tag: refuse rather than guess.
        raise ValueError(f"{path} contains '<!--': it cannot be inlined in a <script> element as is")
    # A source map comment would make devtools fetch a file that is not beside the HTML.
    return "\n".join(line for line in text.splitlines() if not line.startswith("//# sourceMappingURL="))


def render_view(G: nx.Graph, *, title: str | None = None, colour: Colouring | str = Colouring.TYPE,
                **limits: Any) -> str:
    """The standalone HTML page of ``G`` (see :func:`write_view`)."""
    data = view_data(G, colour=colour, **limits)
    template = environment().get_template("vue-reseau.html")
    inline = {
        "vis_css": _inline(VIS_NETWORK / "vis-network.min.css", "style"),
        "site_css": _inline(STATIC / "maillage.css", "style"),
        "reseau_css": _inline(STATIC / "reseau.css", "style"),
        "vis_js": _inline(VIS_NETWORK / "vis-network.min.js", "script"),
        "dom_js": _inline(STATIC / "dom.js", "script"),
        "reseau_js": _inline(STATIC / "reseau.js", "script"),
    }
    return template.render(
        title=title or G.graph.get("name") or "Réseau",
        description=G.graph.get("filters"),
        view=data,
        tops=top_tables(G),
        inline=inline,
        policy=inline_policy(
            (text for key, text in inline.items() if key.endswith("_js")),
            (text for key, text in inline.items() if key.endswith("_css")),
        ),
    )


def write_view(G: nx.Graph, path: str | Path, *, title: str | None = None,
               colour: Colouring | str = Colouring.TYPE, **limits: Any) -> Path:
    """Write ``G`` as one self-contained HTML file that opens offline anywhere, and return its path.

    The page's title is ``title``, else the graph's ``name`` attribute; its ``filters`` attribute (the
    French description of the filters, set by maillage.graph.networks) is shown under it. ``colour``
    fills the nodes by kind (the default) or by département (:class:`Colouring`).

    vis-network, its stylesheet, the site's stylesheet and ``reseau.js`` are inlined; the network travels
    as a JSON island. ``limits`` are :func:`view_data`'s (``max_nodes``, ``max_edges``, ``top_k``,
    ``min_weight``).
    """
    path = Path(path)
    path.write_text(render_view(G, title=title, colour=colour, **limits), encoding="utf-8")
    return path
