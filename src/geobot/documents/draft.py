"""A first draft of the curated layer for a new article, for an admin to correct.

Everything in it comes from the automatic extraction: a title guess, an extractive summary
(the lead sentences of the first sections), every quoted passage with its guessed kind and
speaker, and a `[[sources]]` entry per footnote with the sentences that cite it. The draft
validates as it is, so an admin can reload straight away and improve it at leisure; every
guess is marked with a TODO comment.
"""

from __future__ import annotations

import json
from pathlib import Path

from geobot.documents.parse import parse_article
from geobot.text.segment import sentence_spans

SUMMARY_SENTENCES = 4


def _toml_string(text: str) -> str:
    # JSON string escaping is valid TOML basic-string escaping for everything we emit.
    return json.dumps(text, ensure_ascii=False)


def draft_curation(document_id: str, raw: str) -> str:
    parsed = parse_article(document_id, raw)
    if not parsed.passages:
        raise ValueError("no article text found (only headings or boilerplate)")
    title = parsed.title_guess or " ".join(w.capitalize() for w in document_id.split("-"))
    # Lead sentences: the first sentence of each section reads as an outline of the piece.
    leads: list[str] = []
    for section in parsed.sections:
        text = parsed.passages[section.first_passage].text
        if text not in leads:
            leads.append(text)
        if len(leads) >= SUMMARY_SENTENCES:
            break
    for passage in parsed.passages:
        if len(leads) >= 3:
            break
        if passage.text not in leads:
            leads.append(passage.text)
    summary = " ".join(leads)
    if len(sentence_spans(summary)) > 6:
        summary = " ".join(leads[:3])
    lines = [
        f"# Draft curated layer for {document_id}.txt, written by `geobot curate draft`.",
        "# Every value below is a guess from the text: correct it, then run",
        "# `geobot index check`. Format: docs/curation.md.",
        "",
        "[document]",
        f"title = {_toml_string(title)}  # TODO: confirm the title",
        "# author, publication, date, url: add only what you know; never guess",
        "# TODO: rewrite the summary in your own words (3 to 6 sentences)",
        f"summary = {_toml_string(summary)}",
        "",
    ]
    seen: set[str] = set()
    for quote in parsed.quotes:
        key = quote.text.strip().rstrip(",").casefold()
        if key in seen:
            continue
        seen.add(key)
        context = parsed.passages[quote.passage].text
        lines += [
            "[[quotes]]",
            f"text = {_toml_string(quote.text.strip().rstrip(','))}",
            f"kind = {_toml_string(quote.kind.value)}  # TODO: quote, title, term or scare?",
        ]
        if quote.speaker:
            lines.append(f"speaker = {_toml_string(quote.speaker)}  # TODO: confirm the speaker")
        lines += [f"# in: {context[:160]}", ""]
    for note in sorted(parsed.notes):
        claims = [p.text for p in parsed.passages if note in p.citations]
        lines += [
            "[[sources]]",
            f'id = "note-{note}"',
            f"note = {note}",
            f'label = "note {note}"  # TODO: what does note {note} cite? Keep "note {note}" '
            "if the text does not say",
            'kind = "footnote"',
            "claims = [",
            *(f"  {_toml_string(c)}," for c in claims),
            "]",
            "",
        ]
    lines += [
        "# TODO: add the key arguments, each a one-line claim with evidence quoted exactly:",
        "# [[arguments]]",
        '# id = "short-id"',
        '# claim = "…"',
        '# evidence = ["a sentence copied from the article"]',
        "",
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
