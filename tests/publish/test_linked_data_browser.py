"""Following links between resources in a real browser, from the landing page to the Turtle of an action.

Debian's Chromium, driven by Playwright, against `maillage serve`; every request that would leave 127.0.0.1
is blocked and fails the test (see test_reseau_browser.py for the guard and the strict policy). In the seed
each structure runs one action, so the dataset is the seed plus a second action of its first structure,
written in the export format as a centre would: a second fiche under the same structure name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from test_query_page_browser import browser  # noqa: F401
from test_reseau_browser import open_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_TITLE = "GRATUITERIE"
SECOND_TITLE = "ATELIER DE RÉPARATION DE VÉLOS"
MLG = rdflib.Namespace("https://w3id.org/maillage/ontologie#")


def second_fiche(seed: Path, out: Path) -> Path:
    """An export holding the seed's first fiche retitled: another action of the same structure."""
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == "Actions"]
    fiche = lines[starts[0] : starts[1]]
    assert fiche[1].strip() == FIRST_TITLE
    fiche[1] = SECOND_TITLE + "\n"
    out.write_text("".join(fiche), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def two_actions_dataset(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from maillage.graph.build import build_dataset
    from maillage.graph.export import read_export
    from maillage.graph.record import Fiche

    folder = tmp_path_factory.mktemp("deux-actions")
    extra = second_fiche(seed, folder / "seconde-fiche.txt")
    fiches = [item for path in (seed, extra) for item in read_export(path) if isinstance(item, Fiche)]
    build_dataset(fiches, folder / "dataset", files=[str(seed), str(extra)])
    return folder / "dataset"


def test_landing_action_structure_other_action_turtle(
    two_actions_dataset: Path,
    serve_dataset,
    open_page,  # noqa: F811
) -> None:
    base = serve_dataset(two_actions_dataset)
    seen = open_page(f"{base}/")
    page = seen.page
    assert page.locator(".counts dd").first.inner_text() == "26"

    # Search by a word of the title, case and accents aside, and open the action.
    page.fill("#recherche-texte", "gratuiterie")
    result = page.locator("#recherche-resultats a", has_text=FIRST_TITLE)
    result.wait_for()
    result.click()
    page.wait_for_url(re.compile(r"/action/31/.+/gratuiterie\.html$"))
    assert page.locator("h1").inner_text() == FIRST_TITLE

    # Its structure, through the property row that names it.
    page.locator("a[href*='structure/31/']").first.click()
    page.wait_for_url(re.compile(r"/structure/31/[a-z0-9-]+\.html$"))
    structure_url = page.url
    assert "Lèguevin" in page.locator("h1").inner_text()

    # The structure's page lists its actions; open the other one.
    other = page.locator("ul.incoming a", has_text=SECOND_TITLE)
    assert page.locator("ul.incoming a", has_text=FIRST_TITLE).count() == 1
    other.click()
    page.wait_for_url(re.compile(r"/action/31/.+\.html$"))
    assert page.locator("h1").inner_text() == SECOND_TITLE
    action_iri = page.locator(".resource-iri code").first.inner_text()

    # And its data in Turtle, from the page's own link.
    turtle_link = page.locator(".resource-formats a", has_text="Turtle")
    href = turtle_link.get_attribute("href")
    assert href is not None and href.endswith(".ttl")
    with page.expect_response(lambda response: response.url.endswith(".ttl")) as answer:
        try:
            with page.expect_download(timeout=5_000):
                turtle_link.click()
        except Exception:  # Chromium displayed the text instead of downloading it: the response is enough
            pass
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.body(), format="turtle")
    subject = rdflib.URIRef(action_iri)
    assert (subject, rdflib.URIRef("http://purl.org/dc/terms/title"), None) in graph
    structure = "https://w3id.org/maillage/" + structure_url[len(base) + 1 : -len(".html")]
    assert set(graph.objects(subject, MLG.structureOrganisatrice)) == {rdflib.URIRef(structure)}
    seen.assert_clean()
