"""Measures of a network: who is central, who is connected to whom, which groups form.

:func:`add_measures` writes on every node (French attribute names, as the exports and views show them):

- ``degre``: the number of neighbours;
- ``degre_pondere``: the sum of the weights of its edges (an int, as the weights count actions or shared
  items);
- ``intermediarite``: betweenness centrality, normalised, where an edge's length is ``1 / weight`` (a
  strong tie is a short path); exact up to :data:`EXACT_BETWEENNESS_NODES` nodes, estimated beyond
  from a seeded sample of :data:`BETWEENNESS_SOURCES` sources (the graph attribute
  ``intermediarite_sources`` says how many sources were used);
- ``pagerank``: PageRank on the weights (damping 0.85), summing to 1;
- ``composante``: the index of its connected component, the largest being 0;
- ``communaute``: its Louvain community on the weights, seeded; numbered by size, largest first.

Components and communities are numbered by size (descending), then by their smallest node id. Louvain
runs on integer node labels in the graph's insertion order: string sets iterate in an order that changes
with Python's hash seed, which could make communities differ from one process to the next.
Everything is deterministic for a given graph (built in sorted order) and seed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

#: The node measures, in the order tables show them.
MEASURES = ("degre_pondere", "degre", "intermediarite", "pagerank")

#: French names of the measures, for tables and summaries.
MEASURE_LABELS = {
    "degre": "degré",
    "degre_pondere": "degré pondéré",
    "intermediarite": "intermédiarité",
    "pagerank": "PageRank",
}

#: Up to this many nodes, betweenness is exact; beyond, it is estimated from a seeded sample of
#: :data:`BETWEENNESS_SOURCES` sources (about 30 ms each on a 15,000-edge network).
EXACT_BETWEENNESS_NODES = 500
BETWEENNESS_SOURCES = 100


def _numbered(groups: Iterable[Iterable[str]]) -> list[list[str]]:
    """Groups of node ids as sorted lists, largest first, ties by smallest id."""
    ordered = [sorted(group) for group in groups]
    return sorted(ordered, key=lambda group: (-len(group), group[0]))


def _betweenness(graph: nx.Graph, seed: int) -> tuple[dict[Any, float], int]:
    """Normalised betweenness with 1/weight as length; (values, number of sources used)."""
    lengths = nx.Graph()
    lengths.add_nodes_from(graph)
    lengths.add_edges_from(
        (u, v, {"longueur": 1.0 / data.get("weight", 1)}) for u, v, data in graph.edges(data=True)
    )
    count = lengths.number_of_nodes()
    sample = None if count <= EXACT_BETWEENNESS_NODES else BETWEENNESS_SOURCES
    values = nx.betweenness_centrality(lengths, k=sample, normalized=True, weight="longueur", seed=seed)
    return values, count if sample is None else sample


def _communities(graph: nx.Graph, seed: int) -> list[list[str]]:
    if graph.number_of_edges() == 0:
        return _numbered([node] for node in graph)
    nodes = list(graph)
    integers = nx.convert_node_labels_to_integers(graph, ordering="default")
    found = nx.community.louvain_communities(integers, weight="weight", seed=seed)
    return _numbered([nodes[i] for i in community] for community in found)


def add_measures(graph: nx.Graph, seed: int = 42) -> dict[str, Any]:
    """Write the node measures on ``graph`` (in place) and return its summary.

    The summary: ``nodes``, ``edges``, ``components``, ``communities``, ``modularity`` (of the Louvain
    partition on the weights, rounded to 6 decimals; 0 for a graph without edges), ``seed`` and
    ``intermediarite_sources``.
    """
    degree = dict(graph.degree())
    weighted = dict(graph.degree(weight="weight"))
    betweenness, sources = _betweenness(graph, seed)
    ranks = nx.pagerank(graph, weight="weight", tol=1e-10, max_iter=1000) if len(graph) else {}
    components = _numbered(nx.connected_components(graph))
    communities = _communities(graph, seed)
    component_of = {node: index for index, group in enumerate(components) for node in group}
    community_of = {node: index for index, group in enumerate(communities) for node in group}
    for node, attributes in graph.nodes(data=True):
        attributes["degre"] = int(degree[node])
        strength = weighted[node]
        attributes["degre_pondere"] = int(strength) if float(strength).is_integer() else float(strength)
        attributes["intermediarite"] = float(betweenness[node])
        attributes["pagerank"] = float(ranks[node])
        attributes["composante"] = component_of[node]
        attributes["communaute"] = community_of[node]
    if graph.number_of_edges():
        modularity = nx.community.modularity(graph, [set(group) for group in communities], weight="weight")
    else:
        modularity = 0.0
    summary = {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "components": len(components),
        "communities": len(communities),
        "modularity": round(float(modularity), 6),
        "seed": seed,
        "intermediarite_sources": sources,
    }
    graph.graph.update(
        composantes=summary["components"],
        communautes=summary["communities"],
        modularite=summary["modularity"],
        graine=seed,
        intermediarite_sources=sources,
    )
    return summary


def top_nodes(graph: nx.Graph, measure: str, k: int = 10) -> list[tuple[str, str, Any]]:
    """The ``k`` nodes highest on ``measure``: (label, IRI, value), by value descending then label."""
    rows = []
    for node, attributes in graph.nodes(data=True):
        if measure not in attributes:
            raise KeyError(f"node {node} has no {measure!r}: call add_measures(graph) first")
        rows.append(
            (str(attributes.get("label", node)), str(attributes.get("iri", node)), attributes[measure])
        )
    rows.sort(key=lambda row: (-row[2], row[0].casefold(), row[0], row[1]))
    return rows[:k]


def top_table(graph: nx.Graph, k: int = 10) -> dict[str, list[tuple[str, str, Any]]]:
    """For each measure of :data:`MEASURES`, its top ``k`` nodes (see :func:`top_nodes`)."""
    return {measure: top_nodes(graph, measure, k) for measure in MEASURES}
