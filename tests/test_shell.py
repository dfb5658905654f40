"""The local shell (`geobot shell`) and how `geobot run` / `geobot start` treat a missing token."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from geobot.library import Library
from geobot.shell import ShellError, loop, parse, respond

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(DATA)


# -- parse -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/quote speaker:Craig Unger", ("quote", {"speaker": "Craig Unger"})),
        (
            "/quote raw deal speaker:Mike Lee",
            ("quote", {"text": "raw deal", "speaker": "Mike Lee"}),
        ),
        ('/quote speaker:"Craig Unger"', ("quote", {"speaker": "Craig Unger"})),
        ("/quote text:'it's' speaker:Lee", ("quote", {"text": "it's", "speaker": "Lee"})),
        ("/ask why did the alliance fail", ("ask", {"question": "why did the alliance fail"})),
        (
            "/ask why did it fail document:new world order",
            ("ask", {"question": "why did it fail", "document": "new world order"}),
        ),
        ("/ask question:why NATO?", ("ask", {"question": "why NATO?"})),
        ("/ASK   spaced   out  ", ("ask", {"question": "spaced   out"})),
        ("/ask what does note: mean", ("ask", {"question": "what does note: mean"})),
        ("why did the alliance fail?", ("ask", {"question": "why did the alliance fail?"})),
        ("/arguments topic:NATO", ("arguments", {"topic": "NATO"})),
        (
            "/arguments alliance unraveled topic:sanctions",
            ("arguments", {"document": "alliance unraveled", "topic": "sanctions"}),
        ),
        ("/summary", ("summary", {})),
        ("/sources document:alliance", ("sources", {"document": "alliance"})),
        ("/documents", ("documents", {})),
        ("/help", ("help", {})),
    ],
)
def test_parse(line: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/frobnicate now", "Unknown command /frobnicate. Commands: /ask, /summary"),
        ("/help me please", "/help takes no text."),
        ("/documents all of them", "/documents takes no text."),
    ],
)
def test_parse_refuses_what_the_bot_would_not_take(line: str, message: str) -> None:
    with pytest.raises(ShellError, match="^" + re.escape(message)):
        parse(line)


# -- respond: the same words the bot shows ---------------------------------------------------


def test_respond_prints_the_bots_answer(library: Library) -> None:
    text = respond(library, "/ask What did Senator Mike Lee say about NATO?")
    assert text.startswith("❓ What did Senator Mike Lee say about NATO?")
    assert "a great deal for Europe" in text
    assert "Source: note 3" in text
    assert "more page(s) in Discord" in text


def test_respond_turns_refusals_into_one_line(library: Library) -> None:
    assert respond(library, "/frobnicate").startswith("Unknown command /frobnicate.")
    assert respond(library, "/ask ?") == (
        "The question has no words in it: type a few words to search for."
    )
    assert respond(library, "/summary zbigniew poems").startswith("No document matches")


def test_respond_headings_match_the_bot(library: Library) -> None:
    assert respond(library, "/quote speaker:Craig Unger").startswith("Quotes by Craig Unger\n")
    assert respond(library, "/arguments topic:sanctions").startswith(
        "Key arguments · about “sanctions”\n"
    )
    title = library.get("trump-putin-alliance-unravels").title
    assert respond(library, "/sources trump-putin-alliance-unravels").startswith(
        f"Sources · {title}\n"
    )


def test_titles_and_scare_quotes_are_nobodys_words_in_the_shell(library: Library) -> None:
    text = respond(library, "/quote alliance")
    assert "“alliance” (scare quotes, nobody's words)" in text
    assert "“alliance” —" not in text


def test_loop_reads_lines_until_quit(library: Library) -> None:
    out = io.StringIO()
    loop(
        lambda: library,
        ["/quote speaker:Craig Unger", "", "/quit", "/help"],
        out=out,
        interactive=False,
    )
    printed = out.getvalue()
    assert "“absolutely convinced” — Craig Unger" in printed
    assert "[Explore]" not in printed  # /help came after /quit
    assert "geobot shell" not in printed  # no banner when not interactive
    assert respond(library, "/help").count("[Explore]") == 1  # what /help would have shown


# -- the real commands, as processes ---------------------------------------------------------


def _env(token: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISCORD_TOKEN", "GEOBOT_TOKEN", "GEOBOT_DATA", "DATABASE_URL")
    }
    # The shell opens the question log: a folder of its own, not the checkout's var/.
    env["GEOBOT_STATE_DIR"] = tempfile.mkdtemp(prefix="geobot-shell-")
    if token is not None:
        env["DISCORD_TOKEN"] = token
    return env


def _geobot(
    *args: str, stdin: str = "", token: str | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geobot", *args, "--data", str(DATA)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(token),
        cwd=cwd,
    )


def test_geobot_shell_answers_piped_questions() -> None:
    run = _geobot(
        "shell",
        stdin="/quote speaker:Craig Unger\n"
        "What did Senator Mike Lee say about NATO?\n/frobnicate\n",
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "“absolutely convinced” — Craig Unger" in run.stdout
    assert "a great deal for Europe" in run.stdout
    assert "Unknown command /frobnicate." in run.stdout
    assert "geobot> " not in run.stdout  # no prompts when nobody is typing


@pytest.mark.parametrize("token", [None, "", "   "])
def test_geobot_run_without_a_token_exits_with_one_clear_line(
    tmp_path: Path, token: str | None
) -> None:
    run = _geobot("run", token=token, cwd=tmp_path)  # tmp_path: no .env to read a token from
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "DISCORD_TOKEN is not set" in lines[0]
    assert run.stdout == ""


@pytest.mark.parametrize("token", [None, ""])
def test_geobot_start_without_a_token_opens_the_shell(tmp_path: Path, token: str | None) -> None:
    run = _geobot("start", stdin="/quote speaker:Craig Unger\n", token=token, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "opening the local shell" in run.stderr
    assert "“absolutely convinced” — Craig Unger" in run.stdout
