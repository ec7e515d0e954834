"""The document of a heavily linked resource: every link in its RDF, labels for the links a page shows."""

from __future__ import annotations

import pyoxigraph as ox

from maillage.graph.resources import INCOMING_LABELLED, describe
from maillage.publish.resource_page import resource_html

BASE = "https://example.org/maillage/"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
USES = ox.NamedNode("https://w3id.org/maillage/ontologie#motCle")


def _concept_used_by(actions: int) -> ox.Store:
    store = ox.Store()
    concept = ox.NamedNode(BASE + "concept/mots-cles/numerique")
    store.add(ox.Quad(concept, LABEL, ox.Literal("Numérique", language="fr")))
    for number in range(actions):
        action = ox.NamedNode(f"{BASE}action/31/s/a{number:04d}")
        store.add(ox.Quad(action, USES, concept))
        # Labels in the reverse order of the IRIs: the page's order is the labels', not the IRIs'.
        store.add(ox.Quad(action, LABEL, ox.Literal(f"Action {actions - number:04d}", language="fr")))
    return store


def test_a_concept_used_by_many_actions_keeps_every_link_but_labels_the_first() -> None:
    document = describe(_concept_used_by(INCOMING_LABELLED + 50), BASE + "concept/mots-cles/numerique")
    assert document is not None
    assert len(document.incoming) == INCOMING_LABELLED + 50
    labelled = {iri for iri in document.labels if "/action/" in iri}
    assert labelled == {f"{BASE}action/31/s/a{n:04d}" for n in range(INCOMING_LABELLED)}

    html = resource_html(document, base_iri=BASE, static_site=True, endpoint=None)
    assert f"{INCOMING_LABELLED} premiers sur {INCOMING_LABELLED + 50}" in html
    shown = [f"Action {INCOMING_LABELLED + 50 - n:04d}" for n in range(INCOMING_LABELLED)]
    positions = [html.index(label) for label in sorted(shown)]
    assert positions == sorted(positions), "listed by label"
    assert "Action 0001" not in html  # the link of a0249, beyond the first by IRI, is not listed


def test_a_concept_used_by_few_actions_labels_them_all() -> None:
    document = describe(_concept_used_by(10), BASE + "concept/mots-cles/numerique")
    assert document is not None
    assert sum("/action/" in iri for iri in document.labels) == 10
    html = resource_html(document, base_iri=BASE, static_site=True, endpoint=None)
    assert "premiers sur" not in html
