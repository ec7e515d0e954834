"""The server follows its dataset folder: a new build is served without a restart and without downtime.

``maillage build`` switches the dataset folder (a link, see :mod:`maillage.graph.releases`) to a new
release in one step. :class:`Reloader` is the WSGI application waitress serves: it holds the app of the
release being served and passes each request to it. A watcher thread resolves the folder's link every
``interval`` seconds (and at once on SIGHUP); when it shows another release, the watcher prepares a whole
app for it in the background — the release checked (``build.json``, the graph, the store, every file
against ``SHA256SUMS``), held so that no build removes it, query workers started and the catalogue's
answers computed as at start-up, the landing page rendered once — and only then makes it the current
app, in one assignment. Requests already running finish on the old app, which is closed (its query
workers stopped, its release let go) when the last of them is done. A release that fails any of this is
refused with a message on stderr, and the old one goes on serving; it is tried again on SIGHUP or when
the link moves again.

Each app reads its own release's folder, never the link, so a request never mixes two releases. While an
app is prepared, the server runs both sets of query workers (memory: twice the graph, for a moment).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from maillage.graph import releases

from .app import close_app

log = logging.getLogger(__name__)

#: Seconds between two looks at the folder's link.
INTERVAL = 2.0


class Refused(Exception):
    """A release the server will not switch to (the reason is the message)."""


@dataclass(eq=False)
class Generation:
    """The app of one release, with its hold on the folder and its requests in flight."""

    release: Path
    app: Flask
    hold: releases.Hold | None
    active: int = 0
    retired: bool = False
    closed: bool = False

    def close(self) -> None:
        close_app(self.app)
        if self.hold is not None:
            self.hold.close()


class _Body:
    """A response body that tells when the server is done with it (WSGI calls ``close`` at the end)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body, self._done = body, done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        done, self._done = self._done, None
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if done is not None:
                done()


class Reloader:
    """A WSGI application serving the newest release of ``folder`` (see the module's docstring).

    ``factory(release)`` makes the app of a release folder (:func:`maillage.publish.app.create_app`).
    The first app is made here, so that a folder that cannot be served stops the server at start-up.
    """

    def __init__(
        self, folder: Path, factory: Callable[[Path], Flask], interval: float = INTERVAL
    ) -> None:
        self.folder, self.factory, self.interval = folder, factory, interval
        release = releases.current_release(folder)
        hold = releases.Hold.attempt(release)
        try:
            self._current = Generation(release, factory(release), hold)
        except BaseException:
            if hold is not None:
                hold.close()
            raise
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._refused: Path | None = None
        self._thread: threading.Thread | None = None
        self._checking = threading.Lock()

    @property
    def release(self) -> Path:
        """The release being served."""
        return self._current.release

    @property
    def app(self) -> Flask:
        """The app of the release being served."""
        return self._current.app

    # ---- WSGI ---------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            generation = self._current
            generation.active += 1
        try:
            body = generation.app(environ, start_response)
        except BaseException:
            self._leave(generation)
            raise
        wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(wrapper, type) and body.__class__ is wrapper:
            # A file (a dump) waitress sends by itself, from an open descriptor that stays readable
            # whatever happens to the release: the app is done with it, and waitress's thread is freed.
            self._leave(generation)
            return body
        return _Body(body, lambda: self._leave(generation))

    def _leave(self, generation: Generation) -> None:
        with self._lock:
            generation.active -= 1
            idle = generation.retired and generation.active == 0 and not generation.closed
            if idle:
                generation.closed = True
        if idle:
            self._close_later(generation)

    # ---- Watching the folder --------------------------------------------------------------------------

    def start(self) -> None:
        """Watch the folder in a thread of its own (every ``interval`` s; never when it is 0)."""
        self._thread = threading.Thread(target=self._watch, name="maillage-reload", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the folder now, and retry a release refused before (SIGHUP's handler)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop watching and close every app (for tests and embedding; waitress does not need it)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
        with self._lock:
            current, current.retired = self._current, True
            idle = current.active == 0 and not current.closed
            if idle:
                current.closed = True
        if idle:
            current.close()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            forced = self._wake.wait(self.interval if self.interval > 0 else None)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.check(force=forced)
            except Exception:  # the watcher must outlive any surprise; the old app goes on serving
                log.exception("Maillage: looking for a new release of %s failed", self.folder)

    def check(self, force: bool = False) -> bool:
        """Switch to the release the folder shows now, if it is another one and sound; True if switched."""
        with self._checking:
            target = releases.current_release(self.folder)
            if target == self._current.release or not target.is_dir():
                return False
            if target == self._refused and not force:
                return False
            log.info("Maillage: %s now shows %s: preparing it", self.folder, target)
            try:
                generation = self._prepare(target)
            except Exception as error:
                self._refused = target
                log.error(
                    "Maillage: release %s refused (%s); still serving %s",
                    target,
                    error,
                    self._current.release,
                )
                return False
            self._refused = None
            self._switch(generation)
            return True

    def _prepare(self, release: Path) -> Generation:
        hold = releases.Hold.attempt(release)
        if hold is None:
            raise Refused("it is being removed")
        try:
            problems = releases.verify(release)
            if problems:
                raise Refused("; ".join(problems))
            app = self.factory(release)
            try:
                _warm(app)
            except BaseException:
                close_app(app)
                raise
        except BaseException:
            hold.close()
            raise
        return Generation(release, app, hold)

    def _switch(self, generation: Generation) -> None:
        with self._lock:
            old, self._current = self._current, generation
            old.retired = True
            idle = old.active == 0 and not old.closed
            if idle:
                old.closed = True
        log.info("Maillage: now serving %s (was %s)", generation.release, old.release)
        if idle:
            self._close_later(old)

    def _close_later(self, generation: Generation) -> None:
        """Close a replaced app in a thread of its own: never in the request thread that finished last."""

        def close() -> None:
            generation.close()
            log.info("Maillage: closed the app of %s (no request left on it)", generation.release)

        threading.Thread(target=close, name="maillage-close", daemon=True).start()


def _warm(app: Flask) -> None:
    """Render the landing page once, as a client would (it computes the overview); refuse if it fails."""
    with app.test_client() as client:
        response = client.get("/", headers={"Accept": "text/html"})
        if response.status_code != 200:
            raise Refused(f"its landing page answers {response.status_code}")
