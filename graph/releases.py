"""Output folders switched whole: a dataset folder is a symbolic link to its newest complete release.

``maillage build EXPORT --out DIR`` never writes into what ``DIR`` shows. It writes a fresh release
beside it, and only once every file is written and the graph has passed its validation does it switch
``DIR`` to it, in one ``rename(2)`` of a symbolic link::

    DIR -> DIR.releases/000007-20261125T101530Z          (a relative link: the pair can be moved)
    DIR.releases/
        000006-20261124T090000Z/           the previous release, kept: a server may still read it
        000007-20261125T101530Z/           the current release
        000008-20261125T110000Z.partial/   a build in progress (or killed: the next build removes it)
        000005-20261120T080000Z.rejected/  a graph that did not conform, kept for inspection until the
                                           next build; DIR did not move

A release is named by a counter (one more than any name in the folder, so the order does not depend on
the clock) and the UTC time its build started. Whatever kills a build, ``DIR`` shows the previous release,
whole. The switch keeps the release it replaces and removes the older ones, except those a reader holds:
``maillage serve`` and ``maillage publish`` hold the release they read (a shared ``flock`` on its folder),
so a release is never removed from under them. Leftovers of killed builds (``.partial``, ``.removing``,
temporary links) are removed by the next build, under an exclusive lock on ``DIR.releases``, so two
builds into the same ``DIR`` never remove each other's work.

**Migration.** A ``DIR`` written by an earlier version is a real folder. The first build that commits
over it moves it into ``DIR.releases/000000-<its build.json time>`` (it becomes the previous release) and
puts the link in its place, in one ``renameat2(RENAME_EXCHANGE)`` on Linux (readers of ``DIR`` see the
old folder or the new link, nothing in between; elsewhere, two renames). An empty ``DIR`` is replaced;
a non-empty folder that is not a dataset (no ``build.json``) is refused before anything is built.

Durability: before the switch the file system is synced (``syncfs``), so after a power cut the link
never points to a release whose files are not on disk.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SUFFIX = ".releases"
PARTIAL = ".partial"
REJECTED = ".rejected"
REMOVING = ".removing"
METADATA = "build.json"
CHECKSUMS = "SHA256SUMS"
#: A complete release's name: counter and UTC time.
RELEASE = re.compile(r"(?P<number>\d{6,})-(?P<stamp>\d{8}T\d{6}Z)(?:-\d+)?")
#: What a build names its release at every stage (complete, in progress, rejected, being removed).
ENTRY = re.compile(rf"(?P<release>{RELEASE.pattern})(?P<state>{PARTIAL}|{REJECTED}|{REMOVING})?")


class OutputError(ValueError):
    """The output path cannot hold releases (a file, or a folder of something else)."""


def releases_of(out: Path) -> Path:
    """The folder holding ``out``'s releases, beside it."""
    return out.parent / f"{out.name}{SUFFIX}"


def current_release(out: Path) -> Path:
    """The folder ``out`` shows now (its link resolved; ``out`` itself when it is a real folder)."""
    return Path(os.path.realpath(out))


# --------------------------------------------------------------------------------------------------
# Locks: flock on the folders themselves (released by the kernel when a process dies)
# --------------------------------------------------------------------------------------------------


class Hold:
    """A ``flock`` on a folder, for as long as this object is open (shared: readers; exclusive: writers)."""

    def __init__(self, folder: Path, *, exclusive: bool = False, wait: bool = False) -> None:
        self.folder = folder
        self._fd: int | None = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(self._fd, flags)
        except BaseException:
            self.close()
            raise

    @classmethod
    def attempt(cls, folder: Path, *, exclusive: bool = False) -> Hold | None:
        """The lock if it is free now; None when another process holds it (or the folder is gone)."""
        try:
            return cls(folder, exclusive=exclusive)
        except BlockingIOError:
            return None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def reading(folder: Path) -> Iterator[Path]:
    """The release ``folder`` shows now, held (shared lock) while in use, so no build removes it."""
    release = current_release(folder)
    with Hold(release, wait=True):
        yield release


# --------------------------------------------------------------------------------------------------
# File-system primitives
# --------------------------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - every Linux and macOS has one
        return None


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False when the system or
    file system cannot, and nothing was done."""
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None) if libc is not None else None
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def sync_filesystem(path: Path) -> None:
    """Flush the file system holding ``path`` to disk (``syncfs``; ``sync`` where it is missing)."""
    libc = _libc()
    syncfs = getattr(libc, "syncfs", None) if libc is not None else None
    if syncfs is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_if_free(path: Path) -> bool:
    """Remove a release folder unless a process holds it; renamed ``….removing`` first, so that a folder
    half removed (a kill during ``rmtree``) is never taken for a release."""
    hold = Hold.attempt(path, exclusive=True)
    if hold is None:
        return False
    with hold:
        doomed = path
        if not path.name.endswith(REMOVING):
            match = ENTRY.fullmatch(path.name)
            base = match.group("release") if match else path.name
            doomed = path.with_name(base + REMOVING)
            if doomed.exists():
                shutil.rmtree(doomed, ignore_errors=True)
            path.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    return True


# --------------------------------------------------------------------------------------------------
# Checking a release
# --------------------------------------------------------------------------------------------------


def verify(folder: Path, checksums: bool = True) -> list[str]:
    """What is wrong with the release ``folder`` (an empty list: nothing): ``build.json`` readable, the
    graph and the store present, and (with ``checksums``) every file ``SHA256SUMS`` lists as it says."""
    problems = []
    try:
        metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        if not isinstance(metadata, dict) or not isinstance(metadata.get("base_iri"), str):
            problems.append(f"{METADATA} has no base IRI")
    except (OSError, ValueError) as error:
        problems.append(f"{METADATA} cannot be read: {error}")
    if not (folder / "graph.nt").is_file():
        problems.append("graph.nt is missing")
    if not (folder / "store").is_dir():
        problems.append("the store is missing")
    sums = folder / CHECKSUMS
    if checksums and sums.is_file():
        for line in sums.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            path = folder / name
            if not name or "/" in name or not path.is_file():
                problems.append(f"{name or line!r}, listed in {CHECKSUMS}, is missing")
                continue
            with path.open("rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                    problems.append(f"{name} does not match its SHA-256 in {CHECKSUMS}")
    return problems


# --------------------------------------------------------------------------------------------------
# Writing a release and switching to it
# --------------------------------------------------------------------------------------------------


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def _next_number(root: Path) -> int:
    numbers = [int(m.group("number")) for p in root.iterdir() if (m := ENTRY.fullmatch(p.name))]
    return max(numbers, default=0) + 1


def _is_release(path: Path) -> bool:
    return bool(RELEASE.fullmatch(path.name)) and path.is_dir() and not path.is_symlink()


def _link_target(out: Path, root: Path) -> str | None:
    """The name of the release ``out`` links to, when it is one of ``root``'s."""
    if not out.is_symlink():
        return None
    target = Path(os.readlink(out))
    if not target.is_absolute():
        target = out.parent / target
    return target.name if target.parent.resolve() == root.resolve() else None


def check_output(out: Path) -> None:
    """Refuse an ``out`` that releases cannot replace: a file, or a non-empty folder with no dataset."""
    if out.is_symlink():
        return
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / METADATA).is_file():
        raise OutputError(
            f"{out} is a folder with no {METADATA}: not a Maillage dataset, so a build will not replace it; "
            "choose another --out or empty it"
        )


def _adopt(folder: Path, root: Path) -> Path:
    """Move a dataset written in place (the old layout) into ``root`` as release 000000."""
    metadata = folder / METADATA
    moment = datetime.fromtimestamp(metadata.stat().st_mtime, UTC) if metadata.is_file() else None
    target, suffix = root / f"000000-{_stamp(moment)}", 1
    while target.exists():
        target, suffix = root / f"000000-{_stamp(moment)}-{suffix}", suffix + 1
    folder.rename(target)
    return target


def clean_leftovers(out: Path) -> list[Path]:
    """Remove what killed builds left (unfinished, rejected and half-removed releases, temporary links),
    and adopt a dataset folder a killed migration left beside ``out``; call with ``DIR.releases`` locked.
    Returns what was removed."""
    root = releases_of(out)
    removed = []
    if root.is_dir():
        for path in sorted(root.iterdir()):
            match = ENTRY.fullmatch(path.name)
            if match and match.group("state") and path.is_dir() and _remove_if_free(path):
                removed.append(path)
    for path in sorted(out.parent.glob(f".{out.name}.link-*")):
        if path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
        elif path.is_dir() and (path / METADATA).is_file():  # a migration killed after its exchange
            root.mkdir(exist_ok=True)
            _adopt(path, root)
    return removed


class Stage:
    """A release being written: build into :attr:`path`, then :meth:`commit` (or :meth:`reject`).

    Leaving the ``with`` block of :func:`staging` without either removes it: ``DIR`` never moved.
    """

    def __init__(self, out: Path) -> None:
        self.out = out.absolute()
        self.root = releases_of(self.out)
        check_output(self.out)
        self.root.mkdir(parents=True, exist_ok=True)
        with Hold(self.root, exclusive=True, wait=True):
            number = _next_number(self.root)  # before the cleaning: a number is never used twice
            clean_leftovers(self.out)
            self.name = f"{number:06d}-{_stamp()}"
            self.path = self.root / (self.name + PARTIAL)
            self.path.mkdir()
            self._hold: Hold | None = Hold(self.path, exclusive=True)
        self.release: Path | None = None
        self.previous: Path | None = None

    def commit(self) -> Path:
        """Switch ``out`` to this release (now complete); keep the previous one, remove older ones."""
        assert self._hold is not None, "a release is committed or rejected once"
        sync_filesystem(self.path)
        with Hold(self.root, exclusive=True, wait=True):
            release = self.root / self.name
            self.path.rename(release)
            fsync_dir(self.root)
            self.path = release
            previous_name = _link_target(self.out, self.root)
            migrated = self._switch(f"{self.root.name}/{self.name}")
            if migrated is not None:
                previous_name = migrated.name
            keep = {self.name, *([previous_name] if previous_name else [])}
            for path in sorted(self.root.iterdir()):
                if _is_release(path) and path.name not in keep:
                    _remove_if_free(path)
            self._close()
        self.release = release
        self.previous = self.root / previous_name if previous_name else None
        return release

    def _switch(self, target: str) -> Path | None:
        """Point ``out`` at ``target`` (relative to ``out``'s folder) in one step; the adopted old-layout
        folder, if ``out`` was one."""
        parent = self.out.parent
        link = parent / f".{self.out.name}.link-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(target, link)
        migrated = None
        if self.out.is_dir() and not self.out.is_symlink():
            if not any(self.out.iterdir()):
                self.out.rmdir()
                os.replace(link, self.out)
            elif exchange(link, self.out):  # out is now the link; the old folder sits at `link`
                fsync_dir(parent)
                migrated = _adopt(link, self.root)
            else:  # no atomic exchange here: an instant with no `out`
                migrated = _adopt(self.out, self.root)
                os.replace(link, self.out)
        else:
            os.replace(link, self.out)
        fsync_dir(parent)
        if migrated is not None:
            fsync_dir(self.root)
        return migrated

    def reject(self) -> Path:
        """Keep this release aside for inspection (``….rejected``); ``out`` does not move."""
        assert self._hold is not None, "a release is committed or rejected once"
        rejected = self.root / (self.name + REJECTED)
        self.path.rename(rejected)
        self.path = rejected
        self._close()
        return rejected

    def discard(self) -> None:
        """Remove the unfinished release (``out`` does not move)."""
        if self._hold is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self._close()

    def _close(self) -> None:
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def staging(out: Path) -> Stage:
    """A new release of ``out``, to write and then commit: ``with staging(out) as stage: …``."""
    return Stage(out)


def release_names(out: Path) -> list[str]:
    """The complete releases of ``out``, oldest first."""
    root = releases_of(out)
    if not root.is_dir():
        return []
    found = [path for path in root.iterdir() if _is_release(path)]
    return [path.name for path in sorted(found, key=lambda p: (int(p.name.split("-")[0]), p.name))]


def remove_output(out: Path) -> None:
    """Remove ``out`` and all its releases (``shutil.rmtree`` refuses a link: benchmarks, clean-ups)."""
    if out.is_symlink():
        out.unlink()
    elif out.is_dir():
        shutil.rmtree(out)
    shutil.rmtree(releases_of(out), ignore_errors=True)
