"""Networks drawn from the seed graph, checked against counts made by hand on the export.

How the expectations were counted: by reading senacs-haute-garonne.txt (25 fiches, one per `Actions`
line, 25 distinct structures, all in Haute-Garonne, so every structure has exactly one action), taking
for each fiche the "- value" lines after "Partenaires d'action:" (partner kinds), under "Mots clés
associés à l'action", "Public", "Statut de l'action", "Dimension" and "Qui est à l'initiative de
l'action ?". Never by copying the code's output. The fiches, numbered in file order:

 #  structure: partner kinds | keywords
 1  Maison des Habitants de Lèguevin: Autre | Solidarité, Démocratie, Dév. durable
 2  LE TRIPORTEUR D'IDEES: Regroupement de communes | Démocratie, Environnement, Dév. durable
 3  Maison des Habitants de La Salvetat…: Commune | Parentalité
 4  L'ESPACE DES POSSIBLES: Association locale, MSA | Intergénérationnel, Parentalité, Santé
 5  CENTRE SOCIAL LES IZARDS-BORDEROUGE: (none) | Alphabétisation
 6  LABO BINETTE: Caf, Commune | Solidarité, Dév. durable, Mixité sociale
 7  CENTRE SOCIAL AZIMUT: Etat | Démocratie, Intégration, Alphabétisation
 8  SOUS LES TILLEULS: Caf | Culture
 9  CENTRE SOCIAL DE COLOMIERS SAINT EXUPERY: (none) | Intergénérationnel, Solidarité, Culture
10  MAISON DE QUARTIER DU CYPRIE: Caf | Parentalité
11  CENTRE SOCIAL GRAND SELVE ESPACE CHIOMENTO: CARSAT | Démocratie
12  Centre Social " Maison Monique Culié": Caf, MSA | Intergénérationnel, Parentalité, Solidarité
13  LE CAFE DES MINOTIERS: Association locale, Ass. nationale | Intergénérationnel, Environnement, Mixité
14  CENTRE SOCIAL LES CEVENNES-PADERNE: Conseil départemental | Solidarité, Démocratie, Dév. durable
15  MAISON DE QUARTIER QUEFETS: Association locale | Intergénérationnel, Parentalité, Vacances
16  LA PASSERELLE NEGRENEYS: CARSAT | Intergénérationnel, Solidarité, Culture
17  MJC JACQUES PREVERT: Autre | Démocratie
18  CENTRE SOCIAL ESCALQUENS: (none) | Intergénérationnel, Parentalité, Vacances
19  CENTRE SOCIAL POLYGONE - ASSQOT: Commune, Autre | Intergénérationnel, Solidarité, Mixité
20  CENTRE SOCIAL ESPOIR: Ass. locale, Commune, CD, CPAM, Autre | Solidarité, Santé, Discriminations
21  Espace de Vie Sociale des Arènes Romaines: Caf | Parentalité, Intégration, Mixité
22  CENTRE SOCIAL ESPACE POUR TOUS: Association locale | Mixité sociale
23  LA CAFETIERE: Association locale, Autre | Intégration, Discriminations, Mixité
24  LE P'AUS CAFE: MSA | Éducation, Culture, Vacances
25  CENTRE SOCIAL DE COLOMIERS EN JACCA: (none) | Parentalité, Mixité sociale

Publics: familles on #3, #10, #15, #17, #18. Status "Terminée": #3, #8, #9, #14, #15, #17, #18, #25.
Dimension "Services": #3, #4, #20. Initiative "Un groupe d'habitants": #2, #6, #12, #16, #17, #19, #22.

From this table:
- 21 structures declare a partner (all but #5, #9, #18, #25); the 11 kinds of the scheme all occur;
  31 structure-kind links (1+1+1+2+2+1+1+1+1+2+2+1+1+1+1+2+5+1+1+2+1), all of weight 1.
- Actions per kind: Association locale 6 (#4 #13 #15 #20 #22 #23), Caf 5 (#6 #8 #10 #12 #21), Autre 5
  (#1 #17 #19 #20 #23), Commune 4 (#3 #6 #19 #20), MSA 3 (#4 #12 #24), CARSAT 2, Conseil départemental 2,
  État, CPAM, Association nationale, Regroupement de communes 1 each.
- Kind pairs: #4 AL-MSA, #6 Caf-Commune, #12 Caf-MSA, #13 AL-AN, #19 Commune-Autre, #20 the 10 pairs of
  its 5 kinds, #23 AL-Autre: 16 pair occurrences, AL-Autre (#20, #23) and Autre-Commune (#19, #20) twice,
  so 14 edges, the strongest two of weight 2. État (#7), Regroupement (#2), CARSAT (#11, #16) are always
  alone on their actions: isolated.
- Parentalité: #3 #4 #10 #12 #15 #18 #21 #25 (8 actions).

Communes and cited organisations are what the build reads in the texts (graph/enrich.py); the values below
were read in the export and checked against the built graph (`maillage query`):
- Léguevin (31291): the structure of #1 ("Maison des Habitants de Lèguevin", misspelt), whose résumé names
  Léguevin too: only GRATUITERIE. Colomiers (31149): the structures of #9 ("Ta spécialité presque
  parfait") and #25 (whose text also names Colomiers). "Maison des Habitants de La Salvetat Saint Gilles -
  Fontenilles" (#3) is in two communes, La Salvetat-Saint-Gilles (31526) and Fontenilles (31188).
- #2 (LE TRIPORTEUR D'IDEES, declares Regroupement de communes) names the Sicoval and "l'association
  Humus et associés"; #12 (Baraque à fripes, declares Caf and MSA) names "les permanences CAF et CPAM":
  the Caf (Haute-Garonne) it also declares, and the CPAM (Haute-Garonne), which #20 declares.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from maillage.graph.build import build_dataset, read_metadata
from maillage.graph.export import read_export
from maillage.graph.networks import (
    LEVELLED,
    NETWORKS,
    WITH_MENTIONS,
    Filters,
    Level,
    NetworkTooLarge,
    UnknownFilterValue,
    build_network,
    keyword_network,
    partner_network,
    select_actions,
    structure_network,
    structure_partner_network,
)
from maillage.graph.record import Fiche, Source
from maillage.graph.store import open_store

PARENTALITE_TITLES = {
    'One Women show "Parentalité"',  # 3
    "Mon ado, mon ami.e, mon corps, sa santé, sa sexualité",  # 4
    "Coin Accueil Familles : Bibliothèque Parentalité",  # 10
    "Baraque à fripes",  # 12
    "ATELIER DECOUVERTE DU THEÂTRE",  # 15
    "Stage de danse latines parents-enfants",  # 18
    "Marmothèque",  # 21
    '"Fête en Plein Air : Jeux, Repas et Loto"',  # 25
}

KINDS = {
    "Association locale": 6,
    "Caf": 5,
    "Autre": 5,
    "Commune": 4,
    "MSA": 3,
    "CARSAT": 2,
    "Conseil départemental": 2,
    "État": 1,
    "CPAM": 1,
    "Association nationale": 1,
    "Regroupement de communes": 1,
}


@pytest.fixture(scope="module")
def store(seed_dataset: Path) -> ox.Store:
    return open_store(seed_dataset, "disk")


def node(graph: nx.Graph, label: str) -> str:
    """The one node labelled ``label``."""
    found = [n for n, data in graph.nodes(data=True) if data["label"] == label]
    assert len(found) == 1, (label, found)
    return found[0]


def labels(graph: nx.Graph, kind: str | None = None) -> set[str]:
    return {data["label"] for _, data in graph.nodes(data=True) if kind is None or data["kind"] == kind}


def edge(graph: nx.Graph, a: str, b: str) -> dict:
    return graph.edges[node(graph, a), node(graph, b)]


def titles(store: ox.Store, **filters: tuple[str, ...]) -> set[str]:
    return {action.title for action in select_actions(store, Filters(**filters)).actions.values()}


# --- filters ------------------------------------------------------------------------------------------


def test_parentalite_keeps_exactly_the_actions_that_carry_it(store: ox.Store) -> None:
    selection = select_actions(store, Filters(mots_cles=("Parentalité",)))
    assert {action.title for action in selection.actions.values()} == PARENTALITE_TITLES
    assert selection.description == "mots-clés : Parentalité"
    # Through every network: the actions behind the edges and nodes are among those eight.
    graph = keyword_network(store, Filters(mots_cles=("Parentalité",)))
    assert graph.graph["actions"] == 8
    assert graph.nodes[node(graph, "Parentalité")]["actions"] == 8
    behind = {title for _, _, data in graph.edges(data=True) for title in data["titles"]}
    assert behind <= PARENTALITE_TITLES


@pytest.mark.parametrize(
    "spelling", ["Parentalité", "parentalité", "PARENTALITE", "parentalite", " Parentalité "]
)
def test_values_match_notation_or_label_whatever_the_case(store: ox.Store, spelling: str) -> None:
    assert titles(store, mots_cles=(spelling,)) == PARENTALITE_TITLES


def test_filters_combine_and_across_fields_or_within(store: ox.Store) -> None:
    # Parentalité and public Familles: #3 #10 #15 #18 (#4 #12 #25 are Tous publics, #21 Petite enfance).
    assert titles(store, mots_cles=("Parentalité",), publics=("familles",)) == {
        'One Women show "Parentalité"',
        "Coin Accueil Familles : Bibliothèque Parentalité",
        "ATELIER DECOUVERTE DU THEÂTRE",
        "Stage de danse latines parents-enfants",
    }
    # Parentalité and Terminée: #3 #15 #18 #25; and Familles too: #3 #15 #18.
    assert len(titles(store, mots_cles=("parentalite",), statuts=("Terminée",))) == 4
    assert titles(store, mots_cles=("parentalite",), statuts=("terminee",), publics=("Familles",)) == {
        'One Women show "Parentalité"',
        "ATELIER DECOUVERTE DU THEÂTRE",
        "Stage de danse latines parents-enfants",
    }
    # Parentalité or Santé: the 8, plus #20 (#4 has both).
    assert titles(store, mots_cles=("Parentalité", "Santé")) == PARENTALITE_TITLES | {"Journées santé"}
    assert len(titles(store, statuts=("Terminée",))) == 8
    assert titles(store, dimensions=("Services",)) == {
        'One Women show "Parentalité"',
        "Mon ado, mon ami.e, mon corps, sa santé, sa sexualité",
        "Journées santé",
    }
    assert len(titles(store, initiateurs=("Un groupe d'habitants",))) == 7
    assert len(titles(store, initiateurs=("un-groupe-d-habitants", "Un habitant"))) == 8  # + #18


def test_departement_by_code_or_name(store: ox.Store) -> None:
    for value in ("31", "Haute-Garonne", "haute garonne", "HAUTE-GARONNE"):
        assert len(titles(store, departements=(value,))) == 25, value
    selection = select_actions(store, Filters(departements=("Gironde",)))  # a département, no action there
    assert selection.actions == {}
    assert selection.description == "départements : Gironde (33)"
    graph = structure_partner_network(store, Filters(departements=("33",)))
    assert graph.number_of_nodes() == 0


def test_unknown_values_are_reported_with_the_possible_ones(store: ox.Store) -> None:
    with pytest.raises(UnknownFilterValue) as raised:
        select_actions(store, Filters(mots_cles=("Parentalité", "Jardinage")))
    assert raised.value.field == "mots_cles"
    assert raised.value.values == ["Jardinage"]
    assert "Parentalité" in raised.value.known
    assert "Jardinage" in str(raised.value)
    with pytest.raises(UnknownFilterValue) as raised:
        select_actions(store, Filters(departements=("Atlantide",)))
    assert raised.value.field == "departements"
    with pytest.raises(UnknownFilterValue):
        select_actions(store, Filters(publics=("Parentalité",)))  # a keyword, not a public


def test_filters_accept_lists_and_single_strings() -> None:
    assert Filters(mots_cles=["a", "b"]).mots_cles == ("a", "b")  # type: ignore[arg-type]
    assert Filters(mots_cles="a").mots_cles == ("a",)  # type: ignore[arg-type]
    assert Filters().empty and not Filters(statuts=("x",)).empty


# --- structure–partner (bipartite) --------------------------------------------------------------------


def test_structure_partner_network_on_the_seed(store: ox.Store) -> None:
    graph = structure_partner_network(store)
    structures = {n for n, data in graph.nodes(data=True) if data["bipartite"] == 0}
    partners = {n for n, data in graph.nodes(data=True) if data["bipartite"] == 1}
    assert len(structures) == 21
    assert len(partners) == 11
    assert {graph.nodes[n]["kind"] for n in structures} == {"structure"}
    assert {graph.nodes[n]["kind"] for n in partners} == {"type-partenaire"}
    assert nx.is_bipartite(graph) and all(
        graph.nodes[u]["bipartite"] != graph.nodes[v]["bipartite"] for u, v in graph.edges
    )
    assert graph.number_of_edges() == 31
    assert {data["weight"] for _, _, data in graph.edges(data=True)} == {1}  # one fiche per structure
    assert {graph.nodes[n]["label"]: graph.nodes[n]["actions"] for n in partners} == KINDS
    # Three hand-read links: #20, #6, #12.
    espoir = edge(graph, "CENTRE SOCIAL ESPOIR", "Association locale")
    assert (espoir["weight"], espoir["titles"]) == (1, ["Journées santé"])
    assert edge(graph, "LABO BINETTE", "Caf")["titles"] == ["Jardin collectif"]
    assert edge(graph, 'Centre Social " Maison Monique Culié"', "MSA")["titles"] == ["Baraque à fripes"]
    assert graph.degree(node(graph, "CENTRE SOCIAL ESPOIR")) == 5
    # The four structures without partners are not drawn.
    assert not labels(graph) & {"CENTRE SOCIAL ESCALQUENS", "CENTRE SOCIAL LES IZARDS-BORDEROUGE"}
    espoir_node = graph.nodes[node(graph, "CENTRE SOCIAL ESPOIR")]
    assert (espoir_node["departement"], espoir_node["code_departement"]) == ("Haute-Garonne", "31")
    assert espoir_node["iri"] == node(graph, "CENTRE SOCIAL ESPOIR")
    assert graph.graph["name"] == "Structures et types de partenaires"
    assert graph.graph["filters"] == "toutes les actions"
    assert graph.graph["level"] == "types"


def test_structure_partner_network_filtered_by_parentalite(store: ox.Store) -> None:
    # Parentalité actions with partners: #3 Commune, #4 AL+MSA, #10 Caf, #12 Caf+MSA, #15 AL, #21 Caf.
    graph = structure_partner_network(store, Filters(mots_cles=("Parentalité",)))
    assert len(labels(graph, "structure")) == 6
    assert labels(graph, "type-partenaire") == {"Commune", "Association locale", "MSA", "Caf"}
    assert graph.number_of_edges() == 8
    assert graph.nodes[node(graph, "Caf")]["actions"] == 3
    assert graph.graph["filters"] == "mots-clés : Parentalité"
    edge_titles = {title for _, _, data in graph.edges(data=True) for title in data["titles"]}
    assert edge_titles == PARENTALITE_TITLES - {
        "Stage de danse latines parents-enfants",  # #18: no partner
        '"Fête en Plein Air : Jeux, Repas et Loto"',  # #25: no partner
    }


@pytest.fixture(scope="module")
def variant(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed plus two more fiches of LABO BINETTE (#6, Caf + Commune), so that weights exceed 1:

    "Jardin d'hiver" with Caf, "Fête du jardin" with Caf, Commune and Autre. By hand: LABO BINETTE-Caf 3
    (#6 and both), LABO BINETTE-Commune 2, LABO BINETTE-Autre 1; kind pairs Caf-Commune 2 (#6, Fête),
    Caf-Autre 1, Commune-Autre 3 (#19, #20, Fête), now the strongest.
    """
    fiches = [item for item in read_export(seed) if isinstance(item, Fiche)]
    (binette,) = [fiche for fiche in fiches if fiche.structure == "LABO BINETTE"]
    extra = [
        dataclasses.replace(
            binette, titre="Jardin d'hiver", partenaires=["Caf"], source=Source(str(seed), 5001)
        ),
        dataclasses.replace(
            binette,
            titre="Fête du jardin",
            partenaires=["Caf", "Commune", "Autre"],
            source=Source(str(seed), 5002),
        ),
    ]
    out = tmp_path_factory.mktemp("variant-dataset")
    build_dataset([*fiches, *extra], out, files=[str(seed)])
    return out


def test_weights_count_the_actions_of_a_structure_with_a_partner(variant: Path) -> None:
    store = open_store(variant, "disk")
    graph = structure_partner_network(store)
    caf = edge(graph, "LABO BINETTE", "Caf")
    assert caf["weight"] == 3
    assert sorted(caf["titles"]) == ["Fête du jardin", "Jardin collectif", "Jardin d'hiver"]
    assert len(caf["actions"]) == 3 and caf["actions"] == sorted(caf["actions"])
    assert edge(graph, "LABO BINETTE", "Commune")["weight"] == 2
    assert edge(graph, "LABO BINETTE", "Autre")["weight"] == 1
    assert graph.nodes[node(graph, "LABO BINETTE")]["actions"] == 3
    assert graph.nodes[node(graph, "Caf")]["actions"] == 7
    assert isinstance(caf["weight"], int)

    pairs = partner_network(store)
    weights = {
        frozenset((pairs.nodes[u]["label"], pairs.nodes[v]["label"])): data["weight"]
        for u, v, data in pairs.edges(data=True)
    }
    assert weights[frozenset(("Autre", "Commune"))] == 3
    assert weights[frozenset(("Caf", "Commune"))] == 2
    assert weights[frozenset(("Autre", "Caf"))] == 1
    assert max(weights.values()) == 3 and list(weights.values()).count(3) == 1


# --- partner–partner ----------------------------------------------------------------------------------


def test_partner_network_on_the_seed(store: ox.Store) -> None:
    graph = partner_network(store)
    assert labels(graph) == set(KINDS)
    assert graph.number_of_edges() == 14
    strongest = max(data["weight"] for _, _, data in graph.edges(data=True))
    top = {
        frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"]))
        for u, v, data in graph.edges(data=True)
        if data["weight"] == strongest
    }
    assert strongest == 2
    assert top == {frozenset(("Association locale", "Autre")), frozenset(("Autre", "Commune"))}
    assert sorted(edge(graph, "Association locale", "Autre")["titles"]) == [
        "Bulle du dimanche",
        "Journées santé",
    ]
    assert sorted(edge(graph, "Autre", "Commune")["titles"]) == ["Journées santé", "Loto solidaire"]
    isolated = {graph.nodes[n]["label"] for n in nx.isolates(graph)}
    assert isolated == {"État", "Regroupement de communes", "CARSAT"}
    assert graph.nodes[node(graph, "Caf")]["actions"] == 5


# --- keywords -----------------------------------------------------------------------------------------


def test_keyword_network_on_the_seed(store: ox.Store) -> None:
    graph = keyword_network(store)
    assert len(labels(graph, "mot-cle")) == 14 == graph.number_of_nodes()
    # Intergénérationnel-Parentalité: #4 #12 #15 #18; Intergénérationnel-Solidarité: #9 #12 #16 #19.
    assert edge(graph, "Intergénérationnel", "Parentalité")["weight"] == 4
    assert edge(graph, "Intergénérationnel", "Solidarité")["weight"] == 4
    assert max(data["weight"] for _, _, data in graph.edges(data=True)) == 4
    # Solidarité-Développement durable: #1 #6 #14; Démocratie-Développement durable: #1 #2 #14.
    assert sorted(edge(graph, "Solidarité", "Développement durable")["titles"]) == [
        "GRATUITERIE",
        "Graines de solidarités",
        "Jardin collectif",
    ]
    assert edge(graph, "Démocratie & citoyenneté", "Développement durable")["weight"] == 3
    assert not graph.has_edge(node(graph, "Parentalité"), node(graph, "Culture"))
    assert graph.nodes[node(graph, "Mixité sociale")]["actions"] == 7  # #6 #13 #19 #21 #22 #23 #25


def test_keyword_network_filtered_by_parentalite(store: ox.Store) -> None:
    # Keywords of the 8: Parentalité; Intergénérationnel (#4 #12 #15 #18), Santé (#4), Solidarité (#12),
    # Vacances (#15 #18), Intégration (#21), Mixité sociale (#21 #25).
    graph = keyword_network(store, Filters(mots_cles=("Parentalité",)))
    weights = {
        frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"])): data["weight"]
        for u, v, data in graph.edges(data=True)
    }
    assert weights == {
        frozenset(("Parentalité", "Intergénérationnel")): 4,
        frozenset(("Parentalité", "Santé")): 1,
        frozenset(("Parentalité", "Solidarité")): 1,
        frozenset(("Parentalité", "Vacances / loisirs")): 2,
        frozenset(("Parentalité", "Intégration")): 1,
        frozenset(("Parentalité", "Mixité sociale")): 2,
        frozenset(("Intergénérationnel", "Santé")): 1,
        frozenset(("Intergénérationnel", "Solidarité")): 1,
        frozenset(("Intergénérationnel", "Vacances / loisirs")): 2,
        frozenset(("Intégration", "Mixité sociale")): 1,
    }


# --- structure–structure ------------------------------------------------------------------------------


def test_structure_network_via_partner_kinds(store: ox.Store) -> None:
    """Structures per kind: Caf 5 -> 10 pairs, Commune 4 -> 6, AL 6 -> 15, Autre 5 -> 10, MSA 3 -> 3,
    CARSAT 2 -> 1, CD 2 -> 1: 46 pairs, of which ESPOIR-LA CAFETIERE (AL and Autre) and POLYGONE-ESPOIR
    (Commune and Autre) twice: 44 edges. TRIPORTEUR (Regroupement) and AZIMUT (État) share nothing."""
    graph = structure_network(store, via="partenaires")
    assert graph.number_of_nodes() == 21
    assert graph.number_of_edges() == 44
    assert {graph.nodes[n]["label"] for n in nx.isolates(graph)} == {
        "LE TRIPORTEUR D'IDEES",
        "CENTRE SOCIAL AZIMUT",
    }
    pair = edge(graph, "CENTRE SOCIAL ESPOIR", "LA CAFETIERE")
    assert pair["weight"] == 2
    assert sorted(pair["libelles_partages"]) == ["Association locale", "Autre"]
    assert sorted(pair["titles"]) == ["Bulle du dimanche", "Journées santé"]
    assert edge(graph, "CENTRE SOCIAL POLYGONE - ASSQOT", "CENTRE SOCIAL ESPOIR")["weight"] == 2
    assert sorted(data["weight"] for _, _, data in graph.edges(data=True))[-3:] == [1, 2, 2]
    assert edge(graph, "LABO BINETTE", "SOUS LES TILLEULS")["libelles_partages"] == ["Caf"]
    assert graph.graph["via"] == "partenaires"


def test_structure_network_via_keywords(store: ox.Store) -> None:
    """Three pairs of structures share all three of their keywords: #1/#14 (Solidarité, Démocratie, Dév.
    durable), #9/#16 (Intergénérationnel, Solidarité, Culture), #15/#18 (Intergénérationnel, Parentalité,
    Vacances); no other pair shares three."""
    graph = structure_network(store, via="mots-cles")
    assert graph.number_of_nodes() == 25
    strongest = {
        frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"]))
        for u, v, data in graph.edges(data=True)
        if data["weight"] == 3
    }
    assert strongest == {
        frozenset(("Maison des Habitants de Lèguevin", "CENTRE SOCIAL LES CEVENNES-PADERNE")),
        frozenset(("CENTRE SOCIAL DE COLOMIERS SAINT EXUPERY", "LA PASSERELLE NEGRENEYS")),
        frozenset(("MAISON DE QUARTIER QUEFETS", "CENTRE SOCIAL ESCALQUENS")),
    }
    assert max(data["weight"] for _, _, data in graph.edges(data=True)) == 3
    # #21 (Parentalité, Intégration, Mixité) and #23 (Intégration, Discriminations, Mixité): two.
    pair = edge(graph, "Espace de Vie Sociale des Arènes Romaines", "LA CAFETIERE")
    assert sorted(pair["libelles_partages"]) == ["Intégration", "Mixité sociale"]
    assert sorted(pair["titles"]) == ["Bulle du dimanche", "Marmothèque"]
    # #24 (Éducation, Culture, Vacances) and #8 (Culture): one.
    assert edge(graph, "LE P'AUS CAFE", "SOUS LES TILLEULS")["weight"] == 1


def test_structure_network_refuses_to_grow_past_the_limit(store: ox.Store) -> None:
    with pytest.raises(NetworkTooLarge, match="44"):
        structure_network(store, via="partenaires", max_edges=43)
    assert structure_network(store, via="partenaires", max_edges=44).number_of_edges() == 44


# --- organisation level -------------------------------------------------------------------------------


def _has_organisations(store: ox.Store) -> bool:
    return bool(store.query("ASK { ?action <https://w3id.org/maillage/ontologie#partenaire> ?o }"))


def test_organisation_level_on_the_seed(store: ox.Store) -> None:
    """Departmental kinds become the Haute-Garonne organisation: MSA (#4 #12 #24), Caf (#6 #8 #10 #12
    #21), État (#7), CARSAT (#11 #16), Conseil départemental (#14 #20), CPAM (#20): 6 organisations,
    12 structures, 14 links; Commune, Association locale, Autre… name no organisation."""
    if not _has_organisations(store):
        pytest.skip("the seed graph has no mlg:partenaire (territorial organisations) yet")
    graph = structure_partner_network(store, level=Level.ORGANISATION)
    organisations = [data for _, data in graph.nodes(data=True) if data["bipartite"] == 1]
    assert len(organisations) == 6
    assert {data["kind"] for data in organisations} == {"organisation"}
    assert {data["departement"] for data in organisations} == {"Haute-Garonne"}
    assert {data["type_partenaire"] for data in organisations} == {
        "Caf",
        "MSA",
        "CARSAT",
        "CPAM",
        "Conseil départemental",
        "État",
    }
    assert len(labels(graph, "structure")) == 12
    assert graph.number_of_edges() == 14
    caf = node(graph, "Caf (Haute-Garonne)")
    assert graph.nodes[caf]["actions"] == 5
    assert graph.graph["level"] == "organisations"
    assert graph.graph["name"] == "Structures et organisations partenaires"

    # Pairs of organisations on one action: Caf-MSA (#12), Conseil départemental-CPAM (#20).
    pairs = partner_network(store, level="organisations")
    assert pairs.number_of_nodes() == 6
    assert {
        frozenset((pairs.nodes[u]["type_partenaire"], pairs.nodes[v]["type_partenaire"]))
        for u, v in pairs.edges
    } == {frozenset(("Caf", "MSA")), frozenset(("Conseil départemental", "CPAM"))}

    # Structures sharing an organisation: Caf 5 structures -> 10 pairs, MSA 3 -> 3, CARSAT 1, CD 1.
    shared = structure_network(store, via="partenaires", level="organisations")
    assert (shared.number_of_nodes(), shared.number_of_edges()) == (12, 15)
    assert {shared.nodes[n]["label"] for n in nx.isolates(shared)} == {"CENTRE SOCIAL AZIMUT"}


# --- general properties -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_networks_are_deterministic_and_sorted(store: ox.Store, kind: str) -> None:
    first, second = build_network(store, kind), build_network(store, kind)
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert list(first.edges(data=True)) == list(second.edges(data=True))
    assert first.graph == second.graph
    assert list(first.nodes) == sorted(first.nodes)
    for _, _, data in first.edges(data=True):
        assert data["actions"] == sorted(data["actions"])
        assert len(data["titles"]) == len(data["actions"])
        assert isinstance(data["weight"], int) and data["weight"] >= 1
    for name, data in first.nodes(data=True):
        assert data["iri"] == name and data["label"] and isinstance(data["actions"], int)


def test_network_kinds_and_options(store: ox.Store) -> None:
    assert set(NETWORKS) == {"structures-partenaires", "partenaires", "structures", "mots-cles"}
    assert set(LEVELLED) == {"structures-partenaires", "partenaires", "structures"}
    assert build_network(store, "structures", via="mots-cles").graph["via"] == "mots-cles"
    with pytest.raises(ValueError, match="unknown network kind"):
        build_network(store, "villes")
    with pytest.raises(ValueError):
        partner_network(store, level="communes")


def test_networks_do_not_depend_on_the_base_iri(seed: Path, tmp_path: Path) -> None:
    fiches = [item for item in read_export(seed) if isinstance(item, Fiche)]
    build_dataset(fiches, tmp_path, base_iri="https://data.example.org/x/", files=[str(seed)])
    assert read_metadata(tmp_path).base_iri == "https://data.example.org/x/"
    store = open_store(tmp_path, "disk")
    graph = structure_partner_network(store, Filters(mots_cles=("Parentalité",), departements=("31",)))
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (10, 8)
    assert all(n.startswith("https://data.example.org/x/") for n in graph.nodes)
    assert partner_network(store).number_of_edges() == 14


# --- communes -----------------------------------------------------------------------------------------

COLOMIERS_TITLES = {'"Ta spécialité presque parfait"', '"Fête en Plein Air : Jeux, Repas et Loto"'}


@pytest.mark.parametrize("value", ["Léguevin", "31291", "leguevin", "LÉGUEVIN", " Léguevin "])
def test_commune_by_name_or_code(store: ox.Store, value: str) -> None:
    selection = select_actions(store, Filters(communes=(value,)))
    assert {action.title for action in selection.actions.values()} == {"GRATUITERIE"}
    assert selection.description == "communes : Léguevin (31291)"


def test_communes_combine_like_the_other_filters(store: ox.Store) -> None:
    assert titles(store, communes=("Colomiers",)) == COLOMIERS_TITLES
    assert titles(store, communes=("31149", "Léguevin")) == COLOMIERS_TITLES | {"GRATUITERIE"}
    # #25 has Parentalité, #9 not.
    assert titles(store, communes=("Colomiers",), mots_cles=("Parentalité",)) == {
        '"Fête en Plein Air : Jeux, Repas et Loto"'
    }
    assert titles(store, communes=("Colomiers",), departements=("Gironde",)) == set()


def test_an_action_is_in_a_commune_through_its_structure_or_its_texts(store: ox.Store) -> None:
    """For every commune of the graph, the filter keeps the union of both links, read here independently."""
    mlg = "https://w3id.org/maillage/ontologie#"
    rows = store.query(
        f"""SELECT ?commune ?code ?titre WHERE {{
          ?commune a <http://rdf.insee.fr/def/geo#Commune> ; <http://rdf.insee.fr/def/geo#codeINSEE> ?code .
          {{ ?action <{mlg}structureOrganisatrice> ?structure . ?structure <{mlg}commune> ?commune . }}
          UNION {{ ?action <{mlg}communeConcernee> ?commune . }}
          ?action <http://purl.org/dc/terms/title> ?titre .
        }}"""
    )
    expected: dict[str, set[str]] = {}
    for row in rows:
        expected.setdefault(row["code"].value, set()).add(row["titre"].value)
    assert {"31291", "31149"} <= set(expected)
    for code, found in expected.items():
        assert titles(store, communes=(code,)) == found, code


def test_unknown_commune_is_reported_with_the_communes_of_the_graph(store: ox.Store) -> None:
    with pytest.raises(UnknownFilterValue) as raised:
        select_actions(store, Filters(communes=("Léguevin", "Atlantis")))
    assert raised.value.field == "communes"
    assert raised.value.values == ["Atlantis"]
    assert "Léguevin (31291)" in raised.value.known and "Colomiers (31149)" in raised.value.known
    assert str(raised.value).startswith("communes inconnu(s) : Atlantis (valeurs possibles : ")


def test_structures_carry_their_communes(store: ox.Store) -> None:
    for graph in (structure_partner_network(store), structure_network(store, via="mots-cles")):
        leguevin = graph.nodes[node(graph, "Maison des Habitants de Lèguevin")]
        assert (leguevin["communes"], leguevin["codes_communes"]) == (["Léguevin"], ["31291"])
        assert (leguevin["departement"], leguevin["code_departement"]) == ("Haute-Garonne", "31")
        binette = graph.nodes[node(graph, "LABO BINETTE")]
        assert (binette["communes"], binette["codes_communes"]) == ([], [])
    # Two communes: in French alphabetical order, the codes in the same order.
    salvetat = graph.nodes[node(graph, "Maison des Habitants de La Salvetat Saint Gilles - Fontenilles")]
    assert salvetat["communes"] == ["Fontenilles", "La Salvetat-Saint-Gilles"]
    assert salvetat["codes_communes"] == ["31188", "31526"]
    # Only structures have communes.
    partners = partner_network(store)
    assert not any("communes" in data for _, data in partners.nodes(data=True))


# --- the layer of organisations cited in the texts ----------------------------------------------------


def _same_plus(smaller: nx.Graph, larger: nx.Graph) -> None:
    """Every node and edge of ``smaller`` is in ``larger``, with the same attributes."""
    for name, data in smaller.nodes(data=True):
        assert larger.nodes[name] == data, name
    for u, v, data in smaller.edges(data=True):
        assert larger.edges[u, v] == data, (u, v)


def test_mentions_add_the_cited_organisations_and_remove_nothing(store: ox.Store) -> None:
    for kind in WITH_MENTIONS:
        declared = build_network(store, kind)
        both = build_network(store, kind, mentions=True)
        _same_plus(declared, both)
        added = [data for name, data in both.nodes(data=True) if name not in declared]
        assert added and {data["kind"] for data in added} <= {"organisation-citee", "structure"}
        assert both.graph["mentions"] is True and declared.graph["mentions"] is False
        assert both.graph["name"].endswith(", avec les organisations citées dans les textes")

    graph = structure_partner_network(store, mentions=True)
    sicoval = graph.nodes[node(graph, "Sicoval")]
    assert (sicoval["kind"], sicoval["bipartite"], sicoval["actions"]) == ("organisation-citee", 1, 1)
    assert sicoval["code_departement"] == "31"
    assert sicoval["type_organisation"] == "Communauté d'agglomération"
    # #2's structure, which declares Regroupement de communes, now also links to the two it names.
    triporteur = node(graph, "LE TRIPORTEUR D'IDEES")
    assert {graph.nodes[n]["label"] for n in graph[triporteur]} == {
        "Regroupement de communes",
        "Sicoval",
        "Humus & associés",
    }
    assert graph.edges[triporteur, node(graph, "Sicoval")]["titles"] == [
        "agir sur nos déchets : composteur coopératif de quartier :"
    ]
    # Cited with the partner kinds: Sicoval and Humus & associés are associated on #2.
    pairs = partner_network(store, mentions=True)
    assert edge(pairs, "Sicoval", "Humus & associés")["weight"] == 1
    assert edge(pairs, "Regroupement de communes", "Sicoval")["weight"] == 1
    assert pairs.nodes[node(pairs, "Caf")]["actions"] == 5  # the kind, unchanged


def test_a_declared_and_cited_organisation_is_one_node_and_counts_an_action_once(store: ox.Store) -> None:
    """#12 declares Caf and MSA and names the Caf and the CPAM: at the organisation level the Caf stays one
    node of kind organisation, #12 counts once on its edge, and the CPAM (declared on #20) gains #12."""
    if not _has_organisations(store):
        pytest.skip("the seed graph has no mlg:partenaire (territorial organisations) yet")
    declared = structure_partner_network(store, level="organisations")
    graph = structure_partner_network(store, level="organisations", mentions=True)
    _same_plus(
        declared.subgraph(n for n in declared if declared.nodes[n]["label"] != "CPAM (Haute-Garonne)"), graph
    )
    caf = [data for _, data in graph.nodes(data=True) if data["label"] == "Caf (Haute-Garonne)"]
    assert len(caf) == 1 and caf[0]["kind"] == "organisation" and caf[0]["actions"] == 5
    culie = 'Centre Social " Maison Monique Culié"'
    assert edge(graph, culie, "Caf (Haute-Garonne)")["titles"] == ["Baraque à fripes"]
    assert edge(graph, culie, "Caf (Haute-Garonne)")["weight"] == 1
    assert edge(graph, culie, "CPAM (Haute-Garonne)")["titles"] == ["Baraque à fripes"]
    cpam = graph.nodes[node(graph, "CPAM (Haute-Garonne)")]
    assert (cpam["kind"], cpam["actions"]) == ("organisation", 2)
    assert sorted(edge(graph, "CENTRE SOCIAL ESPOIR", "CPAM (Haute-Garonne)")["titles"]) == ["Journées santé"]

    pairs = partner_network(store, level="organisations", mentions=True)
    assert edge(pairs, "Caf (Haute-Garonne)", "CPAM (Haute-Garonne)")["titles"] == ["Baraque à fripes"]
    assert edge(pairs, "Caf (Haute-Garonne)", "MSA (Haute-Garonne)")["weight"] == 1


def test_mentions_apply_to_the_partner_networks_only(store: ox.Store) -> None:
    assert set(WITH_MENTIONS) == {"structures-partenaires", "partenaires"}
    for kind in ("structures", "mots-cles"):
        with pytest.raises(ValueError, match="cited organisations"):
            build_network(store, kind, mentions=True)
