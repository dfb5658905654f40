"""`geobot curate draft`: a draft curated file that validates as written."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from geobot.documents.loader import load_document_set

REALIGN = "trump-russia-realignment-new-world-order"


def test_draft_validates_and_lists_quotes_and_notes(data_copy: Path) -> None:
    (data_copy / f"{REALIGN}.toml").unlink()
    run = subprocess.run(
        [sys.executable, "-m", "geobot", "curate", "draft", str(data_copy / f"{REALIGN}.txt")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    draft = tomllib.loads((data_copy / f"{REALIGN}.toml").read_text("utf-8"))
    assert {q["text"] for q in draft["quotes"]} >= {"radical", "I agree", "Triad"}
    assert [s["note"] for s in draft["sources"]] == [1, 2, 3, 4, 5]
    assert all(s["label"] == f"note {s['note']}" for s in draft["sources"])
    result = load_document_set(data_copy)
    assert result.ok, [str(e) for e in result.errors]
    assert result.documents.documents[REALIGN].curated  # type: ignore[union-attr]


def test_draft_refuses_to_overwrite(data_copy: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "geobot", "curate", "draft", str(data_copy / f"{REALIGN}.txt")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "exists; pass --force" in run.stderr
    assert "Traceback" not in run.stderr
