"""Network exports: GraphML and GEXF read back with networkx to the same nodes, edges and weights; JSON
round-trips; the CSV edge list has one row per edge; HTML goes to the views module.

Expectations are the seed's hand counts (see test_networks.py): the structure-kind network has 32 nodes
(21 structures, 11 kinds) and 31 edges of weight 1.
"""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path

import networkx as nx
import pytest

from maillage.graph.measures import add_measures
from maillage.graph.network_export import CSV_COLUMNS, FORMATS, normalised, write_network
from maillage.graph.networks import Filters, Level, keyword_network, structure_partner_network
from maillage.graph.store import open_store


@pytest.fixture(scope="module")
def network(seed_dataset: Path) -> nx.Graph:
    graph = structure_partner_network(open_store(seed_dataset, "disk"))
    add_measures(graph)
    return graph


def edge_weights(graph: nx.Graph) -> dict[frozenset[str], float]:
    return {frozenset((u, v)): data["weight"] for u, v, data in graph.edges(data=True)}


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_graphml_and_gexf_read_back_the_same_graph(network: nx.Graph, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"reseau{suffix}"
    write_network(network, path)
    back = nx.read_graphml(path) if suffix == ".graphml" else nx.read_gexf(path)
    assert set(back.nodes) == set(network.nodes)
    assert back.number_of_nodes() == 32 and back.number_of_edges() == 31
    assert edge_weights(back) == edge_weights(network)
    for name, data in network.nodes(data=True):
        read = back.nodes[name]
        assert read["label"] == data["label"]
        assert read["kind"] == data["kind"]
        assert read["bipartite"] == data["bipartite"] and isinstance(read["bipartite"], int)
        assert read["actions"] == data["actions"]
        assert read["degre_pondere"] == data["degre_pondere"]
        assert read["communaute"] == data["communaute"]
        assert read["pagerank"] == pytest.approx(data["pagerank"])
    for u, v, data in network.edges(data=True):
        assert back.edges[u, v]["actions"] == " | ".join(data["actions"])
        assert back.edges[u, v]["titles"] == " | ".join(data["titles"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_communes_are_joined_like_the_other_lists(network: nx.Graph, tmp_path: Path, suffix: str) -> None:
    """A structure's communes (a list, empty when none is known) read back as one string per node."""
    path = tmp_path / f"reseau{suffix}"
    write_network(network, path)
    back = nx.read_graphml(path) if suffix == ".graphml" else nx.read_gexf(path)
    by_label = {data["label"]: data for _, data in back.nodes(data=True)}
    salvetat = by_label["Maison des Habitants de La Salvetat Saint Gilles - Fontenilles"]
    assert salvetat["communes"] == "Fontenilles | La Salvetat-Saint-Gilles"
    assert salvetat["codes_communes"] == "31188 | 31526"
    assert by_label["LABO BINETTE"]["communes"] == ""
    assert "communes" not in by_label["Caf"]  # a partner kind has no commune


def test_graphml_keeps_the_graph_description(network: nx.Graph, tmp_path: Path) -> None:
    write_network(network, tmp_path / "reseau.graphml")
    back = nx.read_graphml(tmp_path / "reseau.graphml")
    assert back.graph["name"] == "Structures et types de partenaires"
    assert back.graph["filters"] == "toutes les actions"
    assert back.graph["level"] == "types"


def test_weights_above_one_survive_graphml_and_gexf(tmp_path: Path) -> None:
    """Seed weights are all 1: a weight of 3 (as LABO BINETTE-Caf in the variant dataset) must survive."""
    graph = nx.Graph()
    graph.add_node("s", label="LABO BINETTE", bipartite=0)
    graph.add_node("caf", label="Caf", bipartite=1)
    graph.add_edge("s", "caf", weight=3, actions=["a1", "a2", "a3"], titles=["t1", "t2", "t3"])
    for suffix, read in ((".graphml", nx.read_graphml), (".gexf", nx.read_gexf)):
        write_network(graph, tmp_path / f"g{suffix}")
        assert read(tmp_path / f"g{suffix}").edges["s", "caf"]["weight"] == 3


def test_attributes_are_normalised_to_one_type_per_key(tmp_path: Path) -> None:
    """networkx#8527/#3572: mixed types and lists must not reach the GEXF and GraphML writers."""
    graph = nx.Graph(level=Level.ORGANISATION, missing=None)
    graph.add_node("a", score=1, tags=["x", "y"], note=None, mixed=1)
    graph.add_node("b", score=2.5, tags=["z"], note="texte", mixed="deux")
    graph.add_node("c", score=3, tags=[], mixed=3)
    graph.add_edge("a", "b", weight=2, actions=["u", "v"])
    graph.add_edge("b", "c", weight=1, actions=[])
    flat = normalised(graph)
    assert flat.graph == {"level": "organisations"}
    assert [flat.nodes[n]["score"] for n in "abc"] == [1.0, 2.5, 3.0]  # int + float -> float
    assert [flat.nodes[n]["mixed"] for n in "abc"] == ["1", "deux", "3"]  # int + str -> str
    assert flat.nodes["a"]["tags"] == "x | y" and flat.nodes["c"]["tags"] == ""
    assert "note" not in flat.nodes["a"] and flat.nodes["b"]["note"] == "texte"
    assert flat.edges["a", "b"] == {"weight": 2, "actions": "u | v"}
    assert graph.nodes["a"]["tags"] == ["x", "y"]  # the original is left alone
    for suffix, read in ((".gexf", nx.read_gexf), (".graphml", nx.read_graphml)):
        write_network(graph, tmp_path / f"mixed{suffix}")
        back = read(tmp_path / f"mixed{suffix}")
        assert back.nodes["b"]["mixed"] == "deux"
        assert back.nodes["a"]["score"] == 1.0
        assert back.edges["a", "b"]["weight"] == 2


def test_json_round_trips(network: nx.Graph, tmp_path: Path) -> None:
    path = tmp_path / "reseau.json"
    write_network(network, path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)  # keys sorted
    assert "\\u00e9" not in text and "Conseil départemental" in text  # UTF-8, not \\u escapes
    back = nx.node_link_graph(data, edges="links")
    assert list(back.nodes(data=True)) == list(network.nodes(data=True))
    assert sorted(map(sorted, back.edges)) == sorted(map(sorted, network.edges))
    for u, v, attributes in network.edges(data=True):
        assert back.edges[u, v] == attributes  # lists intact
    assert back.graph == network.graph
    assert {tuple(data["communes"]) for _, data in back.nodes(data=True) if "communes" in data} >= {
        ("Léguevin",),
        ("Fontenilles", "La Salvetat-Saint-Gilles"),
    }


def test_csv_has_one_row_per_edge(network: nx.Graph, tmp_path: Path) -> None:
    path = tmp_path / "reseau.csv"
    write_network(network, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 31
    assert all(row["weight"] == "1" for row in rows)
    # In the bipartite network the source is the structure: CENTRE SOCIAL ESPOIR has its 5 kinds (#20).
    espoir = [row for row in rows if row["source_label"] == "CENTRE SOCIAL ESPOIR"]
    assert sorted(row["target_label"] for row in espoir) == [
        "Association locale",
        "Autre",
        "CPAM",
        "Commune",
        "Conseil départemental",
    ]
    assert all(row["actions"].endswith("/centre-social-espoir/journees-sante") for row in espoir)
    assert [(row["source"], row["target"]) for row in rows] == sorted(
        (row["source"], row["target"]) for row in rows
    )


def test_csv_joins_the_actions_of_an_edge(seed_dataset: Path, tmp_path: Path) -> None:
    # Keywords Intergénérationnel-Parentalité: #4 #12 #15 #18.
    graph = keyword_network(open_store(seed_dataset, "disk"), Filters(mots_cles=("Parentalité",)))
    write_network(graph, tmp_path / "mots.csv")
    with (tmp_path / "mots.csv").open(encoding="utf-8", newline="") as handle:
        rows = {frozenset((row["source_label"], row["target_label"])): row for row in csv.DictReader(handle)}
    row = rows[frozenset(("Intergénérationnel", "Parentalité"))]
    assert row["weight"] == "4"
    assert len(row["actions"].split(" | ")) == 4


def test_unknown_suffix_is_refused(network: nx.Graph, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.graphml"):
        write_network(network, tmp_path / "reseau.txt")
    assert list(tmp_path.iterdir()) == []
    assert set(FORMATS) == {".graphml", ".gexf", ".json", ".csv", ".html"}


def test_suffix_case_does_not_matter_and_files_are_replaced(network: nx.Graph, tmp_path: Path) -> None:
    path = tmp_path / "RESEAU.GEXF"
    path.write_text("old", encoding="utf-8")
    write_network(network, path)
    assert nx.read_gexf(path).number_of_edges() == 31


def test_html_is_delegated_to_the_views(
    network: nx.Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def write_view(graph: nx.Graph, path: Path, **options: str) -> Path:
        calls.append((graph, options))
        path.write_text("<html>vue</html>", encoding="utf-8")
        return path

    fake = types.ModuleType("maillage.publish.views")
    fake.write_view = write_view  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "maillage.publish.views", fake)
    write_network(network, tmp_path / "reseau.html")
    write_network(network, tmp_path / "reseau.html", view={"colour": "departement"})
    write_network(network, tmp_path / "reseau.json", view={"colour": "departement"})  # not a view: unused
    assert calls == [(network, {}), (network, {"colour": "departement"})]
    assert (tmp_path / "reseau.html").read_text(encoding="utf-8") == "<html>vue</html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reseau.html", "reseau.json"]  # no temporary left


def test_html_through_the_real_views(network: nx.Graph, tmp_path: Path) -> None:
    pytest.importorskip("maillage.publish.views")
    write_network(network, tmp_path / "reseau.html")
    text = (tmp_path / "reseau.html").read_text(encoding="utf-8")
    assert "Structures et types de partenaires" in text
    assert [p.name for p in tmp_path.iterdir()] == ["reseau.html"]


def test_html_without_the_views_says_so(
    network: nx.Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "maillage.publish.views", None)  # import fails
    with pytest.raises(RuntimeError, match="write_view"):
        write_network(network, tmp_path / "reseau.html")
