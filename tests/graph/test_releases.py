"""Output folders switched whole (graph/releases.py): the link, retention, leftovers, migration, failure.

Releases here are small folders written by the tests; the locks are held, and builds killed, by real
processes (``python -c``), so that the kernel's ``flock`` release on death is what is tested.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from maillage.graph import releases
from maillage.graph.releases import OutputError, Stage, exchange, release_names, releases_of, staging, verify


def write_dataset(folder: Path, label: str) -> None:
    """A small stand-in for a dataset: build.json, a graph, a store and their checksums."""
    (folder / "store").mkdir(parents=True, exist_ok=True)
    (folder / "store" / "CURRENT").write_text(label, encoding="utf-8")
    (folder / "graph.nt").write_text(f"<urn:x> <urn:label> \"{label}\" .\n", encoding="utf-8")
    (folder / "graph.ttl").write_text(f"# {label}\n", encoding="utf-8")
    digest = hashlib.sha256((folder / "graph.ttl").read_bytes()).hexdigest()
    (folder / "SHA256SUMS").write_text(f"{digest}  graph.ttl\n", encoding="utf-8")
    (folder / "build.json").write_text(json.dumps({"base_iri": "https://x.org/", "label": label}), "utf-8")


def label(out: Path) -> str:
    return json.loads((out / "build.json").read_text(encoding="utf-8"))["label"]


def publish(out: Path, name: str) -> Path:
    with staging(out) as stage:
        write_dataset(stage.path, name)
        return stage.commit()


def python(code: str) -> subprocess.Popen[str]:
    """A Python process running ``code``; it prints a line once it is ready."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def stop(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait(10)


# ---- The switch -------------------------------------------------------------------------------------


def test_commit_switches_a_relative_link_once_everything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    stage = staging(out)
    write_dataset(stage.path, "first")
    assert not out.exists() and stage.path.name.endswith(".partial")
    release = stage.commit()
    assert out.is_symlink()
    assert os.readlink(out) == f"dataset.releases/{release.name}"  # relative: the pair can be moved
    assert releases.RELEASE.fullmatch(release.name)
    assert label(out) == "first"
    assert releases.current_release(out) == release.resolve()

    stage = staging(out)
    write_dataset(stage.path, "second")
    assert label(out) == "first"  # written beside it: nothing seen before the switch
    second = stage.commit()
    assert label(out) == "second"
    assert int(second.name[:6]) == int(release.name[:6]) + 1
    assert not any(path.name.startswith(".dataset.link-") for path in tmp_path.iterdir())


def test_the_previous_release_is_kept_and_older_ones_removed(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    made = [publish(out, f"r{number}") for number in range(4)]
    assert release_names(out) == [made[2].name, made[3].name]
    assert label(out) == "r3"
    assert label(releases_of(out) / made[2].name) == "r2"


def test_a_release_a_reader_holds_is_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    first = publish(out, "r0")
    reader = python(
        f"""
        import fcntl, os, sys, time
        fd = os.open({str(first)!r}, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_SH)
        print("ready", flush=True)
        time.sleep(120)
        """
    )
    try:
        for number in range(1, 4):
            publish(out, f"r{number}")
        assert first.name in release_names(out)  # held by a server, say: kept
        assert label(first) == "r0"
    finally:
        stop(reader)
    publish(out, "r4")  # once the reader is gone, the next switch removes it
    assert first.name not in release_names(out)
    assert len(release_names(out)) == 2


def test_reading_holds_the_release_shown_when_it_starts(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    first = publish(out, "r0")
    with releases.reading(out) as release:
        assert release == first.resolve()
        for number in range(1, 4):
            publish(out, f"r{number}")
        assert label(release) == "r0"
    publish(out, "r4")
    assert first.name not in release_names(out)


# ---- Failures and kills -----------------------------------------------------------------------------


def test_a_failed_build_leaves_the_link_and_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    first = publish(out, "good")
    with pytest.raises(RuntimeError, match="disk full"), staging(out) as stage:
        write_dataset(stage.path, "half")
        raise RuntimeError("disk full")
    assert releases.current_release(out) == first.resolve()
    assert label(out) == "good"
    assert sorted(path.name for path in releases_of(out).iterdir()) == [first.name]


def test_a_rejected_build_is_kept_aside_until_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    first = publish(out, "good")
    with staging(out) as stage:
        write_dataset(stage.path, "does not conform")
        rejected = stage.reject()
    assert rejected.name.endswith(".rejected") and label(rejected) == "does not conform"
    assert releases.current_release(out) == first.resolve()
    publish(out, "next")
    assert not rejected.exists()


def test_what_a_killed_build_left_is_removed_and_a_running_build_is_not(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    first = publish(out, "good")
    script = f"""
        import time
        from pathlib import Path
        from maillage.graph.releases import staging
        stage = staging(Path({str(out)!r}))
        (stage.path / "graph.nt").write_text("half written")
        print("ready", flush=True)
        time.sleep(120)
        """
    running = python(script)
    killed = python(script)
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    try:
        partials = sorted(path for path in releases_of(out).iterdir() if path.name.endswith(".partial"))
        assert len(partials) == 2
        partials.reverse()  # the killed build's, then the running one's
        assert releases.current_release(out) == first.resolve()  # a kill never moves the link
        # Leftovers of other deaths: a half-removed release and the temporary link of a switch.
        (releases_of(out) / "000001-20200101T000000Z.removing").mkdir()
        os.symlink("dataset.releases/nowhere", tmp_path / ".dataset.link-999999")
        with staging(out) as stage:
            left = sorted(path.name for path in releases_of(out).iterdir())
            assert partials[0].name not in left  # its process is dead: removed
            assert partials[1].name in left  # its process is alive: still being written
            assert "000001-20200101T000000Z.removing" not in left
            assert not (tmp_path / ".dataset.link-999999").is_symlink()
            numbers = [int(name[:6]) for name in left if name[:6].isdigit()]
            assert int(stage.name[:6]) == max(numbers)  # after every name there, the running one's too
            stage.discard()
    finally:
        stop(running)


def test_two_builds_at_once_get_their_own_releases(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    one, two = Stage(out), Stage(out)
    assert one.name != two.name
    write_dataset(one.path, "one")
    write_dataset(two.path, "two")
    one.commit()
    two.commit()
    assert label(out) == "two"
    assert len(release_names(out)) == 2


# ---- The old layout ---------------------------------------------------------------------------------


def test_an_old_layout_folder_becomes_the_previous_release(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    out.mkdir()
    write_dataset(out, "old layout")
    with staging(out) as stage:
        write_dataset(stage.path, "new")
        assert not out.is_symlink() and label(out) == "old layout"  # untouched until the switch
        release = stage.commit()
    assert out.is_symlink() and label(out) == "new"
    assert stage.previous is not None and stage.previous.name.startswith("000000-")
    assert label(stage.previous) == "old layout"
    assert release_names(out) == [stage.previous.name, release.name]
    publish(out, "newer")
    assert not stage.previous.exists()


def test_a_migration_killed_after_its_exchange_is_finished_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    publish(out, "new")
    stranded = tmp_path / ".dataset.link-4242"  # where the exchange put the old folder
    stranded.mkdir()
    write_dataset(stranded, "old layout")
    with staging(out) as stage:
        stage.discard()
    assert not stranded.exists()
    adopted = [name for name in release_names(out) if name.startswith("000000-")]
    assert len(adopted) == 1 and label(releases_of(out) / adopted[0]) == "old layout"


def test_an_empty_folder_is_replaced_and_other_folders_and_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    publish(empty, "new")
    assert empty.is_symlink() and label(empty) == "new"

    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.odt").write_text("precious", encoding="utf-8")
    with pytest.raises(OutputError, match="not a Maillage dataset"):
        staging(documents)
    assert [path.name for path in documents.iterdir()] == ["thesis.odt"]
    assert not releases_of(documents).exists()

    file = tmp_path / "file"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        staging(file)


# ---- Primitives -------------------------------------------------------------------------------------


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a").write_text("a", encoding="utf-8")
    (second / "b").write_text("b", encoding="utf-8")
    if not exchange(first, second):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here")
    assert [path.name for path in first.iterdir()] == ["b"]
    assert [path.name for path in second.iterdir()] == ["a"]


def test_verify_finds_missing_and_altered_files(tmp_path: Path) -> None:
    folder = tmp_path / "release"
    folder.mkdir()
    write_dataset(folder, "x")
    assert verify(folder) == []
    (folder / "graph.ttl").write_text("# altered\n", encoding="utf-8")
    assert verify(folder) == ["graph.ttl does not match its SHA-256 in SHA256SUMS"]
    (folder / "graph.ttl").unlink()
    (folder / "build.json").write_text("{", encoding="utf-8")
    problems = verify(folder)
    assert any("build.json cannot be read" in problem for problem in problems)
    assert any("graph.ttl" in problem and "missing" in problem for problem in problems)


def test_remove_output_takes_the_link_and_every_release(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    publish(out, "r0")
    publish(out, "r1")
    releases.remove_output(out)
    assert list(tmp_path.iterdir()) == []
