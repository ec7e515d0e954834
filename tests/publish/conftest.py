"""Real servers for the HTTP tests: `maillage serve` started on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

MAILLAGE = str(Path(sys.executable).with_name("maillage"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(data: Path, *options: str, timeout: float = 60) -> Iterator[str]:
    """Start `maillage serve` on DATA and yield its base URL once it answers; stop it afterwards."""
    port = free_port()
    command = [MAILLAGE, "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port), *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/sparql?query=ASK%7B%7D", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"server did not start: {process.communicate()[1]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def served_seed(seed_dataset: Path) -> Iterator[str]:
    """The seed dataset served with the default settings, for the whole session."""
    with running_server(seed_dataset) as base:
        yield base


@pytest.fixture
def start_server(seed_dataset: Path) -> Iterator[Callable[..., str]]:
    """Start another server on the seed with other options (stopped at the end of the test)."""
    with ExitStack() as stack:
        yield lambda *options: stack.enter_context(running_server(seed_dataset, *options))


@pytest.fixture
def serve_dataset() -> Iterator[Callable[..., str]]:
    """Serve another dataset folder (stopped at the end of the test)."""
    with ExitStack() as stack:
        yield lambda data, *options: stack.enter_context(running_server(data, *options))


OXIGRAPH = Path(sys.executable).with_name("oxigraph")


@dataclass(frozen=True)
class Oxigraph:
    """A running Oxigraph server: its Graph Store, query and update endpoints."""

    base: str
    process: subprocess.Popen

    @property
    def store(self) -> str:
        return f"{self.base}/store"

    @property
    def query(self) -> str:
        return f"{self.base}/query"

    @property
    def update(self) -> str:
        return f"{self.base}/update"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@contextmanager
def running_oxigraph(location: Path, timeout: float = 30) -> Iterator[Oxigraph]:
    """Start the real Oxigraph server (the `oxigraph` package's binary) on a free loopback port, with its
    database in ``location``; yield it once it answers a query; stop it afterwards."""
    if not OXIGRAPH.exists():
        pytest.skip(f"no Oxigraph server at {OXIGRAPH}: pip install 'oxigraph>=0.5.13' (in the test extra)")
    port = free_port()
    command = [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = Oxigraph(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{server.query}?query=ASK%7B%7D", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"Oxigraph did not start: {process.communicate()[1]}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


@pytest.fixture
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """A fresh, empty Oxigraph server for one test."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db") as server:
        yield server
