"""`geobot db revision -m …`: a schema change a maintainer can make (#17.6).

Rule exercised: bad input gets a clear error, and the tooling works on real files. The
model change is made in a subprocess (it alters SQLModel's process-wide metadata) and the
migration is written into a copy of the migrations, never into the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geobot.questions.db import MIGRATIONS_DIR, new_revision

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_new_column_becomes_a_numbered_migration(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    shutil.copytree(
        MIGRATIONS_DIR / "versions", versions, ignore=shutil.ignore_patterns("__pycache__")
    )
    code = (
        "import sys, sqlalchemy as sa\n"
        "from pathlib import Path\n"
        "from geobot.questions import models\n"
        "models.Question.__table__.append_column(sa.Column('language', sa.String(8)))\n"
        "from geobot.questions.db import new_revision\n"
        "print(new_revision('add question language', Path(sys.argv[1])))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(versions)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=True,
    )
    written = Path(run.stdout.strip().splitlines()[-1])
    assert written.parent == versions
    assert written.name.startswith("0003_")
    body = written.read_text(encoding="utf-8")
    assert "add_column" in body
    assert "'language'" in body


def test_no_change_writes_nothing(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    shutil.copytree(
        MIGRATIONS_DIR / "versions", versions, ignore=shutil.ignore_patterns("__pycache__")
    )
    assert new_revision("nothing", versions) is None
    assert sorted(p.name for p in versions.glob("*.py")) == sorted(
        p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py")
    )


def test_a_blank_message_is_refused() -> None:
    with pytest.raises(ValueError, match="describe the change"):
        new_revision("  ")
