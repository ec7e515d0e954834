"""Shared fixtures: the real seed export (when ../shared is beside the repo) and built datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "senacs-haute-garonne.txt"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def seed() -> Path:
    if not SEED.exists():
        pytest.skip(f"the real export is not at {SEED} (../shared absent)")
    return SEED


@pytest.fixture(scope="session")
def seed_dataset(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed built once for the session (read-only for the tests that use it)."""
    from maillage.graph.build import build_dataset
    from maillage.graph.export import read_export
    from maillage.graph.record import Fiche

    out = tmp_path_factory.mktemp("seed-dataset")
    fiches = (item for item in read_export(seed) if isinstance(item, Fiche))
    build_dataset(fiches, out, files=[str(seed)])
    return out
