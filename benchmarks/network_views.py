"""Time to build each network of a 20,000-fiche dataset and write its interactive HTML view; the file's size.

    .venv/bin/python benchmarks/network_views.py [--data /tmp/bench/ds20k] [--browser]
                                                 [--out benchmarks/results/network_views.json]

The dataset folder is built first when it is missing (``maillage generate --fiches 20000 --seed 1`` then
``maillage build --no-validate``; a few minutes). Then, for every network kind and option of
:mod:`maillage.graph.networks` (no filter: the whole country, the worst case), in this process:

- **build**: ``build_network`` on the on-disk store opened read-only (what the /reseau page does);
- **measures**: ``add_measures`` (degrees, betweenness, PageRank, components, Louvain communities);
- **write**: ``write_view`` — pruning to the view's budget, the vis-network data and the standalone page
  with vis-network inlined — to a temporary folder;

and reports the network's size, the part the view shows, the HTML file's size and the times. With
``--browser``, each HTML file is also opened in Chromium (/usr/bin/chromium, headless, software rendering)
and the time from navigation to the layout being settled (``data-state="stable"``) is recorded.

Goal (the issue's note): under 5 s and under 5 MB for the default partner view (``partenaires``, partner
kinds) at 20,000 fiches.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path("/tmp/bench/ds20k")
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "network_views.json"
FICHES = 20_000
SEED = 1
GOAL_SECONDS = 5.0
GOAL_BYTES = 5 * 1024 * 1024
CHROMIUM = Path("/usr/bin/chromium")
SETTLED = "#reseau-canvas[data-state='stable'], #reseau-canvas[data-state='vide']"

#: (kind, level, via) of every network drawn; the first is the default partner view.
CASES = [
    ("partenaires", "types", None),
    ("partenaires", "organisations", None),
    ("structures-partenaires", "types", None),
    ("structures-partenaires", "organisations", None),
    ("structures", "types", "partenaires"),
    ("structures", "organisations", "partenaires"),
    ("structures", None, "mots-cles"),
    ("mots-cles", None, None),
]


def ensure_dataset(folder: Path) -> None:
    """Generate and build the 20,000-fiche dataset into ``folder`` unless it is there."""
    if (folder / "build.json").exists():
        return
    maillage = str(Path(sys.executable).with_name("maillage"))
    folder.parent.mkdir(parents=True, exist_ok=True)
    export = folder.parent / f"export-{FICHES}.txt"
    print(f"generating {FICHES} fiches into {export} …", flush=True)
    subprocess.run([maillage, "generate", "--fiches", str(FICHES), "--seed", str(SEED), "--out", str(export)],
                   check=True)
    print(f"building {folder} …", flush=True)
    subprocess.run([maillage, "build", "--no-validate", "--out", str(folder), str(export)], check=True)


def case_name(kind: str, level: str | None, via: str | None) -> str:
    return kind + (f" · {level}" if level else "") + (f" · via {via}" if via else "")


def settle_times(paths: list[Path]) -> list[float | None]:
    """Seconds from navigation to a settled layout, for each HTML file, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    times: list[float | None] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            for path in paths:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                started = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_selector(SETTLED, timeout=120_000)
                times.append(time.perf_counter() - started)
                page.close()
        finally:
            browser.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="built dataset folder (made if missing)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results")
    parser.add_argument("--browser", action="store_true", help="also time the layout in Chromium")
    args = parser.parse_args()

    ensure_dataset(args.data)
    from maillage.graph.build import read_metadata
    from maillage.graph.measures import add_measures
    from maillage.graph.networks import Filters, NetworkTooLarge, build_network
    from maillage.graph.store import open_store
    from maillage.publish import views

    started = time.perf_counter()
    store = open_store(args.data, "disk")
    open_seconds = time.perf_counter() - started
    metadata = read_metadata(args.data)

    rows = []
    with tempfile.TemporaryDirectory(prefix="maillage-views-") as tmp:
        paths: list[Path] = []
        for kind, level, via in CASES:
            name = case_name(kind, level, via)
            row: dict = {"network": name, "kind": kind, "level": level, "via": via}
            options = {key: value for key, value in (("level", level), ("via", via)) if value}
            started = time.perf_counter()
            try:
                graph = build_network(store, kind, Filters(), **options)
            except NetworkTooLarge as error:
                row.update(build_s=round(time.perf_counter() - started, 3), refused=str(error))
                rows.append(row)
                print(f"{name}: refused ({error})", flush=True)
                continue
            row["build_s"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            add_measures(graph, seed=42)
            row["measures_s"] = round(time.perf_counter() - started, 3)
            path = Path(tmp) / f"{kind}-{level or 'x'}-{via or 'x'}.html"
            started = time.perf_counter()
            views.write_view(graph, path)
            row["write_s"] = round(time.perf_counter() - started, 3)
            data = views.view_data(graph)  # again, for the counts (not timed)
            row.update(
                nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
                shown_nodes=data["counts"]["nodes"], shown_edges=data["counts"]["edges"],
                pruned=data["pruned"] is not None, html_bytes=path.stat().st_size,
            )
            row["total_s"] = round(row["build_s"] + row["measures_s"] + row["write_s"], 3)
            rows.append(row)
            paths.append(path)
            print(f"{name}: {row['total_s']:.2f} s, {row['html_bytes'] / 1e6:.2f} MB", flush=True)
        if args.browser:
            written = [row for row in rows if "html_bytes" in row]
            for row, seconds in zip(written, settle_times(paths), strict=True):
                row["browser_settled_s"] = None if seconds is None else round(seconds, 3)

    default = rows[0]
    goal = {
        "network": default["network"],
        "seconds": default.get("total_s"),
        "bytes": default.get("html_bytes"),
        "met": bool(default.get("total_s") is not None and default["total_s"] < GOAL_SECONDS
                    and default["html_bytes"] < GOAL_BYTES),
    }
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "dataset": {"folder": str(args.data), "fiches_kept": metadata.kept, "actions": metadata.actions,
                    "triples": metadata.triples,
                    "store_open_s": round(open_seconds, 3)},
        "view_budget": {"max_nodes": views.MAX_NODES, "max_edges": views.MAX_EDGES, "top_k": views.TOP_K,
                        "min_weight": views.MIN_WEIGHT},
        "networks": rows,
        "goal": goal,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    browser = args.browser
    header = "| network | nodes | edges | shown | build s | measures s | write s | total s | HTML MB |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    if browser:
        header += " settled in Chromium s |"
        rule += " ---: |"
    print()
    print(header)
    print(rule)
    for row in rows:
        if "refused" in row:
            cells = [row["network"], "–", "–", "refused", f"{row['build_s']:.2f}", "–", "–", "–", "–"]
            if browser:
                cells.append("–")
        else:
            shown = f"{row['shown_nodes']:,} / {row['shown_edges']:,}"
            shown += " (pruned)" if row["pruned"] else ""
            cells = [row["network"], f"{row['nodes']:,}", f"{row['edges']:,}", shown, f"{row['build_s']:.2f}",
                     f"{row['measures_s']:.2f}", f"{row['write_s']:.2f}", f"{row['total_s']:.2f}",
                     f"{row['html_bytes'] / 1e6:.2f}"]
            if browser:
                settled = row.get("browser_settled_s")
                cells.append("–" if settled is None else f"{settled:.2f}")
        print("| " + " | ".join(cells) + " |")
    print()
    verdict = "met" if goal["met"] else "NOT met"
    print(f"goal (default partner view under {GOAL_SECONDS:g} s and {GOAL_BYTES / 2**20:g} MiB): {verdict} — "
          f"{goal['seconds']} s, {goal['bytes']} bytes")
    print(f"results written to {args.out}")
    return 0 if goal["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
