"""benchmarks/national.py: the smoke run (--quick) writes every section with its ratios, and says "dnf".

Structure only, never a timing: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "national.py"
STATUSES = {"ok", "dnf", "skipped", "failed", "refused"}
RATIO_FIELDS = {"ours", "baseline", "baseline_status", "ours_over_baseline", "speedup", "speedup_at_least"}


def _module() -> Any:
    spec = importlib.util.spec_from_file_location("national", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("national", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _outcomes(node: Any, path: str = "") -> list[tuple[str, dict]]:
    """Every dict of the results that carries a status, with where it is."""
    found = []
    if isinstance(node, dict):
        if "status" in node:
            found.append((path, node))
        for key, value in node.items():
            found.extend(_outcomes(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_outcomes(value, f"{path}/{index}"))
    return found


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, str]:
    out = tmp_path_factory.mktemp("national")
    completed = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--out-dir",
            str(out / "results"),
            "--corpus-dir",
            str(out / "corpus"),
        ],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    written = list((out / "results").glob("national-*-quick.json"))
    assert len(written) == 1, written
    return json.loads(written[0].read_text(encoding="utf-8")), out, completed.stdout


@pytest.mark.slow
def test_quick_run_has_the_machine_and_every_section(quick: tuple[dict, Path, str]) -> None:
    results, out, stdout = quick
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["ram_bytes"] > 0 and machine["python"]
    assert {"maillage", "rdflib", "pyoxigraph", "rdflib-endpoint"} <= set(machine["packages"])
    assert results["wall_s"] > 0
    assert list(results["sizes"]) == ["100"]
    size = results["sizes"]["100"]
    assert {"corpus", "build", "query", "endpoint", "networks", "publish"} <= set(size)
    assert (out / "corpus" / "fiches-100-seed-1.txt").stat().st_size > 0
    assert (out / "results" / results["chart"]).stat().st_size > 0
    for title in (
        "== build",
        "== queries at 100 fiches",
        "== endpoint",
        "== networks",
        "== publish",
        "goals",
    ):
        assert title in stdout


@pytest.mark.slow
def test_quick_run_measures_ours_with_positive_figures(quick: tuple[dict, Path, str]) -> None:
    size = quick[0]["sizes"]["100"]
    build = size["build"]["ours"]
    assert build["status"] == "ok"
    assert build["seconds"] > 0 and build["fiches_per_s"] > 0 and build["triples_per_s"] > 0
    assert build["peak_rss_bytes"] > 0 and build["peak_tree_rss_bytes"] >= build["peak_rss_bytes"]
    # Shared pages counted once: never more than the summed RSS.
    assert 0 < build["peak_tree_pss_bytes"] <= build["peak_tree_rss_bytes"]
    served = size["query"]["served"]
    assert served["status"] == "ok" and served["server"]["seconds"] > 0
    assert len(served["questions"]) >= 15
    for question in served["questions"].values():
        assert question["status"] == "ok", question
        assert (
            question["first_ms"] > 0
            and question["uncached_median_ms"] > 0
            and question["cached_median_ms"] > 0
        )
    ours = size["endpoint"]["ours"]
    for mix in ("cached", "uncached"):
        assert set(ours[mix]) == {"1", "8", "32"}
        for phase in ours[mix].values():
            assert phase["requests"] >= phase["ok"] > 0 and phase["throughput_rps"] > 0
    for kind, network in size["networks"]["kinds"].items():
        assert network["status"] in STATUSES, kind
        assert "pyvis" in network or network["status"] != "ok", kind
    publish = size["publish"]
    assert publish["status"] in STATUSES
    if publish["status"] == "ok":
        assert publish["seconds"] > 0 and publish["files"] > 0 and publish["bytes"] > 0


@pytest.mark.slow
def test_quick_run_measures_the_baselines_and_compares(quick: tuple[dict, Path, str]) -> None:
    size = quick[0]["sizes"]["100"]
    baseline = size["build"]["baseline"]
    assert set(baseline["phases"]) == {"parse", "map", "nt", "ttl", "jsonld"}
    assert baseline["phases"]["parse"]["status"] in {"ok", "dnf"}
    assert baseline["phases"]["map"]["status"] in {"ok", "dnf", "skipped"}
    assert isinstance(baseline["not_finished"], list)
    if baseline["phases"]["map"]["status"] == "ok":  # the naive pipeline built the same graph
        triples = size["build"]["ours"]["triples"]
        assert abs(baseline["phases"]["map"]["triples"] - triples) <= 0.01 * triples
    assert set(size["build"]["ratio"]) >= RATIO_FIELDS
    assert size["query"]["baseline"]["load"]["status"] in {"ok", "dnf"}
    ratios = size["query"]["ratio"]
    assert set(ratios) == set(size["query"]["served"]["questions"])
    for ratio in ratios.values():
        assert set(ratio["uncached"]) >= RATIO_FIELDS and set(ratio["cached"]) >= RATIO_FIELDS
    endpoint = size["endpoint"]["baseline"]
    assert endpoint["status"] == "ok", endpoint  # rdflib-endpoint installed and started
    assert set(endpoint["phases"]) == {"1", "8", "32"}
    for ratio in size["endpoint"]["ratio"].values():
        assert RATIO_FIELDS | {"throughput_ratio"} <= set(ratio)


@pytest.mark.slow
def test_quick_run_marks_every_outcome_explicitly(quick: tuple[dict, Path, str]) -> None:
    """Nothing is silently missing: a dnf says within what, anything not ok says why."""
    for path, outcome in _outcomes(quick[0]["sizes"]):
        assert outcome["status"] in STATUSES, path
        if outcome["status"] == "dnf":
            assert outcome["cap_s"] > 0 and outcome["reason"], path
        elif outcome["status"] != "ok":
            assert outcome.get("reason") is not None, path
        for key, value in outcome.items():
            if key.endswith(("_s", "_ms")) and isinstance(value, float | int):
                assert value >= 0, (path, key)
    assert {goal["met"] for goal in quick[0]["goals"]} <= {True, False, None}


def test_phase_summary_counts_timeouts_as_unanswered() -> None:
    national = _module()
    summary = national.summarise_phase([(200, 0.01), (200, 0.02), (-1, 10.0), (503, 0.1)], 2.0, 4, 1.0, 10.0)
    assert (summary["ok"], summary["timeouts"], summary["errors"]) == (2, 1, 1)
    assert summary["throughput_rps"] == 1.0 and summary["p50_ms"] == 20.0
    assert summary["p99_ms"] is None and summary["status"] == "dnf" and summary["cap_s"] == 10.0


def test_ratios_give_a_lower_bound_when_the_baseline_did_not_finish() -> None:
    national = _module()
    assert national.compare(2.0, 10.0, "ok")["speedup"] == 5.0
    assert national.compare(2.0, 10.0, "ok")["ours_over_baseline"] == 0.2
    bounded = national.compare(2.0, None, "dnf", 90.0)
    assert bounded["speedup"] is None and bounded["speedup_at_least"] == 45.0
    assert national.percentile([1.0, 2.0, math.inf], 0.5) == 2.0


def test_naive_build_total_is_a_lower_bound_when_a_phase_did_not_finish() -> None:
    national = _module()
    ok = {"status": "ok", "seconds": 2.0}
    done = {"phases": dict.fromkeys(national.BASELINE_PHASES, ok)}
    assert national.build_baseline_seconds(done) == (10.0, "ok", None)
    stuck = {
        "phases": {
            "parse": ok,
            "map": national.dnf(120.0),
            **dict.fromkeys(("nt", "ttl", "jsonld"), national.skipped("the graph was not built")),
        }
    }
    assert national.build_baseline_seconds(stuck) == (None, "dnf", 122.0)


def test_the_budget_keeps_the_larger_builds_time() -> None:
    """Steps of a smaller size never eat the projected build time of the larger ones."""
    national = _module()
    settings = national.Settings()
    results = {"sizes": {"2000": {"build": {"ours": {"status": "ok", "seconds": 25.0}}}}}
    projected = national.projected_build_s(results, settings, 100000)
    assert projected is not None and 0 < projected <= settings.build_cap_s
    assert national.projected_build_s({"sizes": {}}, settings, 100000) is None
    budget = national.Budget(1000.0)
    budget.reserve(budget.left() - 1.0, "the build of 100,000 fiches")
    assert budget.cap(60.0) is None
    assert "kept for the build of 100,000 fiches" in budget.spent()["reason"]
    budget.reserve(0.0)
    assert budget.cap(60.0) == 60.0


def test_no_time_is_kept_back_for_a_build_that_cannot_finish(tmp_path: Path) -> None:
    """Keeping time for a build that would not finish anyway would only cost the smaller size its figures."""
    national = _module()
    settings = national.Settings()
    results = {"sizes": {"20000": {"build": {"ours": {"status": "ok", "seconds": 130.0}}}}}
    short = national.Budget(300.0)
    assert national.plan_builds(short, results, settings, (100000,), tmp_path) == 0.0
    assert short.cap(60.0) == 60.0
    roomy = national.Budget(5000.0)
    assert national.plan_builds(roomy, results, settings, (100000,), tmp_path) > 787
    assert roomy.cap(5000.0) <= 5000.0 - 787
