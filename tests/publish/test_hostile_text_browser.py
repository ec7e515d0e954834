"""Script and markup written in a fiche show as text everywhere the project shows the fiche.

One export puts a hostile payload in its title, structure name, an unreviewed keyword, an unreviewed
partner kind and every free-text field. The dataset built from it is served and published as a static
site, and a real browser (Debian's Chromium) opens every page that shows those values: the landing page
and its search, the query page's results, the resource pages, the network page and its standalone view,
and the static site's pages. On each, no payload ran (no dialog, no ``window.__xss``, no element the
payload would have created), the payload's text is on the page as text, and the server's policy headers
are there. Every request stays on 127.0.0.1 (the fixtures block and report any other).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_query_page_browser import browser  # noqa: F401
from test_reseau_browser import open_page  # noqa: F401

from maillage.graph.build import build_dataset
from maillage.graph.export import read_export
from maillage.graph.iris import slug
from maillage.graph.record import Fiche

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def payload(where: str) -> str:
    """Markup that would run, or leave an element behind, if a page inserted it as HTML."""
    return (
        f"<script>window.__xss='{where}'</script><img src=x onerror=\"window.__xss='{where}'\">"
        f'<b data-xss="{where}">{where}</b>"\'&amp;</textarea></title></style>'
    )


TITLE = "Atelier " + payload("titre")
STRUCTURE = "Centre social " + payload("structure")
KEYWORD = payload("mot-cle")
PARTNER = payload("partenaire")
SEARCH_WORD = "Atelier"

TEXT_LABELS = (
    "Résumé",
    "Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",
    "Description générale",
    "Ressources financières mobilisées pour cette action",
    "Nombre de personnes mobilisés pour cette action",
    "Résultat sur le territoire",
    "Résultat pour le centre social",
    "Résultat pour les habitants",
    "Suite de l'action : Limites",
    "Suite de l'action : Perspectives",
)


def hostile_export() -> str:
    """One fiche in the SENACS text format, hostile wherever the form lets a centre write."""
    lines = [
        "Actions",
        TITLE,
        "- Structure organisatrice",
        f"- {STRUCTURE} - Haute-Garonne",
        "- Statut de l'action",
        "- En cours",
        "- Mots clés associés à l'action",
        "-",
        f"- {KEYWORD}",
        "- Solidarité",
        "- Avec qui cette action a-t-elle été menée ?",
        "-",
        "Partenaires d'action:",
        f"- {PARTNER}",
        "- Caf",
    ]
    for label in TEXT_LABELS:
        lines += [f"- {label}", f"1500€, 3 bénévoles. {payload(slug(label)[:20])}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hostile_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    export = folder / "hostile.txt"
    export.write_text(hostile_export(), encoding="utf-8")
    fiches = [item for item in read_export(export) if isinstance(item, Fiche)]
    assert len(fiches) == 1 and fiches[0].titre == TITLE and fiches[0].structure == STRUCTURE
    build_dataset(fiches, folder / "dataset", files=[str(export)])
    return folder / "dataset"


@pytest.fixture(scope="module")
def hostile_site(hostile_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The static site of the dataset, served by a plain file server."""
    from maillage.publish.static_site import publish_site

    site = tmp_path_factory.mktemp("hostile-site") / "site"
    publish_site(hostile_dataset, site)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def assert_inert(seen, *, shows: tuple[str, ...] = ()) -> None:
    """Nothing of the payloads ran or became markup; what the page shows of them is their text."""
    page = seen.page
    page.wait_for_timeout(200)  # let any stray handler (an img's onerror) fire
    assert page.evaluate("() => window.__xss") is None, seen.base
    assert page.locator("[data-xss]").count() == 0, seen.base
    text = page.locator("body").inner_text()
    for where in shows:
        assert f"<b data-xss=\"{where}\">" in text, (seen.base, where)
    seen.assert_clean()


def test_the_server_pages_show_the_payloads_as_text(
    hostile_dataset: Path,
    serve_dataset,
    open_page,  # noqa: F811
) -> None:
    base = serve_dataset(hostile_dataset)

    seen = open_page(f"{base}/")
    seen.page.locator("#recherche-texte").fill(SEARCH_WORD)
    seen.page.locator("#recherche-resultats a").first.wait_for()
    assert_inert(seen, shows=("titre",))

    action = f"{base}/action/31/{slug(STRUCTURE)}/{slug(TITLE)}.html"
    seen = open_page(action)
    assert_inert(seen, shows=("titre", "structure", "mot-cle", "partenaire", "resume"))
    response = seen.page.request.get(action)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"

    for path, shows in (
        (f"structure/31/{slug(STRUCTURE)}.html", ("structure", "titre")),
        (f"fiche/31/{slug(STRUCTURE)}/{slug(TITLE)}.html", ("titre",)),
    ):
        assert_inert(open_page(f"{base}/{path}"), shows=shows)

    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'data-xss')) }"
    seen = open_page(f"{base}/sparql")
    seen.page.evaluate("(q) => { document.querySelector('.CodeMirror').CodeMirror.setValue(q) }", query)
    seen.page.locator("#run").click()
    seen.page.locator("#results table").first.wait_for()
    assert_inert(seen, shows=("titre", "structure", "mot-cle", "partenaire"))

    seen = open_page(f"{base}/reseau?type=structures-partenaires")
    seen.page.locator("#reseau-canvas[data-state='stable']").wait_for()
    assert_inert(seen)
    island = seen.page.locator("#reseau-donnees").text_content()
    assert "data-xss" in island  # the labels are in the data, as text, not in the page's markup


def test_the_standalone_view_runs_only_its_own_scripts(
    hostile_dataset: Path,
    tmp_path: Path,
    open_page,  # noqa: F811
) -> None:
    from maillage.graph.networks import build_network
    from maillage.graph.store import open_store
    from maillage.publish.views import write_view

    graph = build_network(open_store(hostile_dataset, "disk"), "structures-partenaires")
    view = write_view(graph, tmp_path / "vue.html")
    html = view.read_text(encoding="utf-8")
    assert "http-equiv=\"Content-Security-Policy\"" in html and "unsafe-inline" not in html
    seen = open_page(view.as_uri(), allow_file=view.as_uri())
    seen.page.locator("#reseau-canvas[data-state='stable']").wait_for()
    assert_inert(seen)

    # The policy is what stops a script that is not the view's own: one slipped into the file does not run.
    injected = tmp_path / "injectee.html"
    slipped = html.replace("</body>", "<script>window.__xss='injecte'</script></body>")
    injected.write_text(slipped, encoding="utf-8")
    seen = open_page(injected.as_uri(), allow_file=injected.as_uri())
    seen.page.locator("#reseau-canvas[data-state='stable']").wait_for()
    assert seen.page.evaluate("() => window.__xss") is None
    assert any("Content Security Policy" in error for error in seen.errors)


def test_the_static_site_shows_the_payloads_as_text(hostile_site: str, open_page) -> None:  # noqa: F811
    assert_inert(open_page(f"{hostile_site}/index.html"))
    action = f"{hostile_site}/action/31/{slug(STRUCTURE)}/{slug(TITLE)}.html"
    assert_inert(open_page(action), shows=("titre", "structure", "mot-cle", "partenaire", "resume"))
