"""`geobot doctor` and `geobot reload`, run as operators run them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from geobot.fleet import Fleet
from geobot.questions.db import upgrade
from geobot.reload import ReloadReport

REPO = Path(__file__).resolve().parents[1]


def geobot(*args: str, env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GEOBOT_", "DISCORD_", "DATABASE_"))
    }
    full.update(env)
    run = subprocess.run(
        [sys.executable, "-m", "geobot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=full,
        cwd=cwd,
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run


def test_doctor_says_what_to_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    env = {"DATABASE_URL": url, "GEOBOT_STATE_DIR": str(tmp_path / "state")}
    (tmp_path / "g.db").write_bytes(b"")  # a file that is there but never migrated
    run = geobot("doctor", env={**env, "DISCORD_TOKEN": "not-a-token"})
    assert run.returncode == 1
    assert "[FAIL] token: DISCORD_TOKEN does not look like a bot token" in run.stdout
    assert "[note] database" in run.stdout
    assert "the bot migrates it to" in run.stdout
    assert "[ok ] documents" in run.stdout
    upgrade(url)
    secret = "MTIz.NDU2.Nzg5-secret-value"
    run = geobot("doctor", env={**env, "DISCORD_TOKEN": secret})
    assert run.returncode == 0, run.stdout
    assert secret not in run.stdout + run.stderr
    assert "DISCORD_TOKEN is set (not shown)" in run.stdout
    broken = geobot(
        "doctor",
        env={
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x",
            "GEOBOT_STATE_DIR": str(tmp_path / "state"),
        },
    )
    assert broken.returncode == 1
    assert "[FAIL] database" in broken.stdout


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_doctor_on_day_one_fails_nothing_and_creates_nothing(tmp_path: Path) -> None:
    # Right after the quick start: no token, no database, no state folder yet, and run
    # from some other folder.
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    state = tmp_path / "state"
    env = {"GEOBOT_STATE_DIR": str(state)}
    run = geobot("doctor", env=env, cwd=elsewhere)
    assert run.returncode == 0, run.stdout
    assert "[FAIL]" not in run.stdout
    assert "[note] token: DISCORD_TOKEN is not set" in run.stdout
    assert "not created yet: created on first start" in run.stdout
    assert f"[note] state folder: {state}: created on first start" in run.stdout
    assert f"[ok ] documents: {REPO / 'data'}" in run.stdout
    assert tree(tmp_path) == ["home"]  # doctor wrote nothing anywhere


def test_the_bundled_set_is_found_from_any_folder(tmp_path: Path) -> None:
    run = geobot("ask", "What did Senator Mike Lee say about NATO?", env={}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "a great deal for Europe" in run.stdout
    run = geobot("documents", env={}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def test_reload_without_a_running_bot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    run = geobot("reload", env={"DATABASE_URL": url})
    assert run.returncode == 3
    assert "no running bot process found" in run.stderr


def test_reload_refuses_a_broken_set_before_asking(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.toml").write_text("[document]\ntitle='x'\n", "utf-8")
    run = geobot("reload", "--data", str(data), env={"DATABASE_URL": "sqlite:///:memory:"})
    assert run.returncode == 1
    assert "would be refused; nothing was sent" in run.stderr


def test_reload_reaches_a_running_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    bot = Fleet(url, "bot-1")
    bot.heartbeat("old")
    stop = threading.Event()

    def serve() -> None:
        # A stand-in for a bot process's bus loop: answer every request it sees.
        seen = bot.latest_request()
        while not stop.wait(0.05):
            for request in bot.requests_after(seen):
                seen = request
                bot.record_result(
                    request, ReloadReport(True, "peer", datetime.now(UTC), 0.01, "newdigest", "old")
                )

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        run = geobot("reload", "--wait", "5", env={"DATABASE_URL": url})
    finally:
        stop.set()
        thread.join()
        bot.close()
    assert run.returncode == 0, run.stderr
    assert "bot-1: took the new set newdigest" in run.stdout
