"""Writing a network to a file, the format chosen by the file's suffix.

- ``.graphml`` (``nx.write_graphml``) and ``.gexf`` (``nx.write_gexf``), for Gephi, Cytoscape and
  Gephi Lite. Both need one scalar type per attribute: networkx writes mixed or list-valued attributes
  into files that cannot be read back (or fails), see networkx#8527 and #3572. So attributes are
  normalised first (:func:`normalised`): lists are joined with " | ", None is dropped, and a key whose
  values mix ints and floats becomes float, any other mix str; ints stay ints;
- ``.json``: networkx's node-link form (``nx.node_link_data(G, edges="links")``), lists kept, keys
  sorted; ``nx.node_link_graph(data, edges="links")`` reads it back;
- ``.csv``: the edge list, one row per edge: source, target, their labels, weight and the actions
  behind it joined with " | " (in a bipartite network the source is the structure);
- ``.html``: the interactive view, written by ``maillage.publish.views.write_view`` (imported only
  then: the publishing side depends on the graph side, not the other way round), with the view's options
  given as ``view`` (its colours: ``{"colour": "departement"}``), which the other formats do not use.

Every file is written beside its target and renamed into place: a reader never sees half a file.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import networkx as nx

from .dump import atomic_write

#: The suffixes :func:`write_network` knows, and what they write.
FORMATS = {
    ".graphml": "GraphML",
    ".gexf": "GEXF",
    ".json": "JSON node-link",
    ".csv": "CSV edge list",
    ".html": "HTML view",
}

#: How list values are joined into one string for GraphML, GEXF and CSV.
SEPARATOR = " | "

CSV_COLUMNS = ("source", "target", "source_label", "target_label", "weight", "actions")


def _scalar(value: Any) -> Any:
    """A value as a GraphML/GEXF scalar: str, int, float or bool (None stays None, to be dropped)."""
    if isinstance(value, Enum):
        return _scalar(value.value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return SEPARATOR.join(str(_scalar(item)) for item in items)
    return str(value)


def _unify(records: list[dict[str, Any]]) -> None:
    """Give each key one type across ``records`` (in place): int+float -> float, other mixes -> str."""
    types: dict[str, set[type]] = {}
    for record in records:
        for key, value in list(record.items()):
            value = _scalar(value)
            if value is None:
                del record[key]
                continue
            record[key] = value
            types.setdefault(key, set()).add(type(value))
    for key, found in types.items():
        if len(found) < 2:
            continue
        target: type = float if found <= {int, float} else str
        for record in records:
            if key in record:
                record[key] = target(record[key])


def normalised(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` whose graph, node and edge attributes are one scalar type per key."""
    copy = graph.__class__()
    graph_attributes = [dict(graph.graph)]
    nodes = [(node, dict(data)) for node, data in graph.nodes(data=True)]
    edges = [(u, v, dict(data)) for u, v, data in graph.edges(data=True)]
    _unify(graph_attributes)
    _unify([data for _, data in nodes])
    _unify([data for _, _, data in edges])
    copy.graph.update(graph_attributes[0])
    copy.add_nodes_from(nodes)
    copy.add_edges_from(edges)
    return copy


def _oriented(graph: nx.Graph, u: Any, v: Any) -> tuple[Any, Any]:
    """An edge's (source, target): the bipartite 0 side first, else the smaller id first."""
    sides = (graph.nodes[u].get("bipartite"), graph.nodes[v].get("bipartite"))
    if sides == (1, 0):
        return v, u
    if sides == (0, 1):
        return u, v
    return (u, v) if str(u) <= str(v) else (v, u)


def edge_rows(graph: nx.Graph) -> list[dict[str, Any]]:
    """The CSV rows: one per edge, sorted by source then target."""
    rows = []
    for u, v, data in graph.edges(data=True):
        source, target = _oriented(graph, u, v)
        actions = data.get("actions", [])
        rows.append(
            {
                "source": source,
                "target": target,
                "source_label": graph.nodes[source].get("label", source),
                "target_label": graph.nodes[target].get("label", target),
                "weight": data.get("weight", 1),
                "actions": actions if isinstance(actions, str) else SEPARATOR.join(map(str, actions)),
            }
        )
    rows.sort(key=lambda row: (str(row["source"]), str(row["target"])))
    return rows


def write_network(graph: nx.Graph, path: Path | str, *, view: Mapping[str, Any] | None = None) -> None:
    """Write ``graph`` to ``path`` in the format its suffix names (see :data:`FORMATS`).

    ``view``: keyword arguments of the HTML view (``write_view``'s ``colour``…), for ``.html`` only.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise ValueError(f"cannot tell the format of {path.name}: its suffix must be one of {known}")
    if suffix == ".html":
        _write_view(graph, path, view or {})
    elif suffix == ".graphml":
        with atomic_write(path, "wb") as handle:
            nx.write_graphml(normalised(graph), handle)
    elif suffix == ".gexf":
        with atomic_write(path, "wb") as handle:
            nx.write_gexf(normalised(graph), handle)
    elif suffix == ".json":
        data = nx.node_link_data(graph, edges="links")
        with atomic_write(path) as handle:
            json.dump(data, handle, ensure_ascii=False, sort_keys=True, indent=1, default=_scalar)
            handle.write("\n")
    else:
        with atomic_write(path) as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(edge_rows(graph))


def _write_view(graph: nx.Graph, path: Path, options: Mapping[str, Any]) -> None:
    """The HTML view belongs to the publishing side: imported only when asked for."""
    try:
        from maillage.publish.views import write_view
    except ImportError as error:
        raise RuntimeError(
            f"cannot write {path.name}: the HTML view (maillage.publish.views.write_view) is not "
            f"available ({error}); write .graphml, .gexf, .json or .csv instead"
        ) from error
    # The view writes its file in one go but not atomically: it writes a temporary file beside, renamed.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".html", dir=path.parent)
    os.close(fd)
    try:
        write_view(graph, Path(tmp), **options)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
