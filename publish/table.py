"""SPARQL results as a plain-text table for the terminal."""

from __future__ import annotations

from typing import Any

from maillage.graph.dump import PREFIXES

MAX_CELL = 60


def _cell(term: dict[str, str] | None, base_iri: str) -> str:
    """A cell's text: IRIs shortened with the project's prefixes or the dataset's base, long text cut."""
    if term is None:
        return ""
    value = term["value"]
    if term["type"] == "uri":
        for prefix, namespace in {**PREFIXES, **({"": base_iri} if base_iri else {})}.items():
            if value.startswith(namespace):
                value = f"{prefix}:{value[len(namespace) :]}"
                break
    value = " ".join(value.split())
    return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"


def render_table(results: dict[str, Any], base_iri: str = "") -> str:
    """A SPARQL JSON results document as aligned columns, with the row count."""
    if "boolean" in results:
        return "yes" if results["boolean"] else "no"
    names = results["head"]["vars"]
    rows = [
        [_cell(binding.get(name), base_iri) for name in names] for binding in results["results"]["bindings"]
    ]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    lines = [" | ".join(name.ljust(width) for name, width in zip(names, widths, strict=True))]
    lines.append("-+-".join("-" * width for width in widths))
    lines += [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
