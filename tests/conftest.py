"""Shared pytest configuration: the Discord double's fixtures (see tests/discord_double), and
which PostgreSQL server the database tests use.

The PostgreSQL variants run against GEOBOT_TEST_POSTGRES_URL. Unset, the README's default
URL is tried, so `pytest` on a machine with a local server runs them without any setting;
set empty, they are skipped on purpose. Either way the run ends with one line that says
which it was: a PostgreSQL test is never skipped in silence.
"""

from __future__ import annotations

import os

import pytest

from discord_double.fixtures import discord_double, discord_world, start_bot

__all__ = ["discord_double", "discord_world", "start_bot"]

PG_ENV = "GEOBOT_TEST_POSTGRES_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _reachable(url: str) -> str | None:
    """None when a connection to `url` works; else why not, in one line."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[dev]')"
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, connect_timeout=2):
            return None
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        return lines[0] if lines else type(exc).__name__


def _choose_server() -> str:
    """Set the variable for every test module (and child process) to read; say why."""
    given = os.environ.get(PG_ENV)
    if given is not None:
        if given.strip():
            return f"PostgreSQL tests run against {PG_ENV}"
        return f"PostgreSQL tests skipped: {PG_ENV} is set empty"
    problem = _reachable(DEFAULT_PG_URL)
    if problem is None:
        os.environ[PG_ENV] = DEFAULT_PG_URL
        return f"PostgreSQL tests run against the default {DEFAULT_PG_URL} (reachable)"
    return (
        f"PostgreSQL tests skipped: no server at the default {DEFAULT_PG_URL} ({problem});"
        f" start one there or set {PG_ENV}"
    )


# Decided on import, before the test modules read the variable.
POSTGRES = _choose_server()


def pytest_report_header() -> str:
    return POSTGRES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Also at the end: `pytest -q` prints no header.
    terminalreporter.write_line(POSTGRES)
