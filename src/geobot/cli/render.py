"""Plain-text and JSON renderings of core results, for the CLI and the local shell.

The JSON shapes are a stable interface (documented in the README): add fields, never rename
or remove them.
"""

from __future__ import annotations

import textwrap
from typing import Any

from geobot.documents.loader import LoadResult
from geobot.documents.model import Argument, Document, LoadIssue, Quote, Source, each_issue
from geobot.library import Library
from geobot.search.passages import Answer, Hit

WIDTH = 88


def _wrap(text: str, indent: str = "   ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def hit_citations(library: Library, hit: Hit) -> list[str]:
    return library.get(hit.document_id).citation_labels(hit.citations)


# -- JSON ---------------------------------------------------------------------------------


def answer_json(library: Library, answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "results": [
            {
                "document": hit.document_id,
                "title": library.get(hit.document_id).title,
                "section": hit.section,
                "text": hit.text,
                "citations": hit_citations(library, hit),
                "score": hit.score,
            }
            for hit in answer.hits
        ],
    }


def quote_json(quote: Quote) -> dict[str, Any]:
    return {
        "text": quote.text,
        "speaker": quote.speaker,
        "kind": quote.kind.value,
        "document": quote.document_id,
        "section": quote.section,
        "context": quote.context,
        "curated": quote.curated,
    }


def argument_json(library: Library, argument: Argument) -> dict[str, Any]:
    document = library.get(argument.document_id)
    return {
        "id": argument.id,
        "document": argument.document_id,
        "claim": argument.claim,
        "automatic": argument.automatic,
        "topics": list(argument.topics),
        "evidence": [
            {
                "text": e.text,
                "section": e.section,
                "citations": document.citation_labels(e.citations),
            }
            for e in argument.evidence
        ],
    }


def source_json(library: Library, source: Source) -> dict[str, Any]:
    document = library.get(source.document_id)
    return {
        "id": source.id,
        "document": source.document_id,
        "label": source.label,
        "kind": source.kind,
        "note": source.note,
        "description": source.description,
        "origin": source.origin,
        "claims": [document.passage(pid).text for pid in source.passage_ids],
    }


def document_json(document: Document, library: Library) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "author": document.author,
        "publication": document.publication,
        "date": document.date,
        "url": document.url,
        "curated": document.curated,
        "todo_markers": document.todo_markers,
        "summary": document.summary,
        "summary_automatic": document.summary_automatic,
        "bytes": document.size,
        "sections": [s.heading for s in document.sections if s.heading],
        "passages": len(document.passages),
        "quotes": len(document.quotes),
        "arguments": len(document.arguments),
        "sources": len(document.sources),
        "loaded_at": library.documents.loaded_at.isoformat(),
    }


def load_report_json(result: LoadResult, verbose: bool = False) -> dict[str, Any]:
    """The report of `index check --json`; `verbose` lists each TODO marker, as the text."""

    def issue(i: Any) -> dict[str, Any]:
        return {"file": i.path, "line": i.line, "message": i.message}

    stats = Library(result.documents).stats() if result.documents else None
    return {
        "ok": result.ok,
        "digest": result.documents.digest if result.documents else None,
        "stats": stats,
        "errors": [issue(e) for e in result.errors],
        "warnings": [issue(w) for w in _warnings(result, verbose)],
    }


# -- text ---------------------------------------------------------------------------------


def answer_text(library: Library, answer: Answer) -> str:
    lines = []
    if answer.corrections:
        fixed = ", ".join(f"{a} → {b}" for a, b in answer.corrections.items())
        lines.append(f"(read as: {fixed})")
    if not answer.hits:
        lines.append("I couldn't find this in the documents.")
        return "\n".join(lines)
    if not answer.answered:
        lines.append("I couldn't find a clear answer in the documents. The closest passages:")
    for n, hit in enumerate(answer.hits, 1):
        document = library.get(hit.document_id)
        where = document.title + (f" › {hit.section}" if hit.section else "")
        lines.append(f"{n}. {where}")
        lines.append(_wrap(hit.text))
        cites = hit_citations(library, hit)
        if cites:
            lines.append(f"   cites: {'; '.join(cites)}")
    return "\n".join(lines)


def quote_text(quote: Quote, library: Library) -> str:
    document = library.get(quote.document_id)
    if quote.kind.is_words_of_someone:
        who = quote.speaker or "unnamed speaker"
        head = f"“{quote.text}” — {who}"
    else:
        head = f"“{quote.text}” ({quote.kind.value}: not anyone's words)"
    where = document.title + (f" › {quote.section}" if quote.section else "")
    cites = document.citation_labels(quote.citations)
    lines = [head, _wrap(quote.context), f"   in: {where}"]
    if cites:
        lines.append(f"   cites: {'; '.join(cites)}")
    return "\n".join(lines)


def argument_text(argument: Argument, library: Library) -> str:
    document = library.get(argument.document_id)
    label = "  (automatic: found by the machine, not curated)" if argument.automatic else ""
    lines = [f"• {argument.claim}  [{argument.id}]{label}"]
    for evidence in argument.evidence:
        lines.append(_wrap(f"“{evidence.text}”", "     "))
        cites = document.citation_labels(evidence.citations)
        where = evidence.section or document.title
        lines.append(f"     ({where}{'; ' + '; '.join(cites) if cites else ''})")
    return "\n".join(lines)


def source_text(source: Source, library: Library) -> str:
    document = library.get(source.document_id)
    origin = {"notes": ", from the article's notes", "marker": ", no text in the article"}
    head = f"{source.label} ({source.kind}{origin.get(source.origin, '')})"
    lines = [head]
    if source.description:
        lines.append(_wrap(source.description))
    for pid in source.passage_ids:
        lines.append(_wrap("- " + document.passage(pid).text, "     "))
    return "\n".join(lines)


def summary_text(document: Document) -> str:
    lines = [document.title]
    meta = [x for x in (document.author, document.publication, document.date) if x]
    if meta:
        lines.append(" · ".join(meta))
    lines.append("")
    if document.summary and document.summary_automatic:
        lines.append("Automatic summary (key sentences picked by LexRank, not curated):")
    lines.append(
        textwrap.fill(document.summary or "(no summary: this document is uncurated)", WIDTH)
    )
    lines.append("")
    headings = [s.heading for s in document.sections if s.heading]
    lines.append(
        f"{len(headings)} sections, {len(document.arguments)} arguments, "
        f"{len(document.quotes)} quotes, {len(document.sources)} sources."
    )
    for heading in headings:
        lines.append(f"  § {heading}")
    lines.append(f"See the arguments: geobot arguments {document.id}")
    return "\n".join(lines)


def _warnings(result: LoadResult, verbose: bool) -> list[LoadIssue]:
    # A curated file's TODO markers are one warning, which sums them up, unless asked for.
    return each_issue(result.warnings) if verbose else list(result.warnings)


def load_report_text(result: LoadResult, folder: str, verbose: bool = False) -> str:
    lines = []
    if result.ok and result.documents is not None:
        stats = Library(result.documents).stats()
        lines.append(
            f"{folder}: OK, {stats['documents']} documents "
            f"({stats['curated']} curated), {stats['passages']} passages, "
            f"{stats['quotes']} quotes, {stats['arguments']} arguments, "
            f"{stats['sources']} sources"
        )
        lines.append(f"digest {result.documents.digest[:16]}")
    else:
        lines.append(f"{folder}: {len(result.errors)} error(s); the set cannot be loaded")
        lines.extend(str(e) for e in result.errors)
    lines.extend(str(w) for w in _warnings(result, verbose))
    return "\n".join(lines)


def listing(
    items: list[Any], limit: int | None, render: Any, empty: str, what: str
) -> tuple[list[Any], str]:
    """The first `limit` items (all by default) rendered as text, saying how many a limit
    left out: nothing is cut silently."""
    shown = items if limit is None else items[:limit]
    if not items:
        return shown, empty
    text = "\n\n".join(render(item) for item in shown)
    left = len(items) - len(shown)
    if left:
        text += f"\n\n… and {left} more {what} not shown (--limit {limit}; omit it for all)."
    return shown, text


def listing_json(items: list[Any], limit: int | None, render: Any) -> dict[str, Any]:
    """`results` (all, or the first `limit`), with the total and how many were left out."""
    shown = items if limit is None else items[:limit]
    return {
        "results": [render(item) for item in shown],
        "total": len(items),
        "omitted": len(items) - len(shown),
    }
