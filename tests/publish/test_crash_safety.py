"""Crash safety of `maillage build`: a build killed anywhere leaves the served release whole and served.

Real processes throughout: `maillage build` is started and SIGKILLed, `maillage serve` answers on
loopback. The kill points are random (seeded), spread over the steps of one build (as the files of its
unfinished release show them); a kill is never later than the moment the build's last file (build.json)
appears, so that every kill lands before the switch and the assertions mean something.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import MAILLAGE, running_server
from http_helpers import get

from maillage.graph.releases import current_release, release_names, releases_of, verify

ACTIONS = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/maillage/ontologie#Action> }"
KILLS = 6
SEED = 20261125


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAILLAGE, *args], capture_output=True, text=True, timeout=timeout)


def generate(path: Path, fiches: int, seed: int) -> Path:
    done = run("generate", "--fiches", str(fiches), "--seed", str(seed), "--out", str(path))
    assert done.returncode == 0, done.stderr
    return path


def count(base: str) -> int:
    status, _, body = get(base, ACTIONS, accept="application/sparql-results+json")
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def sums_of(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, _, name in (line.partition("  ") for line in lines)}


def partials(out: Path) -> list[Path]:
    return sorted(path for path in releases_of(out).iterdir() if path.name.endswith(".partial"))


def start_build(export: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [MAILLAGE, "build", str(export), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a kill takes any worker with it
    )


def timed_build(export: Path, out: Path) -> list[tuple[str, float]]:
    """Build ``export`` into ``out``; when each step showed in its unfinished release: the release itself
    (``""``), then each file of the dataset as it appeared, up to build.json (its last file)."""
    before, started = set(partials(out)) if releases_of(out).exists() else set(), time.monotonic()
    process = start_build(export, out)
    stage: Path | None = None
    events: dict[str, float] = {}
    while process.poll() is None:
        if stage is None and releases_of(out).exists():
            stage = next(iter(set(partials(out)) - before), None)
            if stage is not None:
                events[""] = time.monotonic() - started
        if stage is not None and stage.exists():
            for path in stage.iterdir():
                if not path.name.startswith(".") and not path.name.endswith(".new"):
                    events.setdefault(path.name, time.monotonic() - started)
        time.sleep(0.01)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert "" in events and "build.json" in events, f"the build's steps were not seen: {events}"
    return sorted(events.items(), key=lambda event: event[1])


def kill_build_at(export: Path, out: Path, step: str | None, delay: float) -> list[str]:
    """Start a build of ``export`` into ``out`` and SIGKILL it ``delay`` seconds after ``step`` showed in
    its unfinished release (``None``: after it started), or as soon as that release holds build.json;
    what the release held when it was killed."""
    before = set(partials(out))
    process = start_build(export, out)
    deadline = time.monotonic() + delay if step is None else None
    stage: Path | None = None
    while deadline is None or time.monotonic() < deadline:
        assert process.poll() is None, "the build ended before it was killed"
        if stage is None:
            stage = next(iter(set(partials(out)) - before), None)
        if stage is not None:
            if (stage / "build.json").exists():
                break
            if deadline is None and (step == "" or (stage / step).exists()):
                deadline = time.monotonic() + delay
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    return sorted(path.name for path in stage.iterdir()) if stage and stage.exists() else []


@pytest.mark.slow
def test_killed_builds_leave_the_served_release_whole(tmp_path: Path) -> None:
    first = generate(tmp_path / "first.txt", 300, 3)
    second = generate(tmp_path / "second.txt", 340, 4)
    out = tmp_path / "dataset"
    steps = timed_build(first, out)
    release = current_release(out)
    sums = sums_of(release)
    assert {"graph.ttl", "graph.nt.gz", "graph.jsonld", "fiches.jsonl"} <= set(sums)

    with running_server(out) as base:
        served = count(base)
        assert served == 300
        rng = random.Random(SEED)
        # One kill while the build starts (imports, reading the options); the others at random moments
        # within steps drawn among those the first build showed: from its unfinished release appearing,
        # through the records, the mapping, graph.nt and the store, the other dumps and tables, to the
        # checksums and the description (each kill within the time that step took in the first build).
        gaps = [(step, following - at) for (step, at), (_, following) in itertools.pairwise(steps)]
        kills: list[tuple[str | None, float]] = [(None, rng.uniform(0, steps[0][1]))]
        kills += [(step, rng.uniform(0, gap)) for step, gap in rng.sample(gaps, min(KILLS - 1, len(gaps)))]
        reached = []
        for step, delay in kills:
            files = kill_build_at(second, out, step, delay)
            reached.append((step if step is not None else "(start)", round(delay, 2), files))

            assert current_release(out) == release  # the link never moved
            assert sums_of(release) == sums
            assert verify(release) == []  # every file SHA256SUMS lists, as listed; the graph and store
            assert json.loads((out / "build.json").read_text(encoding="utf-8"))["kept"] == 300
            assert count(base) == served  # and the server goes on answering the same data
        print("steps of a build (s):", steps, "killed (after step, s, files there):", *reached, sep="\n  ")

        built = run("build", str(second), "--out", str(out))
        assert built.returncode == 0, built.stderr
        new = current_release(out)
        assert new != release and verify(new) == []
        assert json.loads((out / "build.json").read_text(encoding="utf-8"))["kept"] == 340
        assert partials(out) == []  # what the killed builds left is gone
        assert release.name in release_names(out)  # the previous release is kept
        deadline = time.monotonic() + 120
        while count(base) != 340:
            assert time.monotonic() < deadline, "the server did not switch to the new release"
            time.sleep(0.5)


def test_a_build_that_reads_nothing_leaves_the_link(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    sample = Path(__file__).resolve().parents[1] / "data" / "sample-export.txt"
    done = run("build", str(sample), "--out", str(out), "--no-validate")
    assert done.returncode == 0, done.stderr
    release = current_release(out)
    assert out.is_symlink() and f"{out} switched to {release}" in done.stderr

    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    failed = run("build", str(empty), "--out", str(out))
    assert failed.returncode == 1 and "nothing built" in failed.stderr
    assert current_release(out) == release
    assert sorted(path.name for path in releases_of(out).iterdir()) == [release.name]


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _files_written(folder: Path) -> int:
    """The files of the site being written beside the published one (in ``*.new``), so far."""
    count = 0
    for new in folder.glob("*.new"):
        with contextlib.suppress(OSError):  # renamed into place while being counted
            count += sum(1 for path in new.rglob("*") if path.is_file())
    return count


@pytest.mark.slow
def test_a_killed_publication_leaves_the_previous_site_whole(tmp_path: Path) -> None:
    data = tmp_path / "dataset"
    sample = Path(__file__).resolve().parents[1] / "data" / "sample-export.txt"
    assert run("build", str(sample), "--out", str(data), "--no-validate").returncode == 0
    site = tmp_path / "site"
    done = run("publish", "--data", str(data), "--out", str(site))
    assert done.returncode == 0, done.stderr
    before = tree(site)
    rng = random.Random(SEED)
    for _ in range(3):
        # Killed once it has written a random share of the site's files: a point in its progress, not a
        # delay, which a fast machine would outrun.
        target = rng.randint(1, len(before) * 9 // 10)
        process = subprocess.Popen(
            [MAILLAGE, "publish", "--data", str(data), "--out", str(site)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        while _files_written(tmp_path) < target:
            assert process.poll() is None, "the publication ended before it was killed"
            time.sleep(0.002)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        assert tree(site) == before  # the site is the previous one, whole
    assert run("publish", "--data", str(data), "--out", str(site)).returncode == 0
    assert tree(site) == before  # the same data, the same bytes
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dataset", "dataset.releases", "site"]
