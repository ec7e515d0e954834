"""`maillage network`: draw, measure and write a network from a built dataset.

Expectations are the seed's hand counts (see tests/graph/test_networks.py and test_measures.py): the
structure-kind network has 32 nodes and 31 edges; the kind network 11 nodes, 14 edges, 4 components,
and by weighted degree Association locale 7, Autre 6, Commune 6, Conseil départemental 4, CPAM 4;
Parentalité keeps 8 actions, and with public Familles 4 (#3 Commune, #10 Caf, #15 Association locale,
#18 no partner).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from maillage.publish.network_command import network_command

MAILLAGE = str(Path(sys.executable).with_name("maillage"))


def invoke(*args: str):
    return CliRunner().invoke(network_command, list(args))


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".json", ".csv"])
def test_every_format_by_suffix(seed_dataset: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"reseau{suffix}"
    done = invoke("--data", str(seed_dataset), "--kind", "structures-partenaires", "--out", str(out))
    assert done.exit_code == 0, done.output
    if suffix == ".graphml":
        graph = nx.read_graphml(out)
    elif suffix == ".gexf":
        graph = nx.read_gexf(out)
    elif suffix == ".json":
        graph = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="links")
    else:
        with out.open(encoding="utf-8", newline="") as handle:
            assert len(list(csv.DictReader(handle))) == 31
        return
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (32, 31)
    assert all("degre_pondere" in data and "communaute" in data for _, data in graph.nodes(data=True))


def test_summary_and_top_five_on_stderr(seed_dataset: Path, tmp_path: Path) -> None:
    done = invoke("--data", str(seed_dataset), "--kind", "partenaires", "--out", str(tmp_path / "p.json"))
    assert done.exit_code == 0, done.output
    assert "nodes: 11, edges: 14, components: 4, communities:" in done.output
    top = re.findall(r"^  \d\. (.+) \((\d+)\) <", done.output, flags=re.MULTILINE)
    assert top == [
        ("Association locale", "7"),
        ("Autre", "6"),
        ("Commune", "6"),
        ("Conseil départemental", "4"),
        ("CPAM", "4"),
    ]
    assert f"wrote {tmp_path / 'p.json'}" in done.output


def test_filters_combine(seed_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    done = invoke(
        "--data", str(seed_dataset), "--kind", "structures-partenaires",
        "--mot-cle", "Parentalité", "--public", "familles", "--departement", "31", "--out", str(out),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["graph"]["actions"] == 4
    assert (
        data["graph"]["filters"]
        == "mots-clés : Parentalité ; publics : Familles ; départements : Haute-Garonne (31)"
    )
    partners = sorted(node["label"] for node in data["nodes"] if node["bipartite"] == 1)
    assert partners == ["Association locale", "Caf", "Commune"]
    assert len(data["links"]) == 3

    repeated = invoke(
        "--data", str(seed_dataset), "--kind", "mots-cles",
        "--mot-cle", "Parentalité", "--mot-cle", "Santé", "--out", str(out),
    )  # fmt: skip
    assert repeated.exit_code == 0, repeated.output
    assert json.loads(out.read_text(encoding="utf-8"))["graph"]["actions"] == 9  # the 8 and #20


def test_levels_and_via(seed_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    done = invoke(
        "--data", str(seed_dataset), "--kind", "structures", "--via", "mots-cles", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text(encoding="utf-8"))["graph"]["via"] == "mots-cles"
    done = invoke("--data", str(seed_dataset), "--kind", "structures", "--out", str(out))
    assert "nodes: 21, edges: 44" in done.output
    done = invoke(
        "--data", str(seed_dataset), "--kind", "partenaires", "--niveau", "organisations", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    graph = json.loads(out.read_text(encoding="utf-8"))["graph"]
    assert graph["level"] == "organisations"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "mots-cles", "--mot-cle", "Jardinage"], "Jardinage"),
        (["--kind", "mots-cles", "--departement", "Atlantide"], "Atlantide"),
        (["--kind", "mots-cles", "--commune", "Atlantis"], "Atlantis"),
        (["--kind", "mots-cles", "--mentions"], "--mentions"),
        (["--kind", "structures", "--mentions"], "--mentions"),
        (["--kind", "partenaires", "--couleur", "departement"], "--couleur"),
        (["--kind", "partenaires", "--couleur", "arc-en-ciel"], "arc-en-ciel"),
        (["--kind", "mots-cles", "--niveau", "organisations"], "--niveau"),
        (["--kind", "partenaires", "--via", "mots-cles"], "--via"),
        (["--kind", "structures", "--via", "mots-cles", "--niveau", "types"], "--niveau"),
        (["--kind", "villes"], "villes"),
    ],
)
def test_usage_errors(seed_dataset: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "x.json"
    done = invoke("--data", str(seed_dataset), *args, "--out", str(out))
    assert done.exit_code == 2
    assert message in done.output
    assert not out.exists()


def test_unknown_commune_names_the_option_and_the_communes_of_the_graph(
    seed_dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.json"
    done = invoke(
        "--data", str(seed_dataset), "--kind", "partenaires",
        "--commune", "Léguevin", "--commune", "Atlantis", "--out", str(out),
    )  # fmt: skip
    assert done.exit_code == 2
    assert "--commune" in done.output
    assert "communes inconnu(s) : Atlantis" in done.output and "Léguevin (31291)" in done.output
    assert not out.exists()


def test_commune_filter(seed_dataset: Path, tmp_path: Path) -> None:
    """Léguevin: #1 alone (its structure is there, its résumé names it); with Colomiers, #9 and #25 too."""
    out = tmp_path / "c.json"
    for value in ("Léguevin", "31291"):
        done = invoke(
            "--data", str(seed_dataset), "--kind", "structures-partenaires",
            "--commune", value, "--out", str(out),
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["graph"]["actions"] == 1
        assert data["graph"]["filters"] == "communes : Léguevin (31291)"
        (structure,) = [node for node in data["nodes"] if node["kind"] == "structure"]
        assert structure["label"] == "Maison des Habitants de Lèguevin"
        assert (structure["communes"], structure["codes_communes"]) == (["Léguevin"], ["31291"])
        assert [link["titles"] for link in data["links"]] == [["GRATUITERIE"]]
    done = invoke(
        "--data", str(seed_dataset), "--kind", "structures", "--via", "mots-cles",
        "--commune", "Léguevin", "--commune", "colomiers", "--out", str(out),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["graph"]["actions"] == 3
    assert data["graph"]["filters"] == "communes : Colomiers (31149) ou Léguevin (31291)"


def test_mentions_add_cited_organisations(seed_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    args = ["--data", str(seed_dataset), "--kind", "partenaires", "--out", str(out)]
    assert invoke(*args).exit_code == 0
    declared = json.loads(out.read_text(encoding="utf-8"))
    done = invoke(*args, "--mentions")
    assert done.exit_code == 0, done.output
    both = json.loads(out.read_text(encoding="utf-8"))
    assert both["graph"]["mentions"] is True
    assert {node["id"] for node in declared["nodes"]} < {node["id"] for node in both["nodes"]}
    cited = {node["label"] for node in both["nodes"] if node["kind"] == "organisation-citee"}
    assert {"Sicoval", "Humus & associés"} <= cited
    pairs = {frozenset((link["source"], link["target"])) for link in both["links"]}
    assert {frozenset((link["source"], link["target"])) for link in declared["links"]} <= pairs


def test_colour_by_departement_in_the_html_view(seed_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "vue.html"
    done = invoke(
        "--data", str(seed_dataset), "--kind", "structures-partenaires", "--couleur", "departement",
        "--out", str(out),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    legend = re.search(r'id="reseau-legende-departements">.*?</ul>', html, re.DOTALL)
    assert legend is not None
    names = re.findall(r'class="reseau-legende-nom">([^<]+)<', legend.group(0))
    assert names == ["Haute-Garonne (31)", "Sans département"]  # the structures, the partner kinds
    done = invoke("--data", str(seed_dataset), "--kind", "structures-partenaires", "--out", str(out))
    assert done.exit_code == 0 and "reseau-legende-departements" not in out.read_text(encoding="utf-8")


def test_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    done = invoke("--data", str(tmp_path), "--kind", "mots-cles", "--out", str(tmp_path / "x.csv"))
    assert done.exit_code == 1
    assert "not a Maillage dataset folder" in done.output


def test_unknown_suffix(seed_dataset: Path, tmp_path: Path) -> None:
    done = invoke("--data", str(seed_dataset), "--kind", "mots-cles", "--out", str(tmp_path / "x.png"))
    assert done.exit_code == 2
    assert ".graphml" in done.output


def _registered() -> bool:
    from maillage.publish.cli import main

    return "network" in main.commands


def test_through_the_console_script(seed_dataset: Path, tmp_path: Path) -> None:
    if not _registered():
        pytest.skip("`network` is not registered in maillage.publish.cli yet")
    out = tmp_path / "reseau.gexf"
    done = subprocess.run(
        [MAILLAGE, "network", "--data", str(seed_dataset), "--kind", "partenaires", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "nodes: 11, edges: 14, components: 4" in done.stderr
    graph = nx.read_gexf(out)
    assert graph.number_of_edges() == 14
    assert max(data["weight"] for _, _, data in graph.edges(data=True)) == 2
