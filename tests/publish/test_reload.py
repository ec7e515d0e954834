"""The server follows its dataset folder: a new build is served without a restart, and no request fails.

A real `maillage serve` on loopback, real `maillage build` runs switching its folder, client threads
querying all along.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import MAILLAGE, free_port

from maillage.graph.releases import current_release, releases_of

ACTIONS = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/maillage/ontologie#Action> }"
CONCEPT = "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> } ORDER BY ?c LIMIT 1"
BASE_IRI = "https://w3id.org/maillage/"
CLIENTS = 6


def run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([MAILLAGE, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two generated exports of different sizes: 300 and 340 actions."""
    folder = tmp_path_factory.mktemp("exports")
    first, second = folder / "first.txt", folder / "second.txt"
    run("generate", "--fiches", "300", "--seed", "3", "--out", str(first))
    run("generate", "--fiches", "340", "--seed", "4", "--out", str(second))
    return first, second


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    log: Path

    def said(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(data: Path, log: Path, *options: str) -> Iterator[Server]:
    """`maillage serve` on DATA, its stderr in ``log`` (the reloads are said there)."""
    port = free_port()
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [MAILLAGE, "serve", "--data", str(data), "--port", str(port), *options],
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if status(f"{server.base}/sparql?query=ASK%7B%7D")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, server.said()
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def status(url: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def count(base: str) -> int:
    code, body = status(f"{base}/sparql?" + urllib.parse.urlencode({"query": ACTIONS}))
    assert code == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


@dataclass
class Clients:
    """Threads asking, in turn, the action count (SPARQL), a resource page and the landing page."""

    base: str
    page: str
    stop: threading.Event = field(default_factory=threading.Event)
    failures: list[str] = field(default_factory=list)
    counts: dict[int, list[int]] = field(default_factory=dict)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, number: int) -> None:
        seen = self.counts.setdefault(number, [])
        urls = [
            (f"{self.base}/sparql?" + urllib.parse.urlencode({"query": ACTIONS}), "application/json"),
            (f"{self.base}/{self.page}.html", "text/html"),
            (f"{self.base}/", "text/html"),
        ]
        turn = number
        while not self.stop.is_set():
            url, accept = urls[turn % len(urls)]
            turn += 1
            try:
                code, body = status(url, accept)
                if code != 200:
                    self.failures.append(f"{url}: {code} {body[:200]!r}")
                elif accept == "application/json":
                    seen.append(int(json.loads(body)["results"]["bindings"][0]["n"]["value"]))
            except Exception as error:
                self.failures.append(f"{url}: {error!r}")
            with self.lock:
                self.requests += 1

    @contextmanager
    def running(self) -> Iterator[Clients]:
        threads = [threading.Thread(target=self.run, args=(number,)) for number in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(120)

    def latest(self) -> list[int]:
        return [seen[-1] for seen in self.counts.values() if seen]


@pytest.mark.slow
def test_no_request_fails_while_a_new_build_is_switched_in(
    exports: tuple[Path, Path], tmp_path: Path
) -> None:
    first, second = exports
    out = tmp_path / "dataset"
    run("build", str(first), "--out", str(out), "--no-validate")
    old = current_release(out)
    with serving(out, tmp_path / "serve.log") as server:
        assert count(server.base) == 300
        code, body = status(f"{server.base}/sparql?" + urllib.parse.urlencode({"query": CONCEPT}))
        assert code == 200, body
        concept = json.loads(body)["results"]["bindings"][0]["c"]["value"]
        assert concept.startswith(BASE_IRI)  # a concept of the reviewed schemes: in every build
        clients = Clients(server.base, concept.removeprefix(BASE_IRI))
        with clients.running():
            time.sleep(2)
            run("build", str(second), "--out", str(out), "--no-validate")
            wait_for(
                lambda: len(clients.latest()) == CLIENTS and set(clients.latest()) == {340},
                120,
                f"the clients did not all see the new build: {server.said()}",
            )
            wait_for(lambda: "closed the app of" in server.said(), 60, server.said())
            time.sleep(2)  # and on, once the old app is closed
        assert clients.failures == []
        assert clients.requests > 100
        for seen in clients.counts.values():  # each client saw the old data, then only the new
            assert seen == sorted(seen) and set(seen) <= {300, 340}, seen
        said = server.said()
        assert f"now serving {current_release(out)} (was {old})" in said
        assert "refused" not in said


@pytest.mark.slow
def test_sighup_reloads_and_a_broken_release_is_refused(exports: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = exports
    out = tmp_path / "dataset"
    run("build", str(first), "--out", str(out), "--no-validate")
    good = current_release(out)
    with serving(out, tmp_path / "serve.log", "--reload-interval", "0") as server:
        # A release whose dump does not match its checksum, put in place by hand.
        broken = releases_of(out) / "000050-20300101T000000Z"
        shutil.copytree(good, broken)
        with (broken / "graph.ttl").open("a", encoding="utf-8") as dump:
            dump.write("# altered\n")
        link = tmp_path / ".dataset.by-hand"
        os.symlink(f"{releases_of(out).name}/{broken.name}", link)
        os.replace(link, out)
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "refused" in server.said(), 60, server.said())
        assert "graph.ttl does not match its SHA-256" in server.said()
        assert count(server.base) == 300  # the old release goes on serving

        run("build", str(second), "--out", str(out), "--no-validate")
        time.sleep(3)
        assert count(server.base) == 300  # no polling with --reload-interval 0: only SIGHUP
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: count(server.base) == 340, 120, server.said())
        assert f"now serving {current_release(out)} (was {good})" in server.said()
