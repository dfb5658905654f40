"""The `geobot` command line: one Typer app, with sub-apps registered from their modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="geobot",
    help="Answers questions about a curated set of geopolitics articles, with citations.",
    no_args_is_help=True,
    add_completion=False,
    # Users get one clear line for every error we expect; a traceback means a bug.
    pretty_exceptions_enable=False,
)


def main() -> None:
    app()
