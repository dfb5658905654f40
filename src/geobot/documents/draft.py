"""A first draft of the curated layer for a new article, for an admin to correct.

Everything in it comes from the automatic reading of the article: its own title, byline
and date line, an extractive summary (LexRank, documents/summarize.py), every quoted
passage with its kind and speaker as the parser resolves them, a `[[sources]]` entry per
note with the note's text from the article's notes list and the sentences that cite it,
and the key claims found automatically with their supporting sentences. The draft
validates as it is. Every guess carries a TODO marker: until an admin removes it, `geobot
index check` reports it and the value is served as automatic, never as curated.
"""

from __future__ import annotations

import json
from pathlib import Path

from geobot.documents.parse import ParsedArticle, parse_article
from geobot.documents.summarize import digest

# The curated schema numbers notes 1 to 99 (documents/curation.py).
MAX_NOTE = 99


def _toml_string(text: str) -> str:
    # JSON string escaping is valid TOML basic-string escaping for everything we emit.
    return json.dumps(text, ensure_ascii=False)


def _title(document_id: str, parsed: ParsedArticle) -> str:
    return parsed.title_guess or " ".join(w.capitalize() for w in document_id.split("-"))


def _document_table(document_id: str, parsed: ParsedArticle, summary: str) -> list[str]:
    lines = [
        "[document]",
        f"title = {_toml_string(_title(document_id, parsed))}  # TODO: confirm the title",
    ]
    if parsed.author:
        lines.append(f"author = {_toml_string(parsed.author)}  # TODO: confirm (from the byline)")
    if parsed.date:
        lines.append(f"date = {_toml_string(parsed.date)}  # TODO: confirm (from the date line)")
    lines.append("# publication, url: add only what you know; never guess")
    if summary:
        lines += [
            "# TODO: rewrite the summary in your own words (3 to 6 sentences); these are the",
            "# key sentences LexRank picked from the article.",
            f"summary = {_toml_string(summary)}",
        ]
    return [*lines, ""]


def _quote_tables(parsed: ParsedArticle) -> list[str]:
    lines: list[str] = []
    seen: set[str] = set()
    for quote in parsed.quotes:
        text = quote.text.strip().rstrip(",")
        if not text or text.casefold() in seen:
            continue
        seen.add(text.casefold())
        context = parsed.passages[quote.passage].text
        lines += [
            "[[quotes]]",
            f"text = {_toml_string(text)}",
            f"kind = {_toml_string(quote.kind.value)}  # TODO: quote, title, term or scare?",
        ]
        if quote.speaker:
            lines.append(f"speaker = {_toml_string(quote.speaker)}  # TODO: confirm the speaker")
        lines += [f"# in: {context[:160]}", ""]
    return lines


def _source_tables(parsed: ParsedArticle) -> list[str]:
    lines: list[str] = []
    for note in sorted(n for n in parsed.notes if n <= MAX_NOTE):
        claims = [p.text for p in parsed.passages if note in p.citations]
        listed = parsed.note_texts.get(note)
        lines += [
            "[[sources]]",
            f'id = "note-{note}"',
            f"note = {note}",
            f'label = "note {note}"  # TODO: name what note {note} cites (a report, a book, …)',
            'kind = "footnote"',
        ]
        if listed:
            lines.append(f"description = {_toml_string(listed)}  # from the article's notes")
        lines += ["claims = [", *(f"  {_toml_string(c)}," for c in claims), "]", ""]
    return lines


def _argument_tables(parsed: ParsedArticle, claims: list[tuple[int, tuple[int, ...]]]) -> list[str]:
    lines: list[str] = []
    for number, (head, support) in enumerate(claims, start=1):
        lines += [
            "[[arguments]]",
            f'id = "auto-{number}"  # a short id of your own',
            "# TODO: state the claim in your own words; evidence is quoted exactly",
            f"claim = {_toml_string(parsed.passages[head].text)}",
            "evidence = [",
            *(f"  {_toml_string(parsed.passages[i].text)}," for i in support),
            "]",
            "",
        ]
    return lines


def draft_curation(document_id: str, raw: str) -> str:
    parsed = parse_article(document_id, raw)
    if not parsed.passages:
        raise ValueError("no article text found (only headings or boilerplate)")
    found = digest(parsed.passages, parsed.quote_style)
    summary = " ".join(parsed.passages[i].text for i in found.summary)
    claims = [(c.passage, c.evidence) for c in found.claims]
    lines = [
        f"# Draft curated layer for {document_id}.txt, written by `geobot curate draft`.",
        # The header names the marker in lower case: a marker here would mark nothing.
        "# Every value marked todo is a guess from the text: it is served as automatic, not",
        "# curated, until you correct it and delete its marker. Then run `geobot index check`",
        "# (--strict refuses any marker left). Format: docs/curation.md.",
        "",
        *_document_table(document_id, parsed, summary),
        *_quote_tables(parsed),
        *_source_tables(parsed),
        *_argument_tables(parsed, claims),
    ]
    return "\n".join(lines)


def write_draft(article: Path, target: Path | None = None, *, force: bool = False) -> Path:
    target = target or article.with_suffix(".toml")
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass --force to overwrite it")
    raw = article.read_bytes().decode("utf-8").removeprefix("\ufeff")
    text = draft_curation(article.stem, raw)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)  # whole or not at all: a running bot never sees half a file
    return target
