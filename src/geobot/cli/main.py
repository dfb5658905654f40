"""The `geobot` command line: one Typer app, with sub-apps registered from their modules.

Typer (on Click) gives typed options, --help and shell-friendly errors for free. Every error
we expect ends in one line on stderr and a non-zero exit; a traceback means a bug.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from geobot.commands import READERS
from geobot.documents.loader import load_document_set
from geobot.library import Library, LoadError, UnknownDocumentError
from geobot.search.query import QueryError

app = typer.Typer(
    name="geobot",
    help="Answers questions about a curated set of geopolitics articles, with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Check a document set.", no_args_is_help=True)
app.add_typer(index_app, name="index")
curate_app = typer.Typer(help="Help with curating documents.", no_args_is_help=True)
app.add_typer(curate_app, name="curate")

EXIT_USAGE = 2  # bad input: a question, a document name, a broken document set
EXIT_UNAVAILABLE = 3  # something outside the input: a database, Discord

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        envvar="GEOBOT_DATA",
        help="Document set folder [default: data]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit", min=1, help="Show at most this many [default: all].", show_default=False
    ),
]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"geobot: {message}", err=True)
    raise typer.Exit(code)


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def data_folder(data: Path | None) -> Path:
    if data is not None:
        return data
    from geobot.settings import get_settings

    return get_settings().data_dir


def open_library(data: Path | None) -> Library:
    folder = data_folder(data)
    try:
        return Library.load(folder)
    except LoadError as exc:
        lines = [f"the document set in {folder} cannot be loaded:"]
        lines += [f"  {e}" for e in exc.result.errors]
        fail("\n".join(lines))


def guarded(func: Any) -> Any:
    """Turn the errors a reader can cause into one clear line."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QueryError as exc:
            fail(str(exc))
        except UnknownDocumentError as exc:
            fail(str(exc))

    return wrapper


@app.command(help=READERS["ask"].description)
@guarded
def ask(
    question: Annotated[str, typer.Argument(help="A question about the documents.")],
    data: DataOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(min=1, max=25, help="How many passages.")] = 3,
    document: Annotated[str | None, typer.Option(help="Only this document.")] = None,
) -> None:
    """Answer a question with the passages that say it, and where they come from."""
    from geobot.cli.render import answer_json, answer_text

    library = open_library(data)
    answer = library.ask(question, limit=limit, document=document)
    if as_json:
        emit(answer_json(library, answer))
    else:
        typer.echo(answer_text(library, answer))


@app.command(help=READERS["summary"].description)
@guarded
def summary(
    document: Annotated[str | None, typer.Argument(help="Document id or title.")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """The summary of a document, or of each one: curated, or marked automatic."""
    from geobot.cli.render import document_json, summary_text

    library = open_library(data)
    docs = [library.document(document)] if document else list(library.documents)
    if as_json:
        emit({"documents": [document_json(d, library) for d in docs]})
    else:
        typer.echo("\n\n".join(summary_text(d) for d in docs))


@app.command(help=READERS["arguments"].description)
@guarded
def arguments(
    document: Annotated[str | None, typer.Argument(help="Document id or title.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only arguments about this.")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
    limit: LimitOption = None,
) -> None:
    """The key arguments with their evidence (automatic ones are marked)."""
    from geobot.cli.render import argument_json, argument_text, listing, listing_json

    library = open_library(data)
    found = library.find_arguments(document, topic)
    if as_json:
        emit(listing_json(found, limit, lambda a: argument_json(library, a)))
    else:
        text = listing(
            found, limit, lambda a: argument_text(a, library), "No arguments match.", "arguments"
        )[1]
        typer.echo(text)


@app.command(help=READERS["quote"].description)
@guarded
def quote(
    query: Annotated[str | None, typer.Argument(help="Words of the quote.")] = None,
    speaker: Annotated[str | None, typer.Option(help="Who said it.")] = None,
    document: Annotated[str | None, typer.Option(help="Only this document.")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
    limit: LimitOption = None,
) -> None:
    """Quotes, with who said them (titles, terms and scare quotes are nobody's words)."""
    from geobot.cli.render import listing, listing_json, quote_json, quote_text

    library = open_library(data)
    found = library.find_quotes(query, speaker=speaker, document=document, limit=None)
    if as_json:
        emit(listing_json(found, limit, quote_json))
    else:
        typer.echo(
            listing(found, limit, lambda q: quote_text(q, library), "No quotes match.", "quotes")[1]
        )


@app.command(help=READERS["sources"].description)
@guarded
def sources(
    document: Annotated[str | None, typer.Argument(help="Document id or title.")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
    limit: LimitOption = None,
) -> None:
    """What the documents cite, and which claims rest on each source."""
    from geobot.cli.render import listing, listing_json, source_json, source_text

    library = open_library(data)
    found = library.find_sources(document)
    if as_json:
        emit(listing_json(found, limit, lambda s: source_json(library, s)))
    else:
        empty = "The documents cite no sources."
        typer.echo(listing(found, limit, lambda s: source_text(s, library), empty, "sources")[1])


@app.command(help=READERS["documents"].description)
def documents(data: DataOption = None, as_json: JsonOption = False) -> None:
    """The document set: titles, sizes, curated or not."""
    from geobot.cli.render import document_json

    library = open_library(data)
    if as_json:
        emit(
            {
                "digest": library.documents.digest,
                "semantic": library.semantic,
                "documents": [document_json(d, library) for d in library.documents],
            }
        )
        return
    for d in library.documents:
        status = "curated" if d.curated else "UNCURATED"
        if d.todo_markers:
            status += f", {d.todo_markers} TODO markers left (those values are automatic)"
        typer.echo(
            f"{d.id}\n   {d.title}\n   {d.size:,} bytes, {len(d.passages)} passages, {status}"
        )
    typer.echo(f"semantic index: {'on' if library.semantic else 'off (lexical search only)'}")


@app.command("help", help=READERS["help"].description)
def help_command() -> None:
    from geobot.bot.render import help_embed
    from geobot.shell import pages_as_text

    typer.echo(pages_as_text([help_embed()]))


@index_app.command("check")
def index_check(
    path: Annotated[Path | None, typer.Argument(help="Folder to check [default: --data]")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="A TODO marker left in a curated file is an error.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="List each TODO marker of a curated file, not one warning for the file.",
        ),
    ] = False,
) -> None:
    """Validate a document set: print its stats and every error and warning. Exit 0 when
    it loads, 1 when it has errors (with --strict, a TODO marker in a curated file is one)."""
    from geobot.cli.render import load_report_json, load_report_text

    folder = path or data_folder(data)
    result = load_document_set(folder, strict=strict)
    if as_json:
        emit(load_report_json(result, verbose=verbose))
    else:
        typer.echo(load_report_text(result, str(folder), verbose=verbose), err=not result.ok)
    if not result.ok:
        raise typer.Exit(1)


@curate_app.command("draft")
def curate_draft(
    article: Annotated[Path, typer.Argument(help="The article, data/<id>.txt")],
    output: Annotated[Path | None, typer.Option(help="Where to write [default: beside it]")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing curated file.")] = False,
) -> None:
    """Write a draft curated file for a new article, for an admin to correct."""
    from geobot.documents.draft import write_draft

    if not article.is_file():
        fail(f"{article}: no such file")
    try:
        target = write_draft(article, output, force=force)
    except FileExistsError as exc:
        fail(str(exc))
    except UnicodeDecodeError:
        fail(f"{article}: not UTF-8 text")
    except ValueError as exc:
        fail(f"{article}: {exc}")
    typer.echo(f"Wrote {target}. Edit it, then run: geobot index check")


@app.command("eval")
def evaluate_command(
    questions: Annotated[
        list[Path] | None,
        typer.Option(
            help="JSONL with question and expect_any; repeat with --offtopic for several sets.",
        ),
    ] = None,
    offtopic: Annotated[
        list[Path] | None,
        typer.Option(help="JSONL of questions with no answer, one per --questions."),
    ] = None,
    suite: Annotated[
        bool,
        typer.Option(
            "--suite",
            help="Every set in tests/data, each on the articles its questions are about.",
        ),
    ] = False,
    structure: Annotated[
        bool,
        typer.Option(
            "--structure",
            help="Score parsing instead: quotes, speakers, kinds, headings and notes of the "
            "labelled corpus in --data (default: tests/data/corpus).",
        ),
    ] = False,
    data: DataOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List the misses.")] = False,
) -> None:
    """Measure retrieval quality: one table per set of recall@1, recall@3, MRR, on-topic
    questions answered and off-topic questions flagged. With --structure, measure parsing."""
    if structure:
        from geobot.cli.structure_table import structure_table

        _structure_eval(data or Path("tests/data/corpus"), verbose, structure_table)
        return
    from geobot.search.evaluate import EvalSet, combined_folder, evaluate, read_jsonl, table
    from geobot.search.evaluate import suite as suite_sets

    if suite:
        try:
            sets = suite_sets(Path("tests/data"), data_folder(data))
        except (OSError, ValueError, KeyError) as exc:
            fail(f"cannot read the evaluation files: {exc}")
    else:
        questions = questions or [Path("tests/data/questions-dev.jsonl")]
        offtopic = offtopic or [Path("tests/data/offtopic-dev.jsonl")]
        if len(questions) != len(offtopic):
            fail("give one --offtopic file for each --questions file")
        sets = [EvalSet(q.stem, q, o) for q, o in zip(questions, offtopic, strict=True)]
    libraries: dict[tuple[Path, ...], Library] = {}
    with tempfile.TemporaryDirectory(prefix="geobot-eval-") as scratch:
        for item in sets:
            if item.articles not in libraries:
                folder = (
                    combined_folder(item.articles, Path(scratch) / str(len(libraries)))
                    if len(item.articles) > 1
                    else next(iter(item.articles), data)
                )
                libraries[item.articles] = open_library(folder)
            library = libraries[item.articles]
            try:
                report = evaluate(
                    functools.partial(library.ask, limit=5),
                    read_jsonl(item.questions),
                    read_jsonl(item.offtopic) if item.offtopic else [],
                )
            except (OSError, ValueError, KeyError) as exc:
                fail(f"cannot read the evaluation files: {exc}")
            if len(sets) > 1:
                typer.echo(f"\n{item.name}")
            typer.echo(table(report))
            if verbose and not item.held_out:
                for miss in report.misses:
                    typer.echo(json.dumps(miss, ensure_ascii=False))


def _structure_eval(corpus: Path, verbose: bool, render: Any) -> None:
    from geobot.documents.structure_eval import evaluate_structure

    try:
        report = evaluate_structure(corpus)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot score {corpus}: {exc}")
    typer.echo(render(report))
    if verbose:
        for article in report.articles:
            for miss in article.misses:
                typer.echo(json.dumps({"document": article.document, **miss}, ensure_ascii=False))


def main() -> None:
    _register_optional()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


def _register_optional() -> None:
    # Sub-apps live beside the parts they drive and plug themselves in here.
    import importlib
    import importlib.util

    for module_name, apps in (
        ("geobot.cli.questions", ("questions_app", "db_app")),
        ("geobot.cli.bot", ("bot_commands",)),
        ("geobot.cli.ops", ("register",)),
    ):
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        for attribute in apps:
            registrar = getattr(module, attribute, None)
            if isinstance(registrar, typer.Typer):
                app.add_typer(registrar, name=attribute.removesuffix("_app"))
            elif callable(registrar):
                registrar(app)
