"""The network views in a real browser: Debian's Chromium, driven by Playwright.

/reseau is loaded from `maillage serve` on the seed; the standalone file written by write_view is opened
from file://. As for the query page (test_query_page_browser.py, whose launch options, request guard and
strict Content-Security-Policy are reused), every request is recorded and any that would leave 127.0.0.1 is
blocked and fails the test; script errors, console errors and dialogs fail it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import networkx as nx
import pytest
from test_query_page_browser import STRICT_CSP, TIMEOUT_MS, Browsing, _local, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOT = Path("/tmp/maillage-reseau.png")
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><img src=x onerror=alert(1)>"
SETTLED = "#reseau-canvas[data-state='stable']"


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Browsing]]:  # noqa: F811
    """Open a URL in a fresh context that lets nothing leave 127.0.0.1 (file:// only for `allow_file`)."""
    contexts = []

    def open_(url: str, allow_file: str | None = None) -> Browsing:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                      service_workers="block")
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        seen = Browsing(page, url)

        def allowed(target: str) -> bool:
            return _local(target) or (allow_file is not None and target == allow_file)

        def guard(route) -> None:
            if not allowed(route.request.url):
                seen.blocked.append(route.request.url)
                route.abort()
            elif route.request.is_navigation_request() and not route.request.url.startswith("file:"):
                response = route.fetch()
                headers = dict(response.headers)
                headers.setdefault("content-security-policy", STRICT_CSP)
                route.fulfill(response=response, headers=headers)
            else:
                route.continue_()

        context.route("**/*", guard)
        page.on("request", lambda request: seen.requests.append(request.url)
                if not allowed(request.url) else None)
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        # A favicon 404 is logged as "Failed to load resource": expected; any other console error fails.
        page.on("console", lambda message: seen.errors.append(message.text)
                if message.type == "error" and "Failed to load resource" not in message.text else None)
        page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
        response = page.goto(url)
        assert response is None or response.ok, f"GET {url}: {response.status}"
        return seen

    yield open_
    for context in contexts:
        context.close()


def expected_network(seed_dataset: Path, kind: str = "partenaires", **filters) -> nx.Graph:
    from maillage.graph.networks import Filters, build_network
    from maillage.graph.store import open_store

    return build_network(open_store(seed_dataset, "disk"), kind, Filters(**filters))


def drawn(page) -> dict:
    """What the page drew: nodes in the network, nodes shown, the island's count, the canvas' ink."""
    return page.evaluate("""() => {
      const state = window.maillageReseau;
      const island = JSON.parse(document.getElementById('reseau-donnees').textContent);
      const canvas = document.querySelector('#reseau-canvas canvas');
      const context = canvas.getContext('2d');
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 3; i < pixels.length; i += 4 * 7) if (pixels[i] > 0) ink++;
      return {
        nodes: state.nodes.length,
        network: state.network.body.data.nodes.length,
        visible: Number(document.getElementById('reseau-canvas').dataset.visible),
        island: island.counts.nodes,
        ids: island.nodes.map((node) => node.id),
        width: canvas.width, height: canvas.height, ink,
        physics: state.network.physics.options.enabled,
      };
    }""")


def hover_node(page, node_id: str) -> None:
    """Move the mouse onto a node and wait for its tooltip."""
    x, y = page.evaluate("""(id) => {
      document.getElementById('reseau-canvas').scrollIntoView({ block: 'center' });
      const network = window.maillageReseau.network;
      const point = network.canvasToDOM(network.getPosition(id));
      const box = document.getElementById('reseau-canvas').getBoundingClientRect();
      return [box.left + point.x, box.top + point.y];
    }""", node_id)
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=4)
    page.locator("div.vis-tooltip").wait_for(state="visible")


def test_reseau_page_draws_the_network_and_follows_the_filters(served_seed: str, seed_dataset: Path,
                                                               open_page) -> None:
    from playwright.sync_api import expect

    seen = open_page(f"{served_seed}/reseau")
    page = seen.page
    expect(page).to_have_title(re.compile("Réseaux"))
    page.locator(SETTLED).wait_for()

    # The canvas is drawn, with as many nodes as networkx counts for the same (default) filters.
    expected = expected_network(seed_dataset)
    first = drawn(page)
    count = expected.number_of_nodes()
    assert first["nodes"] == first["network"] == first["visible"] == first["island"] == count
    assert set(first["ids"]) == set(expected)
    assert first["width"] > 300 and first["height"] > 300 and first["ink"] > 500
    assert first["physics"] is False  # settled, then frozen
    expect(page.locator("#reseau-etat")).to_contain_text(f"{expected.number_of_nodes()}\u00a0nœuds")
    expect(page.locator("#reseau-legende li")).to_have_count(1)
    expect(page.locator("#reseau-top table")).to_have_count(3)

    # A node's tooltip: its label, in French.
    node = max(expected, key=lambda n: expected.degree(n, weight="weight"))
    hover_node(page, node)
    tooltip = page.locator("div.vis-tooltip")
    expect(tooltip).to_contain_text(expected.nodes[node]["label"])
    expect(tooltip).to_contain_text("Type de partenaire")
    expect(tooltip).to_contain_text("degré pondéré")

    # Another filter from the form: mot-clé Parentalité.
    page.select_option("#f-mot-cle", "parentalite")
    page.get_by_role("button", name="Afficher le réseau").click()
    page.wait_for_url(re.compile(r"mot-cle=parentalite"))
    page.locator(SETTLED).wait_for()
    filtered = expected_network(seed_dataset, mots_cles=("parentalite",))
    second = drawn(page)
    assert second["nodes"] == second["visible"] == second["island"] == filtered.number_of_nodes()
    assert set(second["ids"]) == set(filtered)
    assert second["nodes"] != first["nodes"]
    expect(page.locator("#reseau-description")).to_contain_text("Parentalité")
    expect(page.locator("#f-mot-cle")).to_have_value("parentalite")
    gexf = page.locator("#reseau-exports a[data-format='gexf']").get_attribute("href")
    assert "mot-cle=parentalite" in gexf

    page.screenshot(path=str(SCREENSHOT), full_page=True)
    seen.assert_clean()


def test_reseau_menu_filters_by_kind_and_finds_a_node(served_seed: str, seed_dataset: Path,
                                                      open_page) -> None:
    from playwright.sync_api import expect

    seen = open_page(f"{served_seed}/reseau?type=structures-partenaires")
    page = seen.page
    page.locator(SETTLED).wait_for()
    expected = expected_network(seed_dataset, "structures-partenaires")
    structures = [n for n, data in expected.nodes(data=True) if data["kind"] == "structure"]
    assert drawn(page)["visible"] == expected.number_of_nodes()
    # The niveau select applies to this network, via does not (disabled, so not sent).
    assert page.locator("#f-via").is_disabled() and not page.locator("#f-niveau").is_disabled()

    # Hide the partner kinds: only the structures remain.
    page.get_by_label("Types de partenaires", exact=True).uncheck()
    expect(page.locator("#reseau-canvas")).to_have_attribute("data-visible", str(len(structures)))
    hidden = page.evaluate("window.maillageReseau.nodes.get({filter: (n) => n.hidden}).length")
    assert hidden == expected.number_of_nodes() - len(structures)
    expect(page.locator("#reseau-etat")).to_contain_text("filtres du menu")

    # Search a partner kind by name: the search shows it again, selects it and tells its details.
    partner = next(n for n, data in expected.nodes(data=True) if data["kind"] == "type-partenaire")
    label = expected.nodes[partner]["label"]
    page.fill("#reseau-recherche", label)
    page.press("#reseau-recherche", "Enter")
    detail = page.locator("#reseau-detail")
    expect(detail).to_be_visible()
    expect(detail.locator(".reseau-infobulle-titre")).to_have_text(label)
    assert page.evaluate("window.maillageReseau.network.getSelectedNodes()") == [partner]
    assert page.get_by_label("Types de partenaires", exact=True).is_checked()

    page.get_by_role("button", name="Tout afficher").click()
    expect(page.locator("#reseau-canvas")).to_have_attribute("data-visible", str(expected.number_of_nodes()))
    expect(detail).to_be_hidden()
    seen.assert_clean()


def test_standalone_file_opens_offline_and_runs_nothing_from_the_data(tmp_path: Path, open_page) -> None:
    from playwright.sync_api import expect

    from maillage.publish.views import write_view

    G = nx.Graph(name="Réseau " + SCRIPT)
    G.add_node("a", iri="https://w3id.org/maillage/structure/a", label=SCRIPT, kind="structure", actions=2,
               departement=BREAKOUT)
    G.add_node("b", iri="https://w3id.org/maillage/concept/types-partenaires/b", label=BREAKOUT,
               kind="type-partenaire", actions=2)
    G.add_node("c", iri="https://w3id.org/maillage/organisation/c", label='Mairie "centre" & co',
               kind="organisation", actions=1)
    G.add_edge("a", "b", weight=2, actions=["x", "y"], titles=[SCRIPT, BREAKOUT])
    G.add_edge("a", "c", weight=1, actions=["z"], titles=["<b>gras</b>"])
    path = write_view(G, tmp_path / "vue.html")
    url = path.as_uri()

    seen = open_page(url, allow_file=url)
    page = seen.page
    page.locator(SETTLED).wait_for()
    assert drawn(page)["nodes"] == 3
    expect(page.locator("h1")).to_have_text("Réseau " + SCRIPT)
    assert page.locator("img, b").count() == 0

    # The tooltip shows the label and the département as text.
    hover_node(page, "https://w3id.org/maillage/structure/a")
    tooltip = page.locator("div.vis-tooltip")
    expect(tooltip.locator(".reseau-infobulle-titre")).to_have_text(SCRIPT)
    expect(tooltip).to_contain_text("Département : " + BREAKOUT)
    assert tooltip.locator("script, img").count() == 0

    # The search finds the node by its label and the detail panel shows it as text.
    page.fill("#reseau-recherche", BREAKOUT)
    page.press("#reseau-recherche", "Enter")
    expect(page.locator("#reseau-detail .reseau-infobulle-titre")).to_have_text(BREAKOUT)
    options = page.evaluate("Array.from(document.querySelectorAll('#reseau-noms option'), (o) => o.value)")
    assert SCRIPT in options and BREAKOUT in options

    # An edge's tooltip lists the titles of its actions, as text.
    edge_text = page.evaluate("window.maillageReseau.edges.get({filter: (e) => e.from.endsWith('/a')"
                              " && e.to.endsWith('/b') || e.to.endsWith('/a') && e.from.endsWith('/b')})[0]"
                              ".title.textContent")
    assert SCRIPT in edge_text and BREAKOUT in edge_text

    page.wait_for_timeout(300)  # let any stray script run, so that a dialog would show up
    assert seen.dialogs == []
    seen.assert_clean()


def test_reseau_page_by_commune_coloured_by_departement(served_seed: str, seed_dataset: Path,
                                                        open_page) -> None:
    """Toulouse (31555): the structures of #5 (no partner), #16, #21 and #20, whose texts name it."""
    from playwright.sync_api import expect

    from maillage.publish.views import PALETTE

    seen = open_page(f"{served_seed}/reseau?type=structures-partenaires")
    page = seen.page
    page.locator(SETTLED).wait_for()
    page.select_option("#f-commune", "31555")
    page.select_option("#f-couleur", "departement")
    page.get_by_role("button", name="Afficher le réseau").click()
    page.wait_for_url(lambda url: "commune=31555" in url and "couleur=departement" in url)
    page.locator(SETTLED).wait_for()

    expected = expected_network(seed_dataset, "structures-partenaires", communes=("31555",))
    shown = drawn(page)
    assert shown["nodes"] == shown["visible"] == expected.number_of_nodes() > 0
    assert set(shown["ids"]) == set(expected) and shown["ink"] > 500
    expect(page.locator("#reseau-legende-departements li")).to_have_count(2)
    expect(page.locator("#reseau-legende-departements")).to_contain_text("Haute-Garonne (31)")
    expect(page.locator("#reseau-legende-departements")).to_contain_text("Sans département")
    expect(page.locator("#reseau-description")).to_contain_text("Toulouse (31555)")

    # A structure is filled with its département's colour, and keeps it once a highlight is cleared.
    structure = next(n for n, data in expected.nodes(data=True) if data["kind"] == "structure")
    colour = f"window.maillageReseau.nodes.get({structure!r}).color.background"
    assert page.evaluate(colour) == PALETTE[0]
    hover_node(page, structure)
    page.mouse.down()
    page.mouse.up()
    expect(page.locator("#reseau-detail")).to_be_visible()
    page.get_by_role("button", name="Tout afficher").click()
    assert page.evaluate(colour) == PALETTE[0]
    seen.assert_clean()
