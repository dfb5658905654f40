from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geobot.library import Library

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


@pytest.fixture(scope="session")
def library() -> Library:
    return Library.load(DATA)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled document set, to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target
