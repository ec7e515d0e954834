"""Measures of the networks: hand-checked on small graphs and on the seed's partner network, deterministic.

The seed's partner-kind network (counted by hand in test_networks.py): 14 edges, Association locale-Autre
and Autre-Commune of weight 2, the others 1. Neighbours, by hand:
- Association locale: MSA (#4), Association nationale (#13), Commune, Conseil départemental, CPAM, Autre
  (#20, and Autre again on #23): degree 6, weighted degree 1+1+1+1+1+2 = 7;
- Autre: Commune (2), Association locale (2), Conseil départemental, CPAM: degree 4, weighted 6;
- Commune: Caf (#6), Autre (2), Association locale, Conseil départemental, CPAM: degree 5, weighted 6;
- Conseil départemental and CPAM: Association locale, Commune, Autre and each other: weighted 4 each;
- Caf: Commune, MSA: 2; MSA: Association locale, Caf: 2; Association nationale: 1;
- État, Regroupement de communes, CARSAT: isolated.
So 4 components: the 8 connected kinds, and the three isolated ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from maillage.graph.measures import MEASURES, add_measures, top_nodes, top_table
from maillage.graph.networks import partner_network, structure_partner_network
from maillage.graph.store import open_store


@pytest.fixture
def partners(seed_dataset: Path) -> nx.Graph:
    return partner_network(open_store(seed_dataset, "disk"))


def by_label(graph: nx.Graph, attribute: str) -> dict[str, object]:
    return {data["label"]: data[attribute] for _, data in graph.nodes(data=True)}


def test_degrees_on_the_seed_partner_network(partners: nx.Graph) -> None:
    add_measures(partners)
    degree, weighted = by_label(partners, "degre"), by_label(partners, "degre_pondere")
    assert (degree["Association locale"], weighted["Association locale"]) == (6, 7)
    assert (degree["Autre"], weighted["Autre"]) == (4, 6)
    assert (degree["Commune"], weighted["Commune"]) == (5, 6)
    assert weighted["Conseil départemental"] == weighted["CPAM"] == 4
    assert weighted["Caf"] == weighted["MSA"] == 2
    assert weighted["État"] == weighted["CARSAT"] == weighted["Regroupement de communes"] == 0
    assert all(isinstance(value, int) for value in weighted.values())


def test_components_are_numbered_by_size(partners: nx.Graph) -> None:
    summary = add_measures(partners)
    assert summary["components"] == nx.number_connected_components(partners) == 4
    component = by_label(partners, "composante")
    assert {label for label, index in component.items() if index == 0} == {
        "Association locale",
        "Association nationale",
        "Autre",
        "Caf",
        "Commune",
        "Conseil départemental",
        "CPAM",
        "MSA",
    }
    # The three isolated kinds, by their smallest (only) node id: carsat < etat < regroupement-de-communes.
    assert (component["CARSAT"], component["État"], component["Regroupement de communes"]) == (1, 2, 3)


def test_top_nodes_by_weighted_degree(partners: nx.Graph) -> None:
    add_measures(partners)
    top = top_nodes(partners, "degre_pondere", 5)
    # Ties (Autre/Commune at 6, Conseil départemental/CPAM at 4) by label, ignoring case.
    assert [(label, value) for label, _, value in top] == [
        ("Association locale", 7),
        ("Autre", 6),
        ("Commune", 6),
        ("Conseil départemental", 4),
        ("CPAM", 4),
    ]
    assert top[0][1] == "https://w3id.org/maillage/concept/types-partenaires/association-locale"
    table = top_table(partners, k=3)
    assert list(table) == list(MEASURES)
    assert all(len(rows) == 3 for rows in table.values())
    for rows in table.values():
        assert [row[2] for row in rows] == sorted((row[2] for row in rows), reverse=True)


def test_top_nodes_needs_the_measures(partners: nx.Graph) -> None:
    with pytest.raises(KeyError, match="add_measures"):
        top_nodes(partners, "pagerank")


def test_pagerank_sums_to_one_and_matches_networkx(seed_dataset: Path) -> None:
    graph = structure_partner_network(open_store(seed_dataset, "disk"))
    add_measures(graph)
    ranks = by_label(graph, "pagerank")
    assert sum(ranks.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(value > 0 for value in ranks.values())
    try:
        from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python
    except ImportError:  # pragma: no cover - a private reference, present in networkx 3.x
        pytest.skip("networkx's pure-Python PageRank is not available for comparison")
    reference = _pagerank_python(graph, weight="weight", tol=1e-12, max_iter=1000)
    for name, data in graph.nodes(data=True):
        assert data["pagerank"] == pytest.approx(reference[name], abs=1e-7)


def test_pagerank_of_a_regular_graph_is_uniform() -> None:
    graph = nx.cycle_graph(6)
    nx.set_node_attributes(graph, {node: str(node) for node in graph}, "label")
    add_measures(graph)
    assert {round(data["pagerank"], 9) for _, data in graph.nodes(data=True)} == {round(1 / 6, 9)}

def test_betweenness_reads_weights_as_closeness() -> None:
    """a-c weight 1 (length 1), a-b and b-c weight 4 (length 1/4 each): the shortest a-c path goes
    through b, so b lies on the one path between the other two nodes (normalised: 1)."""
    graph = nx.Graph()
    graph.add_edge("a", "c", weight=1)
    graph.add_edge("a", "b", weight=4)
    graph.add_edge("b", "c", weight=4)
    add_measures(graph)
    assert graph.nodes["b"]["intermediarite"] == pytest.approx(1.0)
    assert graph.nodes["a"]["intermediarite"] == graph.nodes["c"]["intermediarite"] == 0.0


def test_communities_on_two_cliques_joined_by_a_weak_edge() -> None:
    graph = nx.Graph()
    for group in ("abcd", "wxyz"):
        for i, u in enumerate(group):
            for v in group[i + 1 :]:
                graph.add_edge(u, v, weight=5)
    graph.add_edge("d", "w", weight=1)
    graph.add_node("q")  # isolated: a community of its own, the last (smallest)
    summary = add_measures(graph)
    community = {name: data["communaute"] for name, data in graph.nodes(data=True)}
    assert {community[n] for n in "abcd"} == {0}  # equal sizes: the one holding "a" first
    assert {community[n] for n in "wxyz"} == {1}
    assert community["q"] == 2
    assert summary["communities"] == 3
    expected = nx.community.modularity(graph, [set("abcd"), set("wxyz"), {"q"}], weight="weight")
    assert summary["modularity"] == pytest.approx(expected, abs=1e-6)
    assert summary["components"] == 2
    assert (summary["nodes"], summary["edges"]) == (9, 13)


def test_a_graph_without_edges() -> None:
    graph = nx.Graph()
    graph.add_nodes_from(["b", "a"])
    summary = add_measures(graph)
    assert (summary["components"], summary["communities"], summary["modularity"]) == (2, 2, 0.0)
    assert graph.nodes["a"]["communaute"] == 0 and graph.nodes["b"]["communaute"] == 1
    assert add_measures(nx.Graph())["nodes"] == 0


def test_measures_are_deterministic_within_a_process(seed_dataset: Path) -> None:
    store = open_store(seed_dataset, "disk")
    first, second = structure_partner_network(store), structure_partner_network(store)
    assert add_measures(first) == add_measures(second)
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert add_measures(structure_partner_network(store), seed=7)["nodes"] == 32


MEASURE_SCRIPT = """
import json, sys
from pathlib import Path
from maillage.graph.measures import add_measures
from maillage.graph.networks import structure_partner_network
from maillage.graph.store import open_store
graph = structure_partner_network(open_store(Path(sys.argv[1]), "disk"))
summary = add_measures(graph)
print(json.dumps([summary, list(graph.nodes(data=True))], sort_keys=True))
"""


def test_measures_are_deterministic_across_processes_and_hash_seeds(seed_dataset: Path) -> None:
    """String sets iterate in an order that depends on PYTHONHASHSEED: communities must not."""
    outputs = []
    for hash_seed in ("1", "2", "3"):
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", MEASURE_SCRIPT, str(seed_dataset)],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=True,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0]["communities"] >= 4  # at least one per component
