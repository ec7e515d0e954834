"""The researchers' notebooks (``notebooks/*.ipynb``): committed clean, and run top to bottom.

The fast tests check what is committed: the three notebooks, valid, without outputs, execution counts or
widget state (what ``nbstripout`` leaves), with one cell tagged ``parameters`` and a last code cell tagged
``chiffres-cles``.

The slow tests execute every notebook with nbclient, each cell under :data:`CELL_TIMEOUT`, on the real
seed export and on a small generated one (``maillage generate``), passed through ``MAILLAGE_EXPORT`` and
written under ``MAILLAGE_SORTIE`` (a temporary folder): the notebooks are tied to no export and leave the
repository clean. Each notebook prints its key figures as JSON in its ``chiffres-cles`` cell; they are
compared with the same figures computed here through the project's API on a dataset built here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pyoxigraph as ox
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from rdflib import Graph

from maillage.graph.build import BuildResult, build_dataset
from maillage.graph.catalogue import question
from maillage.graph.downloads import published_files
from maillage.graph.export import read_exports
from maillage.graph.measures import add_measures
from maillage.graph.networks import Filters, build_network
from maillage.graph.record import Fiche
from maillage.graph.store import open_store

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = (
    "01-interroger-le-graphe.ipynb",
    "02-reseaux-de-partenaires.ipynb",
    "03-publier-et-reutiliser.ipynb",
)
KEY_FIGURES = "chiffres-cles"
PARAMETERS = "parameters"
#: Seconds any one cell may take.
CELL_TIMEOUT = 180
#: The generated export: small, and the same file on every run.
GENERATED_FICHES, GENERATED_SEED = 40, 1

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + name for name in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger")}
DECIMALS = {XSD + name for name in ("decimal", "double", "float")}


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


# ---- What is committed (fast) ---------------------------------------------------------------------


def test_the_three_notebooks_are_there() -> None:
    assert tuple(path.name for path in notebook_paths()) == EXPECTED


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}, "notebook metadata beyond the kernel's"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for index, cell in enumerate(notebook.cells):
        assert set(cell.metadata) <= {"tags"}, f"cell {index}: metadata {sorted(cell.metadata)}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs: strip them (notebooks/README.md)"
            assert cell.execution_count is None, f"cell {index} has an execution count"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    tagged = [cell for cell in code if KEY_FIGURES in cell.metadata.get("tags", [])]
    assert tagged == [code[-1]], f"the last code cell, and only it, is tagged {KEY_FIGURES!r}"
    assert [PARAMETERS in cell.metadata.get("tags", []) for cell in code].count(True) == 1


def test_nbstripout_would_change_nothing() -> None:
    """The committed notebooks are what ``nbstripout`` makes of them (see notebooks/README.md)."""
    paths = [str(path) for path in notebook_paths()]
    done = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", *paths], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"run `nbstripout notebooks/*.ipynb`: {done.stdout}{done.stderr}"


# ---- Running them (slow) --------------------------------------------------------------------------


@dataclass
class Corpus:
    """An export, and the dataset built here from it, to compute the expected figures."""

    name: str
    export: Path
    dataset: Path
    built: BuildResult
    store: ox.Store


@pytest.fixture(scope="module", params=["graine", "generee"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp(f"corpus-{request.param}")
    if request.param == "graine":
        export = request.getfixturevalue("seed")
    else:
        export = folder / "export-genere.txt"
        maillage = str(Path(sys.executable).with_name("maillage"))
        command = ["generate", "--fiches", str(GENERATED_FICHES), "--seed", str(GENERATED_SEED)]
        subprocess.run([maillage, *command, "--out", str(export)], check=True, capture_output=True)
    dataset = folder / "donnees"
    fiches = (item for item in read_exports([export]) if isinstance(item, Fiche))
    built = build_dataset(fiches, dataset, files=[str(export)])
    return Corpus(request.param, export, dataset, built, open_store(dataset))


@dataclass
class Run:
    """An executed notebook: its key figures and the folder it wrote in."""

    notebook: nbformat.NotebookNode
    figures: dict[str, Any]
    out: Path


def _tree(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if "__pycache__" not in path.parts}


def execute(name: str, export: Path, out: Path) -> nbformat.NotebookNode:
    """Run the notebook ``name`` top to bottom on ``export``, writing under ``out``; raises on any error."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    env = {**os.environ, "MAILLAGE_EXPORT": str(export), "MAILLAGE_SORTIE": str(out)}
    env.pop("MAILLAGE_ENDPOINT", None)  # notebook 1 starts and stops its own server
    # "python3" from ipykernel's own kernel spec only (no user or system kernel folder): this interpreter,
    # the one with the project installed.
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    assert manager.kernel_spec.argv[0] == sys.executable
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # the kernel starts in notebooks/, as in Jupyter
    )
    before = _tree(NOTEBOOKS)
    client.execute(env=env)
    assert _tree(NOTEBOOKS) == before, "running a notebook wrote into notebooks/"
    return notebook


def key_figures(notebook: nbformat.NotebookNode) -> dict[str, Any]:
    """The JSON the cell tagged ``chiffres-cles`` printed."""
    (cell,) = [cell for cell in notebook.cells if KEY_FIGURES in cell.metadata.get("tags", [])]
    text = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    return json.loads(text)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, Corpus], Run]]:
    """Execute a notebook on a corpus once per module (the tests of one notebook share the run)."""
    runs: dict[tuple[str, str], Run] = {}

    def get(name: str, corpus: Corpus) -> Run:
        key = (name, corpus.name)
        if key not in runs:
            out = tmp_path_factory.mktemp(f"sortie-{corpus.name}")
            notebook = execute(name, corpus.export, out)
            runs[key] = Run(notebook, key_figures(notebook), out)
        return runs[key]

    yield get


def _python(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value in INTEGERS:
        return int(term.value)
    if isinstance(term, ox.Literal) and term.datatype.value in DECIMALS:
        return float(term.value)
    return term.value


def ask(corpus: Corpus, name: str) -> list[dict[str, Any]]:
    """The rows of the catalogue question ``name`` on the corpus's own store."""
    solutions = corpus.store.query(question(name).query)
    assert isinstance(solutions, ox.QuerySolutions)
    variables = [variable.value for variable in solutions.variables]
    return [{variable: _python(row[variable]) for variable in variables} for row in solutions]


def column(corpus: Corpus, name: str, key: str, value: str) -> dict[str, Any]:
    return {str(row[key]): row[value] for row in ask(corpus, name)}


def network_figures(graph: Any) -> dict[str, Any]:
    summary = add_measures(graph)
    return {
        "noeuds": summary["nodes"],
        "aretes": summary["edges"],
        "actions": graph.graph["actions"],
        "composantes": summary["components"],
        "communautes": summary["communities"],
        "modularite": summary["modularity"],
    }


@pytest.mark.slow
def test_01_interroger_le_graphe(corpus: Corpus, run: Callable[[str, Corpus], Run]) -> None:
    figures = run("01-interroger-le-graphe.ipynb", corpus).figures
    assert figures["export"] == corpus.export.name
    assert figures["actions"] == corpus.built.actions
    per_keyword = column(corpus, "actions-par-mot-cle", "motCle", "actions")
    assert per_keyword, "the keyword chart would be empty: the comparison would prove nothing"
    # The bars of the first chart, read back from the figure, are the catalogue's answer.
    assert figures["figure_actions_par_mot_cle"] == per_keyword
    assert figures["actions_par_mot_cle"] == per_keyword
    assert figures["actions_par_echelle_territoriale"] == column(
        corpus, "actions-par-echelle-territoriale", "echelle", "actions"
    )
    assert figures["budget_total_par_mot_cle"] == pytest.approx(
        column(corpus, "budget-declare-par-mot-cle", "motCle", "budgetTotal")
    )
    assert figures["benevoles_par_type_de_partenaire"] == column(
        corpus, "benevoles-par-type-de-partenaire", "typePartenaire", "benevoles"
    )
    assert figures["actions_par_commune"] == column(corpus, "actions-par-commune", "codeInsee", "actions")
    assert figures["lignes_par_question"] == {
        name: len(ask(corpus, name)) for name in figures["lignes_par_question"]
    }
    assert len(figures["lignes_par_question"]) >= 5
    # The same answers through the SPARQL endpoint the notebook started, and stopped, itself.
    assert figures["point_d_acces_lance_par_le_carnet"] is True
    assert figures["http_identique"] is True
    assert figures["serveur_arrete"] is True


@pytest.mark.slow
def test_02_reseaux_de_partenaires(corpus: Corpus, run: Callable[[str, Corpus], Run]) -> None:
    executed = run("02-reseaux-de-partenaires.ipynb", corpus)
    figures = executed.figures
    partners = build_network(corpus.store, "partenaires")
    assert figures["partenaires"] == network_figures(partners)
    assert figures["communaute_par_partenaire"] == dict(partners.nodes(data="communaute"))
    assert figures["structures_partenaires"] == network_figures(
        build_network(corpus.store, "structures-partenaires")
    )
    # The two most frequent keywords (ties by label), each with its own partner network.
    ranked = sorted(
        ask(corpus, "actions-par-mot-cle"), key=lambda row: (-row["actions"], row["libelle"].casefold())
    )
    keywords = [row["libelle"] for row in ranked[:2]]
    assert figures["mots_cles_compares"] == keywords
    assert len(keywords) == 2
    assert figures["par_mot_cle"] == {
        keyword: network_figures(build_network(corpus.store, "partenaires", Filters(mots_cles=(keyword,))))
        for keyword in keywords
    }
    # The interactive view: written as one offline file, and embedded in the notebook.
    assert figures["vue"]["ressources_externes"] == 0
    page = (executed.out / "02-reseaux-de-partenaires" / figures["vue"]["fichier"]).read_text(
        encoding="utf-8"
    )
    assert "vis.Network" in page or "vis-network" in page
    html = [
        output["data"]["text/html"]
        for cell in executed.notebook.cells
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]
    assert any("<iframe srcdoc=" in "".join(text) for text in html)


@pytest.mark.slow
def test_03_publier_et_reutiliser(corpus: Corpus, run: Callable[[str, Corpus], Run]) -> None:
    executed = run("03-publier-et-reutiliser.ipynb", corpus)
    figures = executed.figures
    assert figures["conforme"] is True
    assert figures["triplets"] == {
        "build": corpus.built.triples,
        "void": corpus.built.triples,
        "depot": corpus.built.triples,
    }
    # The description: the title and licence the project's own build writes.
    description = Graph().parse(corpus.dataset / "catalogue.ttl", format="turtle")
    (row,) = description.query(
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?titre ?licence WHERE {
          ?jeu a dcat:Dataset ; dct:title ?titre ; dct:license ?licence . FILTER(LANG(?titre) = "fr")
        }"""
    )
    assert (figures["titre"], figures["licence"]) == (str(row[0]), str(row[1]))
    # One distribution per published file, with its true size.
    folder = executed.out / "03-publier-et-reutiliser" / "donnees"
    assert set(figures["distributions"]) == {file.name for file in published_files(folder)}
    for name, size in figures["distributions"].items():
        assert size == (folder / name).stat().st_size, name
    # The question re-run on the dump loaded into rdflib: the store's answer.
    assert figures["question"] == "actions-par-mot-cle"
    expected = column(corpus, "actions-par-mot-cle", "motCle", "actions")
    assert expected
    assert figures["reponse_depot"] == expected
    assert figures["reponse_magasin"] == expected
    assert len(figures["identiques"]) >= 4
    assert all(figures["identiques"].values()), figures["identiques"]
    # The GraphML and GEXF exports hold the networks build_network draws.
    bipartite = build_network(corpus.store, "structures-partenaires")
    assert figures["graphml"] == {
        "noeuds": bipartite.number_of_nodes(),
        "aretes": bipartite.number_of_edges(),
    }
    keywords = build_network(corpus.store, "mots-cles")
    assert figures["gexf"] == {"noeuds": keywords.number_of_nodes(), "aretes": keywords.number_of_edges()}
