"""Networks drawn from the graph: who works with whom, on what, as networkx graphs.

Every network is read from the store with SPARQL, never from the export text:

1. the filters (keywords, dimensions, publics, statuses, initiators, départements, communes) are resolved
   to the graph's own concepts, départements and communes, found by their class and their
   ``skos:notation`` or French label (a commune by its INSEE code or name), so no base IRI is written
   here and a dataset published under any base works;
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

The two partner networks (``structures-partenaires``, ``partenaires``: :data:`WITH_MENTIONS`) take an
optional layer, ``mentions=True``: the organisations the action texts name (``mlg:organisationCitee``,
read by the build, never declared in the form) join the declared partners of each action, and edges are
built from the union, so an action that both declares and cites an organisation counts once. A node
declared on some matching action keeps its declared kind; one reached only through the texts is of kind
``organisation-citee``. Declared partners are the same with or without the layer: comparing the two
networks is how a researcher sees what the texts add. The graph attribute ``mentions`` (a bool, on these
two networks) says whether the layer is in.

Nodes are keyed by their IRI and carry ``iri``, ``label`` (French), ``kind`` (``structure``,
``type-partenaire``, ``organisation``, ``organisation-citee``, ``mot-cle``) and ``actions`` (the number of
matching actions in which the node takes part in this network), plus:

- ``departement`` and ``code_departement`` (name and INSEE code) for every node that has a
  département: structures, organisations, cited organisations of a département;
- ``communes`` and ``codes_communes`` for structures: the French names of the communes the build
  located the structure in (``mlg:commune``), in French alphabetical order, and their INSEE codes in the
  same order (empty lists when none is known; lists, joined with " | " in GraphML, GEXF and CSV like
  every list attribute, see :mod:`maillage.graph.network_export`);
- ``type_partenaire`` (the partner kind's French label) for organisations, ``type_organisation`` (the
  kind of cited organisation: Association, Communauté d'agglomération…) for ``mlg:OrganisationCitee``.

Edges carry ``weight`` (an int), ``actions`` (sorted action IRIs) and ``titles`` (their titles, same
order). Nodes and edges are inserted in sorted order, so the same graph and filters always give the same
networkx graph, attribute order included.
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
    (``31``, ``2A``) or name (``Haute-Garonne``); ``communes`` by INSEE code (``31291``) or name
    (``Léguevin``, ``leguevin``: case, accents, hyphens and spaces aside), among the communes of the graph.
    An action is in a commune when its structure is (``mlg:commune``) or its texts name the commune as a
    place of the action (``mlg:communeConcernee``). Values of one field are alternatives (OR); fields
    combine (AND).
    """

    mots_cles: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    statuts: tuple[str, ...] = ()
    initiateurs: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()

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
    "communes": "communes",
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
    if filters.communes:
        resolved["communes"], names = _resolve_communes(store, filters.communes)
        described.append(f"{FIELD_LABELS['communes']} : {' ou '.join(names)}")
    return resolved, " ; ".join(described) if described else "toutes les actions"


def _name_key(text: str) -> str:
    """A place name's key: case, accents, hyphens, apostrophes and spaces aside ("Lèguevin" = "LEGUEVIN")."""
    return slug(text, max_length=0).replace("-", "")


def _commune_name(name: str, code: str) -> str:
    return f"{name} ({code})"


def _resolve_communes(store: ox.Store, values: Iterable[str]) -> tuple[list[str], list[str]]:
    """The IRIs of the graph's communes that ``values`` name (by INSEE code or name), and their names.

    Only the communes the graph holds can be named: the build adds a commune when it reads one, so a
    commune absent from the graph is reported as unknown, with the possible ones.
    """
    communes = _communes(store)
    found: dict[str, str] = {}
    unknown = []
    for value in values:
        key, code = _name_key(value), value.upper()
        matches = {
            iri: (name, iri_code)
            for iri, (name, iri_code) in communes.items()
            if iri_code == code or _name_key(name) == key
        }
        if not matches:
            unknown.append(value)
        found.update({iri: _commune_name(*place) for iri, place in matches.items()})
    if unknown:
        known = sorted({_commune_name(*place) for place in communes.values()}, key=_name_key)
        raise UnknownFilterValue("communes", unknown, known)
    return sorted(found), sorted(set(found.values()), key=_name_key)


def _link(name: str, value: str) -> str:
    """The graph pattern that ties ``?action`` to ``value``, one IRI the filter field ``name`` resolved to."""
    if name == "departements":
        return f"?action mlg:departement {value} ."
    if name == "communes":  # the structure's commune, or a commune the texts name as the action's place
        return (
            f"{{ ?action mlg:structureOrganisatrice/mlg:commune {value} . }} "
            f"UNION {{ ?action mlg:communeConcernee {value} . }}"
        )
    return f"?action mlg:{SCHEMES[CONCEPT_FIELDS[name]][2]} {value} ."


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
        blocks.append(
            f"{{ SELECT DISTINCT ?action WHERE {{ VALUES ?v{index} {{ {' '.join(map(_iri, iris))} }} "
            f"{_link(name, f'?v{index}')} }} }}"
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


def _communes(store: ox.Store) -> dict[str, tuple[str, str]]:
    """Commune IRI -> (French name, INSEE code), for the communes the graph holds."""
    rows = _rows(
        store,
        """
        SELECT ?commune ?nom ?code WHERE {
          ?commune a igeo:Commune ; igeo:codeINSEE ?code ; rdfs:label ?nom .
          FILTER(LANG(?nom) = "fr" || LANG(?nom) = "")
        }""",
    )
    return {iri: (name or code or iri, code or "") for iri, name, code in sorted(rows, key=str) if iri}


class _Node(NamedTuple):
    label: str
    departement: str | None = None  # the département's IRI, for structures and organisations
    classification: str | None = None  # an organisation's kind (its French label)…
    classification_key: str = "type_partenaire"  # …and the attribute that carries it
    communes: tuple[tuple[str, str], ...] | None = None  # a structure's communes: (name, code), sorted


def _structures(store: ox.Store) -> dict[str, _Node]:
    """Every structure, with its département and its communes (an empty tuple when none is known)."""
    rows = _rows(
        store,
        """
        SELECT ?structure ?nom ?departement WHERE {
          ?structure a mlg:Structure ; rdfs:label ?nom .
          OPTIONAL { ?structure mlg:departement ?departement . }
        }""",
    )
    communes = _communes(store)
    located: dict[str, set[tuple[str, str]]] = defaultdict(set)
    query = "SELECT ?structure ?commune WHERE { ?structure a mlg:Structure ; mlg:commune ?commune . }"
    for structure, commune in _rows(store, query):
        if structure and commune in communes:
            located[structure].add(communes[commune])
    return {
        iri: _Node(label or iri, dep, communes=tuple(sorted(located[iri], key=_commune_order)))
        for iri, label, dep in rows
        if iri
    }


def _commune_order(commune: tuple[str, str]) -> tuple[str, str, str]:
    """French alphabetical order of (name, code) pairs, near enough: case and accents aside."""
    return (_name_key(commune[0]), *commune)


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


#: Organisation class -> the node attribute that carries its kind (org:classification).
ORGANISATION_CLASSES = {"Partenaire": "type_partenaire", "OrganisationCitee": "type_organisation"}


def _organisations(store: ox.Store) -> dict[str, _Node]:
    """The territorial organisations (mlg:Partenaire) and the organisations cited in texts."""
    rows = _rows(
        store,
        f"""
        SELECT ?organisation ?classe ?nom ?departement ?type WHERE {{
          VALUES ?classe {{ {" ".join(f"mlg:{cls}" for cls in ORGANISATION_CLASSES)} }}
          ?organisation a ?classe .
          OPTIONAL {{ ?organisation rdfs:label ?nom . FILTER(LANG(?nom) = "fr" || LANG(?nom) = "") }}
          OPTIONAL {{ ?organisation mlg:departement ?departement . }}
          OPTIONAL {{
            ?organisation org:classification ?concept .
            ?concept skos:prefLabel ?type .
            FILTER(LANG(?type) = "fr")
          }}
        }}""",
    )
    nodes: dict[str, _Node] = {}
    for iri, cls, label, dep, kind in sorted(rows, key=lambda row: tuple(value or "" for value in row)):
        if iri and cls and iri not in nodes:
            key = ORGANISATION_CLASSES[cls.removeprefix(ONTOLOGY)]
            nodes[iri] = _Node(label or iri, dep, kind, key)
    return nodes


def _relation(store: ox.Store, prop: str, actions: Mapping[str, Action]) -> dict[str, list[str]]:
    """Matching action -> the sorted objects of ``prop`` on it (actions without any are absent)."""
    items: dict[str, set[str]] = defaultdict(set)
    for action, item in _rows(store, f"SELECT ?action ?item WHERE {{ ?action {prop} ?item . }}"):
        if action in actions and item:
            items[action].add(item)
    return {action: sorted(found) for action, found in items.items()}


#: The kind of a node that only the action texts name (the mentions layer).
CITED = "organisation-citee"


class _Items(NamedTuple):
    """What a network's non-structure nodes are: per action, and their labels."""

    by_action: dict[str, list[str]]
    nodes: dict[str, _Node]
    kind: str
    cited: frozenset[str] = frozenset()  # items only the texts name, on the matching actions

    def kind_of(self, item: str) -> str:
        return CITED if item in self.cited else self.kind


def _partners(store: ox.Store, actions: Mapping[str, Action], level: Level, mentions: bool = False) -> _Items:
    if Level(level) is Level.ORGANISATION:
        declared = _Items(_relation(store, "mlg:partenaire", actions), _organisations(store), "organisation")
    else:
        cls, prop = SCHEMES["partenaires"][1:]
        declared = _Items(
            _relation(store, f"mlg:{prop}", actions), _concept_labels(store, cls), "type-partenaire"
        )
    return _with_mentions(store, actions, declared) if mentions else declared


def _with_mentions(store: ox.Store, actions: Mapping[str, Action], declared: _Items) -> _Items:
    """The declared partners plus the organisations the action texts name: one node per IRI, and each
    action's partners as a set, so an organisation both declared and cited on an action counts once."""
    cited = _relation(store, "mlg:organisationCitee", actions)
    by_action = {
        action: sorted({*declared.by_action.get(action, ()), *cited.get(action, ())})
        for action in sorted({*declared.by_action, *cited})
    }
    known = {item for items in declared.by_action.values() for item in items}
    only_cited = frozenset(item for items in cited.values() for item in items) - known
    nodes = {**_organisations(store), **declared.nodes}
    return _Items(by_action, nodes, declared.kind, only_cited)


def _keywords(store: ox.Store, actions: Mapping[str, Action]) -> _Items:
    cls, prop = SCHEMES["mots_cles"][1:]
    return _Items(_relation(store, f"mlg:{prop}", actions), _concept_labels(store, cls), "mot-cle")


# --- building the graphs ------------------------------------------------------------------------------


def _graph(name: str, selection: Selection, kind: str, level: str, **extra: object) -> nx.Graph:
    return nx.Graph(
        name=name,
        filters=selection.description,
        level=level,
        kind=kind,
        actions=len(selection.actions),
        **extra,
    )


def _partner_graph(name: str, selection: Selection, kind: str, level: Level, mentions: bool) -> nx.Graph:
    """A partner network's graph; its name says when the organisations cited in the texts were added."""
    if mentions:
        name += ", avec les organisations citées dans les textes"
    return _graph(name, selection, kind, level.value, mentions=mentions)


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
        attributes[node.classification_key] = node.classification
    if node is not None and node.communes is not None:
        attributes["communes"] = [name for name, _ in node.communes]
        attributes["codes_communes"] = [code for _, code in node.communes]
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
    store: ox.Store, filters: Filters = Filters(), level: Level | str = Level.TYPE, mentions: bool = False
) -> nx.Graph:
    """Structures (``bipartite`` 0) and their partners (1).

    An edge's weight is the number of the structure's matching actions that declare the partner (or,
    with ``mentions``, declare or cite it).
    """
    level = Level(level)
    selection = select_actions(store, filters)
    items = _partners(store, selection.actions, level, mentions)
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
    graph = _partner_graph(f"Structures et {title}", selection, "structures-partenaires", level, mentions)
    departements = _departements(store)
    structures = _structures(store)
    nodes = [(iri, 0) for iri in structure_actions] + [(iri, 1) for iri in partner_actions]
    for iri, side in sorted(nodes):
        counts = structure_actions if side == 0 else partner_actions
        kind = "structure" if side == 0 else items.kind_of(iri)
        known = structures.get(iri) if side == 0 else items.nodes.get(iri)
        _add_node(graph, iri, known, kind, len(counts[iri]), departements, bipartite=side)
    for structure, partner in sorted(links, key=lambda link: _pair(*link)):
        graph.add_edge(*_pair(structure, partner), **_edge(selection, links[(structure, partner)]))
    return graph


def _cooccurrence(store: ox.Store, selection: Selection, items: _Items, graph: nx.Graph) -> nx.Graph:
    """``graph`` filled with the items linked when on the same action; isolated items (alone on their
    actions) kept."""
    node_actions: dict[str, list[str]] = defaultdict(list)
    links: dict[tuple[str, str], list[str]] = defaultdict(list)
    for action, found in items.by_action.items():
        for item in found:
            node_actions[item].append(action)
        for a, b in combinations(found, 2):  # found is sorted: a < b
            links[(a, b)].append(action)
    departements = _departements(store)
    for iri in sorted(node_actions):
        _add_node(graph, iri, items.nodes.get(iri), items.kind_of(iri), len(node_actions[iri]), departements)
    for pair in sorted(links):
        graph.add_edge(*pair, **_edge(selection, links[pair]))
    return graph


def partner_network(
    store: ox.Store, filters: Filters = Filters(), level: Level | str = Level.TYPE, mentions: bool = False
) -> nx.Graph:
    """Partners linked when declared (or, with ``mentions``, declared or cited) on the same action;
    weight = number of such actions."""
    level = Level(level)
    selection = select_actions(store, filters)
    items = _partners(store, selection.actions, level, mentions)
    if level is Level.ORGANISATION:
        name = "Organisations partenaires associées sur une même action"
    else:
        name = "Types de partenaires associés sur une même action"
    return _cooccurrence(
        store, selection, items, _partner_graph(name, selection, "partenaires", level, mentions)
    )


def keyword_network(store: ox.Store, filters: Filters = Filters()) -> nx.Graph:
    """Keywords linked when declared on the same action; weight = number of such actions."""
    selection = select_actions(store, filters)
    items = _keywords(store, selection.actions)
    graph = _graph("Mots-clés associés sur une même action", selection, "mots-cles", "")
    return _cooccurrence(store, selection, items, graph)


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
#: The kinds that take the layer of organisations cited in the texts (``mentions``).
WITH_MENTIONS = ("structures-partenaires", "partenaires")


def build_network(
    store: ox.Store,
    kind: str,
    filters: Filters = Filters(),
    level: Level | str = Level.TYPE,
    via: Via | str = Via.PARTENAIRES,
    mentions: bool = False,
) -> nx.Graph:
    """The network ``kind`` (a key of :data:`NETWORKS`), with the options that apply to it."""
    if kind not in NETWORKS:
        raise ValueError(f"unknown network kind {kind!r}: one of {', '.join(NETWORKS)}")
    if mentions and kind not in WITH_MENTIONS:
        raise ValueError(f"the cited organisations apply to {' and '.join(WITH_MENTIONS)} only, not {kind!r}")
    if kind == "structures":
        return structure_network(store, filters, via=via, level=level)
    if kind in WITH_MENTIONS:
        return NETWORKS[kind](store, filters, level=level, mentions=mentions)
    return NETWORKS[kind](store, filters)
