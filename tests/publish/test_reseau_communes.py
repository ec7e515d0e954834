"""Communes and départements across two exports: the seed (Haute-Garonne) and a variant file in Gironde.

The variant is the seed's first fiche (GRATUITERIE, declaring the partner kind Autre) moved to a structure
named "Centre social de Bègles" in Gironde, under the title "Gratuiterie de Bègles": the build locates the
structure in Bègles (33039, read in its name) and the action there too (its title). So the graph has two
départements: Haute-Garonne (31, the 25 seed structures) and Gironde (33, one structure).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from maillage.graph.build import build_dataset
from maillage.graph.export import read_export
from maillage.graph.networks import Filters, select_actions, structure_partner_network
from maillage.graph.record import Fiche
from maillage.graph.store import open_store
from maillage.publish.network_command import network_command
from maillage.publish.views import NO_DEPARTEMENT_COLOUR, PALETTE, view_data

TITLE = "Gratuiterie de Bègles"
STRUCTURE = "Centre social de Bègles"


def gironde_variant(seed: Path, out: Path) -> Path:
    """The seed's first fiche, moved to a structure of Gironde and retitled, as an export file."""
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == "Actions"]
    fiche = lines[starts[0] : starts[1]]
    assert (fiche[1], fiche[3]) == ("GRATUITERIE\n", "- Maison des Habitants de Lèguevin - Haute-Garonne\n")
    fiche[1] = f"{TITLE}\n"
    fiche[3] = f"- {STRUCTURE} - Gironde\n"
    out.write_text("".join(fiche), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def two_departements(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("deux-departements")
    variant = gironde_variant(seed, folder / "gironde.txt")
    fiches = [item for path in (seed, variant) for item in read_export(path) if isinstance(item, Fiche)]
    assert len(fiches) == 26
    out = folder / "dataset"
    build_dataset(fiches, out, files=[str(seed), str(variant)])
    return out


def test_two_departements_get_two_colours(two_departements: Path) -> None:
    graph = structure_partner_network(open_store(two_departements, "disk"))
    data = view_data(graph, colour="departement")
    legend = [(entry["name"], entry["colour"]) for entry in data["departements"]]
    assert legend == [
        ("Haute-Garonne (31)", PALETTE[0]),
        ("Gironde (33)", PALETTE[1]),
        ("Sans département", NO_DEPARTEMENT_COLOUR),  # the partner kinds
    ]
    structures = [node for node in data["nodes"] if node["group"] == "structure"]
    fills = {node["nom"]: node["color"]["background"] for node in structures}
    assert fills[STRUCTURE] == PALETTE[1]
    assert fills["LABO BINETTE"] == PALETTE[0]
    assert {fill for name, fill in fills.items() if name != STRUCTURE} == {PALETTE[0]}


def test_a_commune_of_the_other_departement(two_departements: Path) -> None:
    store = open_store(two_departements, "disk")
    for value in ("Bègles", "begles", "33039"):
        selection = select_actions(store, Filters(communes=(value,)))
        assert {action.title for action in selection.actions.values()} == {TITLE}
        assert selection.description == "communes : Bègles (33039)"
    graph = structure_partner_network(store, Filters(communes=("Bègles", "Léguevin")))
    structures = {data["label"]: data for _, data in graph.nodes(data=True) if data["kind"] == "structure"}
    assert set(structures) == {STRUCTURE, "Maison des Habitants de Lèguevin"}
    begles = structures[STRUCTURE]
    assert (begles["communes"], begles["codes_communes"], begles["code_departement"]) == (
        ["Bègles"],
        ["33039"],
        "33",
    )


def test_command_line_view_coloured_by_departement(two_departements: Path, tmp_path: Path) -> None:
    out = tmp_path / "vue.html"
    done = CliRunner().invoke(
        network_command,
        ["--data", str(two_departements), "--kind", "structures", "--via", "mots-cles",
         "--couleur", "departement", "--out", str(out)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    legend = re.search(r'id="reseau-legende-departements">(.*?)</ul>', html, re.DOTALL)
    assert legend is not None
    assert re.findall(r'class="reseau-legende-nom">([^<]+)<', legend.group(1)) == [
        "Haute-Garonne (31)",
        "Gironde (33)",
    ]  # only structures: every node has a département


def test_reseau_page_over_two_departements(two_departements: Path) -> None:
    from maillage.publish import reseau

    app = Flask("maillage.publish.app")
    app.config.update(MAILLAGE_DATA=str(two_departements), TESTING=True)
    app.register_blueprint(reseau.blueprint)
    client = app.test_client()
    html = client.get("/reseau?type=structures-partenaires&couleur=departement").get_data(as_text=True)
    assert '<option value="33039">Bègles (33039)</option>' in html
    assert '<option value="33">Gironde (1\u00a0action)</option>' in html
    island = re.search(r'<script type="application/json" id="reseau-donnees">(.*?)</script>', html, re.DOTALL)
    assert island is not None
    data = json.loads(island.group(1))
    assert [entry["name"] for entry in data["departements"]] == [
        "Haute-Garonne (31)",
        "Gironde (33)",
        "Sans département",
    ]
    filtered = client.get("/reseau?type=structures-partenaires&commune=33039&couleur=departement")
    assert filtered.status_code == 200
    text = filtered.get_data(as_text=True)
    assert "Actions retenues : communes : Bègles (33039)" in text
    assert '<option value="33039" selected>Bègles (33039)</option>' in text
