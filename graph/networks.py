"""Networks drawn from the graph: who works with whom, on what, as networkx graphs.

Every network is read from the store with SPARQL, never from the export text:

1. the filters (keywords, dimensions, publics, statuses, initiators, départements) are resolved to the
   graph's own concepts and départements, found by their class and their ``skos:notation`` or French
   label, so no base IRI is written here and a dataset published under any base works;
2. ONE query selects the matching actions (their title and structure), one sub-select per filter field
   (OR within a field, AND across fields);
3. one query fetches the relation the network is made of (partner kinds, partner organisations or
   keywords of every action) and a few small ones fetch the labels; the rows are restricted to the
   matching actions in Python.

Four networks, keyed by the command line's ``--kind`` in :data:`NETWORKS`:

- ``structures-partenaires``: the bipartite network of structures and partners (node attribute
  ``bipartite`` 0 for structures, 1 for partners); an edge's weight is the number of the structure's
  actions declaring that partner;
- ``partenaires``: partners linked when they are declared on the same action; weight = number of
  actions declaring both;
- ``structures``: structures linked when they share partners (``via="partenaires"``) or keywords
  (``via="mots-cles"``); weight = number of partners (or keywords) they share, and ``partages`` names
  them, while ``actions`` lists the actions of the two structures behind the shared ones;
- ``mots-cles``: keywords linked when declared on the same action; weight = number of actions.

Partners are drawn at either :class:`Level`: the partner kinds of the form (``mlg:typePartenaire``:
Caf, Commune, Association locale…) or the territorial organisations the graph derives from them
(``mlg:partenaire``: "Caf (Haute-Garonne)"…). Generic kinds (Commune, Association locale, Autre…) name
no organisation, so they are absent at the organisation level.

Nodes are keyed by their IRI and carry ``iri``, ``label`` (French), ``kind`` (``structure``,
``type-partenaire``, ``organisation``, ``mot-cle``) and ``actions`` (the number of matching actions in
which the node takes part in this network), plus ``departement`` and ``code_departement`` for structures
and organisations, and ``type_partenaire`` (the kind's French label) for organisations. Edges carry
``weight`` (an int), ``actions`` (sorted action IRIs) and ``titles`` (their titles, same order). Nodes
and edges are inserted in sorted order, so the same graph and filters always give the same networkx
graph, attribute order included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from itertools import combinations
from typing import NamedTuple

import networkx as nx
import pyoxigraph as ox

from .departements import find_departement
from .iris import ONTOLOGY, slug
from .vocabulary import SCHEMES

PREFIXES = f"""PREFIX mlg: <{ONTOLOGY}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX org: <http://www.w3.org/ns/org#>
"""

#: Beyond this many edges a network is refused rather than built (memory and time grow with it): a
#: structure network over a whole country links almost every pair of structures.
MAX_EDGES = 500_000


class Level(StrEnum):
    """At which level partners are drawn."""

    TYPE = "types"
    ORGANISATION = "organisations"


class Via(StrEnum):
    """What two structures share to be linked in the structure network."""

    PARTENAIRES = "partenaires"
    MOTS_CLES = "mots-cles"


class UnknownFilterValue(ValueError):
    """A filter value that names no concept (or no département) of the graph."""

    def __init__(self, field: str, values: list[str], known: list[str]) -> None:
        self.field = field
        self.values = values
        self.known = known
        shown = ", ".join(known[:40]) + (" …" if len(known) > 40 else "")
        super().__init__(
            f"{FIELD_LABELS[field]} inconnu(s) : {', '.join(values)}"
            + (f" (valeurs possibles : {shown})" if known else "")
        )


class NetworkTooLarge(ValueError):
    """The network would have more edges than the limit: restrict it with filters."""


@dataclass(frozen=True)
class Filters:
    """Which actions a network is drawn from; an empty field does not restrict.

    Concept fields (``mots_cles``, ``dimensions``, ``publics``, ``statuts``, ``initiateurs``) are matched
    by the concept's ``skos:notation`` (its slug: ``parentalite``) or its French preferred label
    (``Parentalité``), ignoring case (and accents, through the slug); ``departements`` by INSEE code
    (``31``, ``2A``) or name (``Haute-Garonne``). Values of one field are alternatives (OR); fields
    combine (AND).
    """

    mots_cles: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    statuts: tuple[str, ...] = ()
    initiateurs: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            values = (value,) if isinstance(value, str) else tuple(value)
            object.__setattr__(self, item.name, tuple(v.strip() for v in values if v and v.strip()))

    @property
    def empty(self) -> bool:
        return not any(getattr(self, item.name) for item in fields(self))


#: Filter field -> record key of :data:`SCHEMES` (concept class and property).
CONCEPT_FIELDS = {
    "mots_cles": "mots_cles",
    "dimensions": "dimensions",
    "publics": "public",
    "statuts": "statut",
    "initiateurs": "initiative",
}

#: Filter field -> French name, for descriptions and messages.
FIELD_LABELS = {
    "mots_cles": "mots-clés",
    "dimensions": "dimensions",
    "publics": "publics",
    "statuts": "statuts",
    "initiateurs": "initiatives",
    "departements": "départements",
}


class Action(NamedTuple):
    """A matching action: its title and structure IRI."""

    title: str
    structure: str


@dataclass(frozen=True)
class Selection:
    """The matching actions and what the filters resolved to."""

    actions: dict[str, Action]
    description: str


def _rows(store: ox.Store, query: str) -> list[tuple[str | None, ...]]:
    """The values of a SELECT's rows (lexical forms and IRIs as strings, None when unbound)."""
    result = store.query(PREFIXES + query)
    assert isinstance(result, ox.QuerySolutions)
    width = len(result.variables)
    return [tuple(None if row[i] is None else row[i].value for i in range(width)) for row in result]


def _iri(value: str) -> str:
    return f"<{value}>"


def _resolve(store: ox.Store, filters: Filters) -> tuple[dict[str, list[str]], str]:
    """Filter field -> the IRIs it names, and a French description of the filters.

    One query reads the concepts of the classes the filters name, one the départements of the graph;
    values are matched here, so that a value naming nothing is reported with the possible values.
    """
    resolved: dict[str, list[str]] = {}
    described: list[str] = []
    asked = {name: getattr(filters, name) for name in CONCEPT_FIELDS if getattr(filters, name)}
    concepts: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    if asked:
        classes = {SCHEMES[CONCEPT_FIELDS[name]][1]: name for name in asked}
        rows = _rows(
            store,
            f"""
            SELECT ?classe ?concept ?notation ?libelle WHERE {{
              VALUES ?classe {{ {" ".join(f"mlg:{cls}" for cls in sorted(classes))} }}
              ?concept a ?classe .
              OPTIONAL {{ ?concept skos:notation ?notation . }}
              OPTIONAL {{ ?concept skos:prefLabel ?libelle . FILTER(LANG(?libelle) = "fr") }}
            }}""",
        )
        for cls, concept, notation, label in rows:
            assert cls is not None and concept is not None
            name = classes[cls.removeprefix(ONTOLOGY)]
            concepts[name][concept] = (notation or "", label or notation or concept)
    for name in CONCEPT_FIELDS:
        values = getattr(filters, name)
        if not values:
            continue
        found: dict[str, str] = {}
        unknown = []
        for value in values:
            key, folded = slug(value, max_length=0), value.casefold()
            matches = {
                concept: label
                for concept, (notation, label) in concepts[name].items()
                if notation.casefold() in (key, folded) or label.casefold() == folded
            }
            if not matches:
                unknown.append(value)
            found.update(matches)
        if unknown:
            known = sorted({label for _, label in concepts[name].values()}, key=str.casefold)
            raise UnknownFilterValue(name, unknown, known)
        resolved[name] = sorted(found)
        described.append(
            f"{FIELD_LABELS[name]} : {' ou '.join(sorted(set(found.values()), key=str.casefold))}"
        )
    if filters.departements:
        wanted: dict[str, str] = {}
        unknown = []
        for value in filters.departements:
            departement = find_departement(value)
            if departement is None:
                unknown.append(value)
            else:
                wanted[departement.code] = departement.nom
        if unknown:
            raise UnknownFilterValue("departements", unknown, [])
        rows = _rows(store, "SELECT ?departement ?code WHERE { ?departement igeo:codeINSEE ?code . }")
        resolved["departements"] = sorted(iri for iri, code in rows if iri and code in wanted)
        names = [f"{wanted[code]} ({code})" for code in sorted(wanted)]
        described.append(f"{FIELD_LABELS['departements']} : {' ou '.join(names)}")
    return resolved, " ; ".join(described) if described else "toutes les actions"


def select_actions(store: ox.Store, filters: Filters = Filters()) -> Selection:
    """The actions the filters keep, with their title and structure: one query.

    Each restricted field is a sub-select of the actions linked to one of its IRIs (hash-joined: much
    faster under Oxigraph than FILTER EXISTS per action).
    """
    resolved, description = _resolve(store, filters)
    if any(not iris for iris in resolved.values()):
        return Selection({}, description)  # a département with no action in the graph: nothing matches
    blocks = []
    for index, (name, iris) in enumerate(sorted(resolved.items())):
        prop = "mlg:departement" if name == "departements" else f"mlg:{SCHEMES[CONCEPT_FIELDS[name]][2]}"
        blocks.append(
            f"{{ SELECT DISTINCT ?action WHERE {{ VALUES ?v{index} {{ {' '.join(map(_iri, iris))} }} "
            f"?action {prop} ?v{index} . }} }}"
        )
    if blocks:
        body = "\n".join(blocks) + "\n?action dct:title ?titre ; mlg:structureOrganisatrice ?structure ."
    else:
        # Every action: two single-property sub-selects joined by hash (twice as fast as one pattern).
        body = """
          { SELECT ?action ?titre WHERE { ?action dct:title ?titre . } }
          { SELECT ?action ?structure WHERE { ?action mlg:structureOrganisatrice ?structure . } }"""
    rows = _rows(store, f"SELECT ?action ?titre ?structure WHERE {{ {body} }}")
    actions = {action: Action(title or "", structure or "") for action, title, structure in rows if action}
    return Selection(actions, description)


# --- labels and relations -----------------------------------------------------------------------------


def _departements(store: ox.Store) -> dict[str, tuple[str, str]]:
    """Département IRI -> (French name, INSEE code)."""
    rows = _rows(
        store,
        """
        SELECT ?departement ?nom ?code WHERE {
          ?departement igeo:codeINSEE ?code ; rdfs:label ?nom .
          FILTER(LANG(?nom) = "fr")
        }""",
    )
    return {iri: (name or "", code or "") for iri, name, code in rows if iri}


class _Node(NamedTuple):
    label: str
    departement: str | None = None  # the département's IRI, for structures and organisations
    classification: str | None = None  # an organisation's partner kind (its French label)


def _structures(store: ox.Store) -> dict[str, _Node]:
    rows = _rows(
        store,
        """
        SELECT ?structure ?nom ?departement WHERE {
          ?structure a mlg:Structure ; rdfs:label ?nom .
          OPTIONAL { ?structure mlg:departement ?departement . }
        }""",
    )
    return {iri: _Node(label or iri, dep) for iri, label, dep in rows if iri}


def _concept_labels(store: ox.Store, cls: str) -> dict[str, _Node]:
    rows = _rows(
        store,
        f"""
        SELECT ?concept ?libelle WHERE {{
          ?concept a mlg:{cls} ; skos:prefLabel ?libelle .
          FILTER(LANG(?libelle) = "fr")
        }}""",
    )
    return {iri: _Node(label or iri, None) for iri, label in rows if iri}


def _organisations(store: ox.Store) -> dict[str, _Node]:
    rows = _rows(
        store,
        """
        SELECT ?organisation ?nom ?departement ?type WHERE {
          ?organisation a mlg:Partenaire .
          OPTIONAL { ?organisation rdfs:label ?nom . FILTER(LANG(?nom) = "fr" || LANG(?nom) = "") }
          OPTIONAL { ?organisation mlg:departement ?departement . }
          OPTIONAL {
            ?organisation org:classification ?concept .
            ?concept skos:prefLabel ?type .
            FILTER(LANG(?type) = "fr")
          }
        }""",
    )
    nodes: dict[str, _Node] = {}
    for iri, label, dep, kind in sorted(rows, key=lambda row: tuple(value or "" for value in row)):
        if iri and iri not in nodes:
            nodes[iri] = _Node(label or iri, dep, kind)
    return nodes


def _relation(store: ox.Store, prop: str, actions: Mapping[str, Action]) -> dict[str, list[str]]:
    """Matching action -> the sorted objects of ``prop`` on it (actions without any are absent)."""
    items: dict[str, set[str]] = defaultdict(set)
    for action, item in _rows(store, f"SELECT ?action ?item WHERE {{ ?action {prop} ?item . }}"):
        if action in actions and item:
            items[action].add(item)
    return {action: sorted(found) for action, found in items.items()}


class _Items(NamedTuple):
    """What a network's non-structure nodes are: per action, and their labels."""

    by_action: dict[str, list[str]]
    nodes: dict[str, _Node]
    kind: str


def _partners(store: ox.Store, actions: Mapping[str, Action], level: Level) -> _Items:
    if Level(level) is Level.ORGANISATION:
        return _Items(_relation(store, "mlg:partenaire", actions), _organisations(store), "organisation")
    cls, prop = SCHEMES["partenaires"][1:]
    return _Items(_relation(store, f"mlg:{prop}", actions), _concept_labels(store, cls), "type-partenaire")


def _keywords(store: ox.Store, actions: Mapping[str, Action]) -> _Items:
    cls, prop = SCHEMES["mots_cles"][1:]
    return _Items(_relation(store, f"mlg:{prop}", actions), _concept_labels(store, cls), "mot-cle")


# --- building the graphs ------------------------------------------------------------------------------


def _graph(name: str, selection: Selection, kind: str, level: str) -> nx.Graph:
    return nx.Graph(
        name=name,
        filters=selection.description,
        level=level,
        kind=kind,
        actions=len(selection.actions),
    )


def _add_node(
    graph: nx.Graph,
    iri: str,
    node: _Node | None,
    kind: str,
    actions: int,
    departements: Mapping[str, tuple[str, str]],
    **extra: object,
) -> None:
    attributes: dict[str, object] = {"iri": iri, "label": node.label if node else iri, "kind": kind}
    attributes["actions"] = actions
    if node is not None and node.departement is not None:
        name, code = departements.get(node.departement, ("", ""))
        attributes["departement"] = name
        attributes["code_departement"] = code
    if node is not None and node.classification is not None:
        attributes["type_partenaire"] = node.classification
    attributes.update(extra)
    graph.add_node(iri, **attributes)


def _edge(selection: Selection, actions: Iterable[str]) -> dict[str, object]:
    ordered = sorted(set(actions))
    return {
        "weight": len(ordered),
        "actions": ordered,
        "titles": [selection.actions[action].title for action in ordered],
    }


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _check_size(edges: int, max_edges: int | None, hint: str) -> None:
    if max_edges is not None and edges > max_edges:
        count, limit = (f"{number:,}".replace(",", "\u202f") for number in (edges, max_edges))
        raise NetworkTooLarge(f"le réseau aurait {count} arêtes (au-delà de {limit}) : restreignez-le {hint}")


def structure_partner_network(
    store: ox.Store, filters: Filters = Filters(), level: Level | str = Level.TYPE
) -> nx.Graph:
    """Structures (``bipartite`` 0) and their partners (1).

    An edge's weight is the number of the structure's matching actions that declare the partner.
    """
    level = Level(level)
    selection = select_actions(store, filters)
    items = _partners(store, selection.actions, level)
    links: dict[tuple[str, str], list[str]] = defaultdict(list)
    for action, partners in items.by_action.items():
        structure = selection.actions[action].structure
        for partner in partners:
            links[(structure, partner)].append(action)
    structure_actions: dict[str, set[str]] = defaultdict(set)
    partner_actions: dict[str, set[str]] = defaultdict(set)
    for (structure, partner), actions in links.items():
        structure_actions[structure].update(actions)
        partner_actions[partner].update(actions)
    title = "organisations partenaires" if level is Level.ORGANISATION else "types de partenaires"
    graph = _graph(f"Structures et {title}", selection, "structures-partenaires", level.value)
    departements = _departements(store)
    structures = _structures(store)
    nodes = [(iri, 0) for iri in structure_actions] + [(iri, 1) for iri in partner_actions]
    for iri, side in sorted(nodes):
        counts = structure_actions if side == 0 else partner_actions
        kind = "structure" if side == 0 else items.kind
        known = structures.get(iri) if side == 0 else items.nodes.get(iri)
        _add_node(graph, iri, known, kind, len(counts[iri]), departements, bipartite=side)
    for structure, partner in sorted(links, key=lambda link: _pair(*link)):
        graph.add_edge(*_pair(structure, partner), **_edge(selection, links[(structure, partner)]))
    return graph


def _cooccurrence(
    store: ox.Store, selection: Selection, items: _Items, name: str, kind: str, level: str
) -> nx.Graph:
    """Items linked when declared on the same action; isolated items (alone on their actions) kept."""
    node_actions: dict[str, list[str]] = defaultdict(list)
    links: dict[tuple[str, str], list[str]] = defaultdict(list)
    for action, found in items.by_action.items():
        for item in found:
            node_actions[item].append(action)
        for a, b in combinations(found, 2):  # found is sorted: a < b
            links[(a, b)].append(action)
    graph = _graph(name, selection, kind, level)
    departements = _departements(store) if items.kind == "organisation" else {}
    for iri in sorted(node_actions):
        _add_node(graph, iri, items.nodes.get(iri), items.kind, len(node_actions[iri]), departements)
    for pair in sorted(links):
        graph.add_edge(*pair, **_edge(selection, links[pair]))
    return graph


def partner_network(
    store: ox.Store, filters: Filters = Filters(), level: Level | str = Level.TYPE
) -> nx.Graph:
    """Partners linked when declared on the same action; weight = number of such actions."""
    level = Level(level)
    selection = select_actions(store, filters)
    items = _partners(store, selection.actions, level)
    if level is Level.ORGANISATION:
        name = "Organisations partenaires associées sur une même action"
    else:
        name = "Types de partenaires associés sur une même action"
    return _cooccurrence(store, selection, items, name, "partenaires", level.value)


def keyword_network(store: ox.Store, filters: Filters = Filters()) -> nx.Graph:
    """Keywords linked when declared on the same action; weight = number of such actions."""
    selection = select_actions(store, filters)
    items = _keywords(store, selection.actions)
    return _cooccurrence(store, selection, items, "Mots-clés associés sur une même action", "mots-cles", "")


def structure_network(
    store: ox.Store,
    filters: Filters = Filters(),
    via: Via | str = Via.PARTENAIRES,
    level: Level | str = Level.TYPE,
    max_edges: int | None = MAX_EDGES,
) -> nx.Graph:
    """Structures linked when they share partners (at ``level``) or keywords.

    An edge's ``weight`` is the number of partners (or keywords) the two structures share, listed in
    ``partages`` (IRIs) and ``libelles_partages`` (labels); its ``actions`` are the actions of either
    structure that declare one of them. Structures with no partner (keyword) among the matching actions
    are left out; those whose partners nobody shares stay, isolated. Raises :class:`NetworkTooLarge`
    beyond ``max_edges`` edges (counted before anything is built).
    """
    via, level = Via(via), Level(level)
    selection = select_actions(store, filters)
    if via is Via.PARTENAIRES:
        items = _partners(store, selection.actions, level)
        what = "des organisations partenaires" if level is Level.ORGANISATION else "des types de partenaires"
        level_value = level.value
    else:
        items = _keywords(store, selection.actions)
        what, level_value = "des mots-clés", ""
    # structure -> item -> its actions declaring the item
    held: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for action, found in items.by_action.items():
        structure = selection.actions[action].structure
        for item in found:
            held[structure][item].append(action)
    structures = sorted(held)
    holders: dict[str, list[str]] = defaultdict(list)  # item -> structures holding it, sorted
    for structure in structures:
        for item in held[structure]:
            holders[item].append(structure)
    # Count the edges first, with one bit per structure: a country-wide network can be near-complete.
    index = {structure: position for position, structure in enumerate(structures)}
    masks = {item: sum(1 << index[s] for s in holding) for item, holding in holders.items()}
    edges = 0
    for structure in structures:
        neighbours = 0
        for item in held[structure]:
            neighbours |= masks[item]
        edges += neighbours.bit_count() - 1
    hint = "par département, mot-clé, public…"
    if via is Via.PARTENAIRES and level is Level.TYPE:
        hint += " ou passez au niveau des organisations"
    _check_size(edges // 2, max_edges, f"({hint})")

    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in sorted(holders):
        for a, b in combinations(holders[item], 2):  # holders are sorted: a < b
            shared[(a, b)].append(item)
    graph = _graph(f"Structures partageant {what}", selection, "structures", level_value)
    graph.graph["via"] = via.value
    departements = _departements(store)
    known = _structures(store)
    for structure in structures:
        count = len({action for actions in held[structure].values() for action in actions})
        _add_node(graph, structure, known.get(structure), "structure", count, departements)
    for (a, b), common in sorted(shared.items()):
        actions = [action for item in common for s in (a, b) for action in held[s][item]]
        attributes = _edge(selection, actions)
        attributes["weight"] = len(common)
        attributes["partages"] = common
        attributes["libelles_partages"] = [
            items.nodes[item].label if item in items.nodes else item for item in common
        ]
        graph.add_edge(a, b, **attributes)
    return graph


#: The command line's ``--kind`` -> the function that draws it.
NETWORKS: dict[str, Callable[..., nx.Graph]] = {
    "structures-partenaires": structure_partner_network,
    "partenaires": partner_network,
    "structures": structure_network,
    "mots-cles": keyword_network,
}

#: The kinds whose partners can be drawn at either :class:`Level`.
LEVELLED = ("structures-partenaires", "partenaires", "structures")


def build_network(
    store: ox.Store,
    kind: str,
    filters: Filters = Filters(),
    level: Level | str = Level.TYPE,
    via: Via | str = Via.PARTENAIRES,
) -> nx.Graph:
    """The network ``kind`` (a key of :data:`NETWORKS`), with the options that apply to it."""
    if kind not in NETWORKS:
        raise ValueError(f"unknown network kind {kind!r}: one of {', '.join(NETWORKS)}")
    if kind == "structures":
        return structure_network(store, filters, via=via, level=level)
    if kind in LEVELLED:
        return NETWORKS[kind](store, filters, level=level)
    return NETWORKS[kind](store, filters)
