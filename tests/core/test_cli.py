"""The CLI as users run it: a real process, readable output, stable JSON, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def geobot(*args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "geobot", *args]
    if data is not None:
        cmd += ["--data", str(data)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def test_ask_json_schema() -> None:
    run = geobot("ask", "What did Senator Mike Lee say about NATO?", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {"question", "answered", "results"}
    assert data["answered"] is True
    first = data["results"][0]
    assert set(first) == {"document", "title", "section", "text", "citations", "score"}
    assert "a great deal for Europe" in first["text"]
    assert first["citations"] == ["note 3"]
    assert isinstance(first["score"], float)


def test_ask_text_output() -> None:
    run = geobot("ask", "who painted the mona lisa")
    assert run.returncode == 0
    assert "couldn't find" in run.stdout


def test_quote_json_schema() -> None:
    data = json.loads(geobot("quote", "--speaker", "Musk", "--json").stdout)
    assert data["results"] == [
        {
            "text": "I agree",
            "speaker": "Elon Musk",
            "kind": "quote",
            "document": "trump-russia-realignment-new-world-order",
            "section": "The Institutional Question: NATO and UN in the Balance",
            "context": data["results"][0]["context"],
            "curated": True,
        }
    ]
    assert "“I agree”" in data["results"][0]["context"]


@pytest.mark.parametrize(
    "command",
    [
        ["summary"],
        ["summary", "alliance"],
        ["arguments", "--topic", "NATO"],
        ["sources"],
        ["documents"],
        ["quote", "alliance"],
        ["index", "check"],
        ["eval"],
    ],
)
def test_commands_succeed(command: list[str]) -> None:
    run = geobot(*command)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "empty"),
        (["ask", "x" * 10_000], "too long"),
        (["ask", "\x01\x07 ?"], "no words"),
        (["summary", "no such document at all"], "No document matches"),
        (["arguments", "zzzz qqqq"], "No document matches"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(args: list[str], message: str) -> None:
    run = geobot(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_broken_data_folder(tmp_path: Path) -> None:
    run = geobot("ask", "NATO", data=tmp_path / "missing")
    assert run.returncode == 2
    assert "data folder not found" in run.stderr
