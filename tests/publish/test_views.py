"""The network views: escaping, offline assets, pruning, legend, tooltips; and the /reseau page (Flask test
client over the seed). The browser tests are in test_reseau_browser.py."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from flask import Flask

from maillage.publish import views
from maillage.publish.views import KINDS, PALETTE, Colouring, prune, view_data, write_view

VENDOR = Path(views.__file__).resolve().parent / "static" / "vendor"

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><img src=x onerror=alert(1)>"
QUOTES = "Caf \"du coin\" & l'« autre »"
NASTY = (SCRIPT, BREAKOUT, QUOTES)


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes, and the text of its JSON islands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.islands: dict[str, str] = {}
        self._island: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script" and attributes.get("type") == "application/json":
            self._island = attributes.get("id") or ""
            self.islands[self._island] = ""

    def handle_data(self, data: str) -> None:
        if self._island is not None:
            self.islands[self._island] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._island = None


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def island(html: str) -> dict:
    return json.loads(parse(html).islands["reseau-donnees"])


def nasty_graph() -> nx.Graph:
    """Four nodes of four kinds whose texts hold markup, quotes and script breakouts."""
    G = nx.Graph(name="Réseau " + SCRIPT)
    G.add_node("s", iri="https://w3id.org/maillage/structure/s", label=SCRIPT, kind="structure", actions=3,
               departement=BREAKOUT, communaute=0)
    G.add_node("t", iri="https://w3id.org/maillage/concept/types-partenaires/t", label=BREAKOUT,
               kind="type-partenaire", actions=2, communaute=0)
    G.add_node("o", iri="https://w3id.org/maillage/organisation/o", label=QUOTES, kind="organisation",
               actions=1, departement=QUOTES, communaute=1)
    G.add_node("m", iri="https://w3id.org/maillage/concept/mots-cles/m", label="Parentalité", kind="mot-cle",
               actions=1, communaute=1)
    G.add_edge("s", "t", weight=2, actions=["a1", "a2"], titles=[SCRIPT, BREAKOUT])
    G.add_edge("s", "o", weight=1, actions=["a3"], titles=[QUOTES])
    G.add_edge("o", "m", weight=1, actions=["a4"], titles=["Atelier <b>parents</b>"])
    return G


# ---- Escaping ---------------------------------------------------------------------------------------

def test_texts_from_fiches_are_escaped_and_travel_intact(tmp_path: Path) -> None:
    path = write_view(nasty_graph(), tmp_path / "vue.html", title="Titre " + SCRIPT)
    html = path.read_text(encoding="utf-8")

    # Nothing from the data is markup: no script to run, no element breaking out of the island.
    assert "<script>alert" not in html
    assert "</script><img" not in html
    assert "<b>parents" not in html
    assert "onerror=alert(1)>" not in html
    page = parse(html)
    assert not [tag for tag, _ in page.tags if tag in ("img", "b")]
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    # the data island, then vis-network, dom.js and reseau.js
    assert [attrs.get("type") for attrs in scripts] == ["application/json", None, None, None]
    assert "Titre &lt;script&gt;alert(1)&lt;/script&gt;" in html  # <title> and <h1>, escaped

    # The island parses back to the very strings of the graph: labels, tooltips, edge titles.
    data = island(html)
    nodes = {node["id"]: node for node in data["nodes"]}
    structure = nodes["https://w3id.org/maillage/structure/s"]
    assert structure["nom"] == structure["label"] == SCRIPT
    assert structure["title"].split("\n")[0] == SCRIPT
    assert f"Département : {BREAKOUT}" in structure["title"].split("\n")
    assert nodes["https://w3id.org/maillage/concept/types-partenaires/t"]["nom"] == BREAKOUT
    organisation = nodes["https://w3id.org/maillage/organisation/o"]
    assert organisation["nom"] == QUOTES and f"Département : {QUOTES}" in organisation["title"]
    titles = "\n".join(edge["title"] for edge in data["edges"])
    for text in (*NASTY, "Atelier <b>parents</b>"):
        assert f"• {text}" in titles
    assert f"{SCRIPT} — {BREAKOUT}" in titles


def test_the_island_escapes_what_would_end_it() -> None:
    html = views.render_view(nasty_graph())
    text = parse(html).islands["reseau-donnees"]
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert "\\u003c/script\\u003e" in text


def test_the_script_never_puts_data_in_markup() -> None:
    script = (views.STATIC / "reseau.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.DOTALL)
    assert "innerHTML" not in code and "outerHTML" not in code and "insertAdjacentHTML" not in code
    assert "document.write" not in code and "eval(" not in code
    assert "JSON.parse" in code and "textContent" in code


# ---- Offline ----------------------------------------------------------------------------------------

REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


def remote_assets(html: str) -> list[str]:
    """Scripts, stylesheets, images, frames… that a page would fetch from another host."""
    found = []
    for tag, attrs in parse(html).tags:
        for name in ("src", "href", "data", "srcset", "poster"):
            value = attrs.get(name)
            if value is None or not REMOTE.match(value):
                continue
            if tag == "a":  # a link is followed by a person, not fetched by the page
                continue
            found.append(f"<{tag} {name}={value}>")
    for block in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL | re.IGNORECASE):
        found += re.findall(r"@import\s+(?:url\()?\s*['\"]?(?:https?:)?//[^'\")\s]+", block)
        found += re.findall(r"url\(\s*['\"]?(?:https?:)?//[^'\")\s]+", block)
    return found


def test_standalone_file_references_nothing_remote(tmp_path: Path) -> None:
    html = write_view(nasty_graph(), tmp_path / "vue.html").read_text(encoding="utf-8")
    assert remote_assets(html) == []
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*['\"]?(https?:)?//", html, re.IGNORECASE)
    # vis-network and our script are inlined, not linked: the file works from anywhere.
    assert "vis.Network" in html or "Network" in html
    assert "maillageReseau" in html
    assert "sourceMappingURL" not in html


def test_inlining_keeps_script_and_style_elements_closed(tmp_path: Path) -> None:
    source = tmp_path / "code.js"
    source.write_text('const a = "</script><b>";\nconst b = "</SCRIPT>";\n//# sourceMappingURL=code.js.map\n')
    text = views._inline(source, "script")
    assert "</script" not in text.lower() and "<\\/script" in text and "sourceMappingURL" not in text
    source.write_text("<!-- <script>")
    with pytest.raises(ValueError, match="<!--"):
        views._inline(source, "script")
    for name in ("vis-network/vis-network.min.js", "vis-network/vis-network.min.css"):
        content = (VENDOR / name).read_text(encoding="utf-8").lower()
        assert "</script" not in content and "</style" not in content


def test_vendored_vis_network_matches_its_readme() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    files = ["vis-network.min.js", "vis-network.min.css", "LICENSE-APACHE-2.0", "LICENSE-MIT"]
    for name in files:
        digest = hashlib.sha256((VENDOR / "vis-network" / name).read_bytes()).hexdigest()
        assert digest in readme, f"{name}: sha256 {digest} is not the one in publish/static/vendor/README.md"
    script = (VENDOR / "vis-network" / "vis-network.min.js").read_text(encoding="utf-8")
    # The build that injects no <style> element (CSP without 'unsafe-inline') and brings its DataSet.
    assert 'createElement("style")' not in script and "DataSet" in script


# ---- Pruning ----------------------------------------------------------------------------------------

def weighted_graph(n: int = 60, seed: int = 3) -> nx.Graph:
    """A connected graph of n structures and keywords, weights 1 to 9, deterministic."""
    base = nx.gnm_random_graph(n, n * 4, seed=seed)
    G = nx.Graph()
    for node in base:
        G.add_node(f"n{node:03d}", iri=f"https://w3id.org/maillage/x/n{node:03d}", label=f"Nœud {node:03d}",
                   kind="structure" if node % 3 else "mot-cle", actions=node % 7 + 1)
    for u, v in base.edges():
        weight = (u * 7 + v * 13) % 9 + 1
        G.add_edge(f"n{u:03d}", f"n{v:03d}", weight=weight, actions=[f"a{u}-{v}"], titles=[f"Action {u}-{v}"])
    return G


def test_within_the_budget_nothing_is_cut() -> None:
    G = weighted_graph(40)
    view, pruning = prune(G, max_nodes=40, max_edges=G.number_of_edges())
    assert pruning is None and view is G
    data = view_data(G, max_nodes=40, max_edges=G.number_of_edges())
    assert data["pruned"] is None
    assert data["counts"] == {"nodes": 40, "edges": G.number_of_edges(), "total_nodes": 40,
                              "total_edges": G.number_of_edges()}


def test_above_the_budget_the_strongest_ties_are_kept() -> None:
    G = weighted_graph(60)
    strength = dict(G.degree(weight="weight"))
    view, pruning = prune(G, max_nodes=25, max_edges=40, top_k=2, min_weight=3)
    assert pruning is not None and pruning.node_cut
    assert 0 < view.number_of_nodes() <= 25 and view.number_of_edges() <= 40
    strongest = sorted(G, key=lambda node: (-strength[node], G.nodes[node]["label"]))[:25]
    assert set(view) <= set(strongest)
    assert all(view.degree(node) > 0 for node in view)  # no isolated node
    sub = G.subgraph(strongest)
    for u, v, data in view.edges(data=True):
        assert data["weight"] >= 3
        # Each kept edge is among the two strongest (weight >= 3) of one of its ends.
        ranks = []
        for end in (u, v):
            weights = sorted((d["weight"] for _, d in sub[end].items() if d["weight"] >= 3), reverse=True)
            ranks.append(data["weight"] >= weights[min(1, len(weights) - 1)])
        assert any(ranks)
    # The strongest tie among the kept nodes is always kept.
    top = max(sub.edges(data=True), key=lambda e: e[2]["weight"])
    assert view.has_edge(top[0], top[1])


def test_the_page_says_what_was_kept(tmp_path: Path) -> None:
    G = weighted_graph(60)
    data = view_data(G, max_nodes=25, max_edges=40, top_k=2, min_weight=3)
    note = data["pruned"]
    assert note.startswith("Réseau réduit pour rester lisible")
    assert f"{data['counts']['nodes']}\u00a0nœuds sur 60" in note
    assert "les 25 nœuds au plus fort degré pondéré" in note
    assert "ses 2 liens les plus forts" in note and "de poids au moins 3" in note
    assert data["counts"]["total_nodes"] == 60 and data["counts"]["nodes"] <= 25
    html = write_view(G, tmp_path / "vue.html", max_nodes=25, max_edges=40, top_k=2, min_weight=3).read_text()
    assert 'id="reseau-reduit"' in html and "Réseau réduit pour rester lisible" in html


def test_default_budget_applies_to_large_networks() -> None:
    # A star of 800 leaves around 3 hubs: above MAX_NODES, so cut to the budget.
    G = nx.Graph()
    for hub in range(3):
        G.add_node(f"h{hub}", label=f"Hub {hub}", kind="type-partenaire")
    for leaf in range(800):
        G.add_node(f"l{leaf}", label=f"Feuille {leaf}", kind="structure")
        for hub in range(3):
            G.add_edge(f"l{leaf}", f"h{hub}", weight=1 + (leaf + hub) % 4)
    data = view_data(G)
    assert G.number_of_nodes() > views.MAX_NODES
    assert data["pruned"] and data["counts"]["nodes"] <= views.MAX_NODES
    assert data["counts"]["edges"] <= views.MAX_EDGES
    assert {f"h{hub}" for hub in range(3)} <= {node["id"] for node in data["nodes"]}


def test_min_weight_never_empties_the_view() -> None:
    G = weighted_graph(60)
    for _, _, data in G.edges(data=True):
        data["weight"] = 1
    data = view_data(G, max_nodes=20, max_edges=30, min_weight=5)
    assert data["counts"]["nodes"] > 0 and data["counts"]["edges"] > 0


# ---- Legend, sizes, tooltips ------------------------------------------------------------------------

def test_legend_lists_the_kinds_present(tmp_path: Path) -> None:
    G = nx.Graph()
    G.add_node("a", label="Centre A", kind="structure")
    G.add_node("b", label="Parentalité", kind="mot-cle")
    G.add_node("c", label="Centre C", kind="structure")
    G.add_edge("a", "b", weight=2)
    G.add_edge("c", "b", weight=1)
    data = view_data(G)
    assert [(entry["kind"], entry["count"]) for entry in data["legend"]] == [("structure", 2), ("mot-cle", 1)]
    html = write_view(G, tmp_path / "vue.html").read_text(encoding="utf-8")
    legend = re.search(r'<ul class="reseau-legende".*?</ul>', html, re.DOTALL).group(0)
    assert KINDS["structure"].plural in legend and KINDS["mot-cle"].plural in legend
    assert KINDS["organisation"].plural not in legend and KINDS["type-partenaire"].plural not in legend
    assert KINDS["structure"].colour in legend  # the symbol's fill, as drawn
    # Each kind is a vis-network group with its colour and shape.
    groups = data["options"]["groups"]
    assert groups["mot-cle"]["shape"] == KINDS["mot-cle"].shape
    assert groups["structure"]["color"]["background"] == KINDS["structure"].colour
    assert {node["group"] for node in data["nodes"]} == {"structure", "mot-cle"}


def test_size_by_weighted_degree_and_width_by_weight() -> None:
    G = nasty_graph()
    data = view_data(G)
    values = {node["id"].rsplit("/", 1)[1]: node["value"] for node in data["nodes"]}
    assert values == {"s": 3, "t": 2, "o": 2, "m": 1}
    assert sorted(edge["value"] for edge in data["edges"]) == [1, 1, 2]
    assert data["options"]["edges"]["scaling"]["max"] > data["options"]["edges"]["scaling"]["min"]
    # The degre_pondere measure wins when present.
    G.nodes["m"]["degre_pondere"] = 40
    values = {n["id"]: n["value"] for n in view_data(G)["nodes"]}
    assert values["https://w3id.org/maillage/concept/mots-cles/m"] == 40


def test_tooltips_are_french_and_capped() -> None:
    G = nx.Graph()
    G.add_node("a", label="Centre A", kind="structure", actions=1234, departement="Haute-Garonne",
               pagerank=0.1234, intermediarite=0.5, communaute=2, degre_pondere=14)
    G.add_node("b", label="Caf", kind="type-partenaire", actions=14)
    G.add_edge("a", "b", weight=14, actions=[f"a{i}" for i in range(14)],
               titles=[f"Action {i}" for i in range(14)])
    data = view_data(G)
    node = next(n for n in data["nodes"] if n["id"] == "a")
    assert node["title"].split("\n") == [
        "Centre A", "Structure (centre social, EVS)", "Département : Haute-Garonne", "Actions : 1\u202f234",
        "Liens : 1 · degré pondéré : 14", "PageRank : 0,123 · intermédiarité : 0,5", "Communauté : 2"]
    lines = data["edges"][0]["title"].split("\n")
    assert lines[:3] == ["Centre A — Caf", "Poids : 14", "Actions en commun : 14"]
    assert lines[3:13] == [f"• Action {i}" for i in range(10)]
    assert lines[13:] == ["… et 4 autres"]


def test_tooltips_name_the_communes_of_a_structure() -> None:
    G = nx.Graph()
    G.add_node("a", label="Centre A", kind="structure", communes=["Fontenilles", "La Salvetat-Saint-Gilles"])
    G.add_node("b", label="Centre B", kind="structure", communes=["Léguevin"])
    G.add_node("c", label="Centre C", kind="structure", communes=[])
    tips = {node["id"]: node["title"].split("\n") for node in view_data(G)["nodes"]}
    assert "Communes : Fontenilles, La Salvetat-Saint-Gilles" in tips["a"]
    assert "Commune : Léguevin" in tips["b"]
    assert not [line for line in tips["c"] if line.startswith("Commune")]


def test_cited_organisations_have_their_own_colour_shape_and_french_legend() -> None:
    cited = KINDS["organisation-citee"]
    assert cited.name == "Organisation citée dans les textes"
    others = [kind for name, kind in KINDS.items() if name != "organisation-citee"]
    assert cited.colour not in {kind.colour for kind in others}
    assert cited.shape not in {kind.shape for kind in others}
    G = nx.Graph()
    G.add_node("s", label="Centre", kind="structure")
    G.add_node("o", label="Sicoval", kind="organisation-citee")
    G.add_edge("s", "o", weight=1)
    data = view_data(G)
    assert [entry["plural"] for entry in data["legend"]] == [KINDS["structure"].plural,
                                                              "Organisations citées dans les textes"]
    assert data["options"]["groups"]["organisation-citee"]["shape"] == cited.shape
    assert next(node for node in data["nodes"] if node["id"] == "o")["title"].split("\n")[1] == cited.name


def departements_graph() -> nx.Graph:
    """Nodes of two départements (inserted Gironde first), one named without code, two without any."""
    G = nx.Graph()
    G.add_node("g", label="Centre de Bègles", kind="structure", departement="Gironde", code_departement="33")
    G.add_node("h", label="Centre de Léguevin", kind="structure", departement="Haute-Garonne",
               code_departement="31")
    G.add_node("h2", label="Caf (Haute-Garonne)", kind="organisation", departement="Haute-Garonne",
               code_departement="31")
    G.add_node("x", label="Centre X", kind="structure", departement=BREAKOUT)
    G.add_node("t", label="Caf", kind="type-partenaire")
    G.add_node("m", label="Parentalité", kind="mot-cle")
    for node in "ghx":
        G.add_edge(node, "t", weight=1)
    G.add_edge("h2", "m", weight=1)
    return G


def test_colour_by_departement_follows_the_sorted_codes() -> None:
    data = view_data(departements_graph(), colour="departement")
    assert data["colouring"] == "departement"
    assert [(entry["name"], entry["colour"], entry["count"]) for entry in data["departements"]] == [
        (BREAKOUT, PALETTE[0], 1),  # no code: sorts first
        ("Haute-Garonne (31)", PALETTE[1], 2),
        ("Gironde (33)", PALETTE[2], 1),
        ("Sans département", views.NO_DEPARTEMENT_COLOUR, 2),
    ]
    fills = {node["id"]: node["color"]["background"] for node in data["nodes"]}
    assert fills == {"x": PALETTE[0], "h": PALETTE[1], "h2": PALETTE[1], "g": PALETTE[2],
                     "t": views.NO_DEPARTEMENT_COLOUR, "m": views.NO_DEPARTEMENT_COLOUR}
    # The shapes still tell the kinds; the legend draws them in one neutral colour.
    assert {node["id"]: node["group"] for node in data["nodes"]}["h2"] == "organisation"
    assert {entry["colour"] for entry in data["legend"]} == {views.SHAPE_COLOUR}
    # The same départements, the same colours, whatever the order of the nodes.
    reversed_graph = nx.Graph()
    reversed_graph.add_nodes_from(reversed(list(departements_graph().nodes(data=True))))
    again = view_data(reversed_graph, colour=Colouring.DEPARTEMENT)
    assert again["departements"] == data["departements"]


def test_colour_by_kind_stays_the_default() -> None:
    data = view_data(departements_graph())
    assert data["colouring"] == "type" and data["departements"] == []
    assert not [node for node in data["nodes"] if "color" in node]
    colours = {entry["kind"]: entry["colour"] for entry in data["legend"]}
    assert colours["structure"] == KINDS["structure"].colour
    with pytest.raises(ValueError):
        view_data(departements_graph(), colour="arc-en-ciel")


def test_departement_legend_is_escaped_and_offline(tmp_path: Path) -> None:
    html = write_view(departements_graph(), tmp_path / "vue.html", colour="departement").read_text("utf-8")
    assert "</script><img" not in html and "onerror=alert(1)>" not in html
    assert remote_assets(html) == []
    legend = re.search(r'<ul class="reseau-legende" id="reseau-legende-departements">(.*?)</ul>', html,
                       re.DOTALL).group(1)
    names = re.findall(r'class="reseau-legende-nom">([^<]+)<', legend)
    assert names == ["&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", "Haute-Garonne (31)",
                     "Gironde (33)", "Sans département"]
    assert f'fill="{PALETTE[1]}"' in legend
    assert "Forme : type de nœud" in html and "Couleur : département" in html
    assert island(html)["departements"][0]["name"] == BREAKOUT  # intact in the island


def test_physics_settles_within_bounded_iterations() -> None:
    options = view_data(weighted_graph(60))["options"]
    physics = options["physics"]
    assert physics["solver"] == "forceAtlas2Based" and physics["enabled"] is True
    assert physics["stabilization"]["enabled"] is True and 0 < physics["stabilization"]["iterations"] <= 400
    # reseau.js switches physics off once the stabilisation is done.
    script = (views.STATIC / "reseau.js").read_text(encoding="utf-8")
    assert "stabilizationIterationsDone" in script and "physics: false" in script


def test_empty_network_writes_a_page(tmp_path: Path) -> None:
    html = write_view(nx.Graph(), tmp_path / "vide.html").read_text(encoding="utf-8")
    assert "Aucun nœud" in html and island(html)["nodes"] == []


def test_network_export_writes_the_view(tmp_path: Path) -> None:
    from maillage.graph.network_export import write_network

    write_network(nasty_graph(), tmp_path / "reseau.html")
    html = (tmp_path / "reseau.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and island(html)["counts"]["nodes"] == 4
    assert "<title>Réseau &lt;script&gt;" in html  # the graph's name, escaped


# ---- The /reseau page (Flask test client over the seed) ---------------------------------------------

@pytest.fixture(scope="module")
def client(seed_dataset: Path):
    """The /reseau blueprint in a bare Flask app over the seed (no SPARQL workers needed)."""
    from maillage.publish import reseau

    app = Flask("maillage.publish.app")  # the package's templates and static folders
    app.config.update(MAILLAGE_DATA=str(seed_dataset), TESTING=True)
    app.register_blueprint(reseau.blueprint)
    return app.test_client()


def seed_network(seed_dataset: Path, kind: str = "partenaires", **filters) -> nx.Graph:
    from maillage.graph.networks import Filters, build_network
    from maillage.graph.store import open_store

    return build_network(open_store(seed_dataset, "disk"), kind, Filters(**filters))


def test_reseau_page_shows_the_default_partner_network(client, seed_dataset: Path) -> None:
    response = client.get("/reseau")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert remote_assets(html) == []
    page = parse(html)
    scripts = [attrs.get("src") for tag, attrs in page.tags if tag == "script" and attrs.get("src")]
    assert scripts == ["/static/vendor/vis-network/vis-network.min.js", "/static/dom.js", "/static/reseau.js"]
    # No inline script: only the JSON island has content.
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html) == []
    expected = seed_network(seed_dataset)
    data = island(html)
    assert data["counts"]["nodes"] == expected.number_of_nodes() > 0
    assert {node["id"] for node in data["nodes"]} == set(expected)
    # The form: every filter, filled from the store, and the export links with the same parameters.
    selects = {attrs["name"] for tag, attrs in page.tags if tag == "select" and "name" in attrs}
    assert selects == {"type", "niveau", "via", "couleur", "mot-cle", "dimension", "public", "statut",
                       "initiative", "departement", "commune"}
    assert re.search(r'<option value="parentalite">Parentalité \(\d+\u00a0actions?\)</option>', html)
    assert re.search(r'<option value="31">Haute-Garonne \(25\u00a0actions\)</option>', html)
    assert 'href="/reseau/export.gexf?type=partenaires&amp;niveau=types"' in html
    # The tables of the most central nodes.
    assert 'data-measure="pagerank"' in html and 'data-measure="intermediarite"' in html
    assert 'aria-current="page">Réseaux</a>' in html


def test_reseau_page_filters(client, seed_dataset: Path) -> None:
    response = client.get("/reseau?type=partenaires&mot-cle=parentalite")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = seed_network(seed_dataset, mots_cles=("parentalite",))
    assert island(html)["counts"]["nodes"] == expected.number_of_nodes()
    assert expected.number_of_nodes() < seed_network(seed_dataset).number_of_nodes()
    assert '<option value="parentalite" selected>' in html
    assert "Actions retenues : mots-clés : Parentalité" in html
    assert 'href="/reseau/export.csv?type=partenaires&amp;niveau=types&amp;mot-cle=parentalite"' in html


def test_reseau_page_rejects_unknown_values_in_french(client) -> None:
    response = client.get("/reseau?mot-cle=" + SCRIPT)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Filtre inconnu" in html and "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert client.get("/reseau?type=nimporte").status_code == 400
    assert "type de réseau inconnu" in client.get("/reseau?type=nimporte").get_data(as_text=True)


@pytest.mark.parametrize("ext", ["graphml", "gexf", "json", "csv", "html"])
def test_reseau_exports(client, seed_dataset: Path, ext: str) -> None:
    response = client.get(f"/reseau/export.{ext}?type=partenaires&mot-cle=parentalite")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"reseau-partenaires.{ext}" in response.headers["Content-Disposition"]
    body = response.get_data()
    expected = seed_network(seed_dataset, mots_cles=("parentalite",))
    if ext == "json":
        graph = nx.node_link_graph(json.loads(body), edges="links")
        assert set(graph) == set(expected)
        assert all("pagerank" in data for _, data in graph.nodes(data=True))  # measures included
    elif ext == "graphml":
        assert set(nx.parse_graphml(body.decode())) == set(expected)
    elif ext == "html":
        assert island(body.decode())["counts"]["total_nodes"] == expected.number_of_nodes()
    assert client.get("/reseau/export.exe").status_code == 404


def test_reseau_page_explains_a_network_too_large(client, monkeypatch) -> None:
    from maillage.graph.networks import NetworkTooLarge
    from maillage.publish import reseau

    def too_large(*args, **kwargs):
        raise NetworkTooLarge("le réseau aurait 5 163 234 arêtes (au-delà de 500 000) : restreignez-le")

    monkeypatch.setattr(reseau, "build_network", too_large)
    response = client.get("/reseau?type=structures&departement=75")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Réseau trop grand" in html and "restreignez-le" in html
    assert 'id="reseau-donnees"' not in html
    assert '<option value="75" selected>' in html  # the form keeps what was asked


def test_reseau_page_filters_by_commune(client, seed_dataset: Path) -> None:
    html = client.get("/reseau").get_data(as_text=True)
    assert '<select id="f-commune" name="commune">' in html and "Toutes les communes" in html
    assert '<option value="31291">Léguevin (31291)</option>' in html
    assert '<option value="31149">Colomiers (31149)</option>' in html

    response = client.get("/reseau?type=structures-partenaires&commune=31291")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = seed_network(seed_dataset, "structures-partenaires", communes=("Léguevin",))
    assert {node["id"] for node in island(html)["nodes"]} == set(expected)
    assert {expected.nodes[n]["label"] for n in expected} == {"Maison des Habitants de Lèguevin", "Autre"}
    assert '<option value="31291" selected>' in html
    assert "Actions retenues : communes : Léguevin (31291)" in html
    assert "export.json?type=structures-partenaires&amp;niveau=types&amp;commune=31291" in html
    by_name = client.get("/reseau?type=structures-partenaires&commune=l%C3%A9guevin").get_data(as_text=True)
    assert {node["id"] for node in island(by_name)["nodes"]} == set(expected)


def test_reseau_page_rejects_an_unknown_commune(client) -> None:
    response = client.get("/reseau?commune=Atlantis")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Filtre inconnu — communes inconnu(s) : Atlantis" in html and "Léguevin (31291)" in html
    assert 'id="reseau-donnees"' not in html
    export = client.get("/reseau/export.csv?commune=Atlantis")
    assert export.status_code == 400 and "Atlantis" in export.get_data(as_text=True)


def test_reseau_page_colours_by_departement(client) -> None:
    response = client.get("/reseau?type=structures-partenaires&couleur=departement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = island(html)
    assert data["colouring"] == "departement"
    assert [entry["name"] for entry in data["departements"]] == ["Haute-Garonne (31)", "Sans département"]
    assert 'id="reseau-legende-departements"' in html and "Haute-Garonne (31)" in html
    structures = [node for node in data["nodes"] if node["group"] == "structure"]
    assert structures and {node["color"]["background"] for node in structures} == {PALETTE[0]}
    assert '<option value="departement" selected>Par département</option>' in html
    assert "export.html?type=structures-partenaires&amp;niveau=types&amp;couleur=departement" in html
    standalone = client.get("/reseau/export.html?type=structures-partenaires&couleur=departement")
    assert 'id="reseau-legende-departements"' in standalone.get_data(as_text=True)
    # By kind, the default: no département legend, nothing in the query string.
    default = client.get("/reseau?type=structures-partenaires").get_data(as_text=True)
    assert 'id="reseau-legende-departements"' not in default and "couleur=" not in default
    unknown = client.get("/reseau?couleur=arc-en-ciel")
    assert unknown.status_code == 400 and "couleur inconnue" in unknown.get_data(as_text=True)


def test_reseau_page_adds_the_cited_organisations(client, seed_dataset: Path) -> None:
    html = client.get("/reseau?type=structures-partenaires&mentions=1").get_data(as_text=True)
    data = island(html)
    groups = {node["group"] for node in data["nodes"]}
    assert "organisation-citee" in groups
    plain = island(client.get("/reseau?type=structures-partenaires").get_data(as_text=True))
    assert {node["id"] for node in plain["nodes"]} < {node["id"] for node in data["nodes"]}
    assert "Organisations citées dans les textes" in html
    assert re.search(r'<input type="checkbox" id="f-mentions" name="mentions" value="1"\s+data-kinds='
                     r'"structures-partenaires partenaires" checked>', html)
    assert "export.gexf?type=structures-partenaires&amp;niveau=types&amp;mentions=1" in html
    assert "avec les organisations citées dans les textes" in html  # the network's name
    # The layer does not apply to the keyword network: ignored, and not carried on.
    keywords = client.get("/reseau?type=mots-cles&mentions=1")
    assert keywords.status_code == 200 and "mentions=1" not in keywords.get_data(as_text=True)
