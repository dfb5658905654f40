"""Core results as Discord embeds, always inside Discord's limits.

Long text is cut at a sentence (or word) with "…" rather than sent and rejected; lists are
split into pages. Text a user typed is markdown-escaped before it is echoed. The local shell
prints these same embeds as text, so what it shows is what Discord would show.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import discord

from geobot.documents.model import Argument, Document, Quote, Source
from geobot.library import Library, UnknownDocumentError
from geobot.search.passages import Answer, Hit

T = TypeVar("T")

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000

COLOUR = discord.Colour.from_rgb(46, 104, 160)
COLOUR_MISS = discord.Colour.from_rgb(150, 150, 150)
COLOUR_FAQ = discord.Colour.from_rgb(67, 160, 71)
HITS_PER_PAGE = 3
ITEMS_PER_PAGE = 4
# Characters of a listing page (arguments, quotes, sources): about an /ask page, a
# screenful on a phone, rather than a wall of Discord's 6,000 allowed.
PAGE_CHARS = 1500

_SENTENCE_END = re.compile(r"[.!?…][”\"')\]]?\s")


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters at a sentence end if one is near, else at a word, with …"""
    text = text.strip()
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] > limit * 0.5:
        return window[: ends[-1]].rstrip() + "…"
    cut = window.rfind(" ")
    if cut < limit * 0.5:
        cut = limit - 1
    return window[:cut].rstrip() + "…"


# What Discord turns into a mention: @everyone, @here, and <@id>, <@!id>, <@&id> with any id.
# discord.utils.escape_mentions only handles ids of 17-20 digits, so "<@&12>" stayed a
# (dead, but rendered) role mention.
_MENTION = re.compile(r"@(?=everyone|here)|(?<=<)@")


def escape(text: str) -> str:
    """User text made inert: no markdown, no mentions that could render as pings."""
    escaped = discord.utils.escape_markdown(text, as_needed=False)
    return _MENTION.sub("@\u200b", escaped)


def unknown_document(error: UnknownDocumentError) -> str:
    """The core's "no such document" refusal, with the reader's words made inert."""
    hint = f" Did you mean: {', '.join(error.suggestions)}?" if error.suggestions else ""
    return f"No document matches “{escape(error.query)}”.{hint}"


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


def _where(library: Library, document_id: str, section: str | None) -> str:
    document = library.get(document_id)
    return document.title + (f" › {section}" if section else "")


# A note from the article's notes list can run to a paragraph, and a sentence may cite
# several: each note and all of them together are shortened, so that the passage they
# support keeps its room in the embed field.
CITATION_CHARS = 240
CITATIONS_CHARS = 500


def _cites(document: Document, notes: Sequence[int]) -> str:
    labels = document.citation_labels(tuple(notes), CITATION_CHARS)
    return clip("; ".join(labels), CITATIONS_CHARS)


def hit_field(library: Library, hit: Hit, number: int) -> tuple[str, str]:
    document = library.get(hit.document_id)
    name = clip(f"{number}. {_where(library, hit.document_id, hit.section)}", FIELD_NAME_LIMIT)
    cites = _cites(document, hit.citations)
    source = f"\n*Source: {cites}*" if cites else f"\n*Source: {document.title} (no footnote)*"
    body = clip(hit.text, FIELD_VALUE_LIMIT - len(source) - 4)
    return name, f"> {body}{source}"


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    question: str
    answer: str


def ask_embed(
    library: Library, answer: Answer, page: int = 0, pages: int = 1, faq: FaqAnswer | None = None
) -> discord.Embed:
    title = clip(f"❓ {escape(answer.question)}", TITLE_LIMIT)
    parts = []
    colour = COLOUR
    if faq is not None:
        colour = COLOUR_FAQ
        parts.append(
            clip(
                f"**Moderators' answer** (to a similar question, "
                f"“{escape(faq.question)}”):\n{escape(faq.answer)}",
                1800,
            )
        )
    if answer.corrections:
        fixed = ", ".join(f"{escape(a)} → {b}" for a, b in answer.corrections.items())
        parts.append(f"*Read as: {clip(fixed, 300)}*")
    if not answer.hits:
        colour = COLOUR_MISS if faq is None else colour
        parts.append(
            "I couldn't find this in the documents. Try other words, or see "
            "`/summary` for what they cover."
        )
    elif not answer.answered:
        colour = COLOUR_MISS if faq is None else colour
        parts.append("I couldn't find a clear answer in the documents. The closest passages:")
    embed = discord.Embed(title=title, description="\n\n".join(parts) or None, colour=colour)
    first = page * HITS_PER_PAGE
    for number, hit in enumerate(answer.hits, start=first + 1):
        name, value = hit_field(library, hit, number)
        embed.add_field(name=name, value=value, inline=False)
    footer = f"Page {page + 1}/{max(1, pages)} · {answer.total} passage(s) found"
    embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    return fit(embed)


def answer_pages(
    library: Library, answer: Answer, faq: FaqAnswer | None = None
) -> list[discord.Embed]:
    """An answer as pages of HITS_PER_PAGE passages; the FAQ answer leads the first."""
    per = HITS_PER_PAGE
    count = max(1, -(-len(answer.hits) // per))
    pages = []
    for page in range(count):
        chunk = dataclasses.replace(answer, hits=answer.hits[page * per : (page + 1) * per])
        pages.append(ask_embed(library, chunk, page, count, faq if page == 0 else None))
    return pages


def fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields and trim the description until the embed fits 6,000 chars."""
    while len(embed) > EMBED_TOTAL_LIMIT and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_LIMIT and embed.description:
        excess = len(embed) - EMBED_TOTAL_LIMIT
        embed.description = clip(embed.description, max(1, len(embed.description) - excess))
    return embed


# Readers must see at once what a curator wrote and what the machine picked.
AUTOMATIC_SUMMARY = "*Automatic summary: key sentences picked by LexRank, not curated.*"
AUTOMATIC_CLAIM = "*Automatic: a key claim found by the machine, not curated.*"


def _summary_text(document: Document) -> str:
    if not document.summary:
        return "*No summary yet: this document is uncurated.*"
    if document.summary_automatic:
        return f"{AUTOMATIC_SUMMARY}\n{document.summary}"
    return document.summary


def summary_embed(library: Library, document: Document) -> discord.Embed:
    headings = [s.heading for s in document.sections if s.heading]
    embed = discord.Embed(
        title=clip(document.title, TITLE_LIMIT),
        colour=COLOUR,
        description=clip(_summary_text(document), DESCRIPTION_LIMIT),
    )
    meta = " · ".join(x for x in (document.author, document.publication, document.date) if x)
    if meta:
        embed.add_field(name="Published", value=clip(meta, FIELD_VALUE_LIMIT), inline=False)
    facts = (
        f"{len(headings)} sections · {len(document.arguments)} arguments · "
        f"{len(document.quotes)} quotes · {len(document.sources)} sources"
    )
    embed.add_field(name="Key facts", value=facts, inline=False)
    if headings:
        embed.add_field(
            name="Sections",
            value=clip("\n".join(f"§ {h}" for h in headings), FIELD_VALUE_LIMIT),
            inline=False,
        )
    embed.add_field(
        name="Go further",
        value=f"`/arguments document:{document.id}` for the key arguments and their evidence."[
            :FIELD_VALUE_LIMIT
        ],
        inline=False,
    )
    if document.url:
        embed.url = document.url
    embed.set_footer(text=clip(f"Document id: {document.id}", FOOTER_LIMIT))
    return fit(embed)


def overview_embed(library: Library) -> discord.Embed:
    embed = discord.Embed(
        title="The documents",
        colour=COLOUR,
        description="A short summary of each document. Use `/summary document:` for one in full.",
    )
    for document in list(library.documents)[:FIELDS_LIMIT]:
        first = (document.summary or "Uncurated: no summary yet.").split(". ")[0]
        label = "(automatic) " if document.summary and document.summary_automatic else ""
        value = label + clip(first.rstrip(".") + ".", 400) + f"\n`{document.id}`"
        embed.add_field(name=clip(document.title, FIELD_NAME_LIMIT), value=value, inline=False)
    return fit(embed)


def arguments_heading(document: Document | None, topic: str | None) -> str:
    """The title of an /arguments answer; the shell prints the same."""
    heading = "Key arguments" + (f" · {document.title}" if document else "")
    if topic:
        heading += f" · about “{escape(topic)}”"
    return heading


def quotes_heading(text: str | None, speaker: str | None) -> str:
    parts = []
    if text:
        parts.append(f"matching “{escape(text)}”")
    if speaker:
        parts.append(f"by {escape(speaker)}")
    return "Quotes " + " ".join(parts) if parts else "Quotes"


def sources_heading(document: Document | None) -> str:
    return "Sources" + (f" · {document.title}" if document else "")


def _field_pages(
    items: Sequence[T], heading: str, empty: str, field: Callable[[T], tuple[str, str]]
) -> list[discord.Embed]:
    """Pages of up to ITEMS_PER_PAGE fields and about PAGE_CHARS characters, numbered
    when there is more than one; a field longer than that has a page of its own."""
    title = clip(heading, TITLE_LIMIT)
    chunks: list[list[tuple[str, str]]] = [[]]
    size = len(title)
    for item in items:
        name, value = field(item)
        name, value = clip(name, FIELD_NAME_LIMIT), clip(value, FIELD_VALUE_LIMIT)
        cost = len(name) + len(value)
        chunk = chunks[-1]
        if chunk and (size + cost > PAGE_CHARS or len(chunk) >= ITEMS_PER_PAGE):
            chunk = []
            chunks.append(chunk)
            size = len(title)
        chunk.append((name, value))
        size += cost
    pages = []
    for chunk in chunks:
        embed = discord.Embed(title=title, colour=COLOUR, description=None if chunk else empty)
        for name, value in chunk:
            embed.add_field(name=name, value=value, inline=False)
        pages.append(fit(embed))
    return _number(pages)


def argument_field(library: Library, argument: Argument) -> tuple[str, str]:
    document = library.get(argument.document_id)
    lines = []
    for evidence in argument.evidence:
        cites = _cites(document, evidence.citations)
        where = evidence.section or document.title
        lines.append(f"> {clip(evidence.text, 350)}\n*{where}{' · ' + cites if cites else ''}*")
    if argument.automatic:
        lines.insert(0, AUTOMATIC_CLAIM)
    return argument.claim, "\n".join(lines)


def argument_pages(
    library: Library, arguments: Sequence[Argument], heading: str
) -> list[discord.Embed]:
    return _field_pages(
        arguments, heading, "No arguments match.", lambda a: argument_field(library, a)
    )


def quote_lines(library: Library, quote: Quote) -> tuple[str, str]:
    document = library.get(quote.document_id)
    if quote.kind.is_words_of_someone:
        name = f"“{quote.text}” — {quote.speaker or 'speaker not named in the text'}"
    else:
        what = {
            "title": "the title of a work",
            "term": "a named concept",
            "scare": "scare quotes, nobody's words",
        }[quote.kind.value]
        name = f"“{quote.text}” ({what})"
    cites = _cites(document, quote.citations)
    where = _where(library, quote.document_id, quote.section)
    value = f"> {clip(quote.context, 700)}\n*{clip(where, 200)}{' · ' + cites if cites else ''}*"
    return clip(name, FIELD_NAME_LIMIT), clip(value, FIELD_VALUE_LIMIT)


def quote_pages(library: Library, quotes: Sequence[Quote], heading: str) -> list[discord.Embed]:
    return _field_pages(quotes, heading, "No quotes match.", lambda q: quote_lines(library, q))


def source_field(library: Library, source: Source) -> tuple[str, str]:
    document = library.get(source.document_id)
    claims = [document.passage(pid).text for pid in source.passage_ids]
    lines = [f"*{source.description}*"] if source.description else []
    lines += [f"• {clip(c, 300)}" for c in claims[:3]]
    if len(claims) > 3:
        lines.append(f"…and {len(claims) - 3} more claim(s).")
    return (
        f"{source.label} ({_source_kind(source)}) · {document.title}",
        "\n".join(lines) or "No claims recorded.",
    )


def _source_kind(source: Source) -> str:
    """The kind, and where an uncurated source comes from, so readers can tell."""
    if source.origin == "notes":
        return f"{source.kind}, from the article's notes"
    if source.origin == "marker":
        return f"{source.kind}, the article gives no text for it"
    return source.kind


def source_pages(library: Library, sources: Sequence[Source], heading: str) -> list[discord.Embed]:
    return _field_pages(
        sources, heading, "The documents cite no sources.", lambda s: source_field(library, s)
    )


def documents_embed(library: Library) -> discord.Embed:
    docs = list(library.documents)
    embed = discord.Embed(
        title="Document set",
        colour=COLOUR,
        description=f"{len(docs)} document(s), loaded "
        f"{discord.utils.format_dt(library.documents.loaded_at, 'R')}.",
    )
    for document in docs[:FIELDS_LIMIT]:
        status = "curated" if document.curated else "**uncurated**"
        value = (
            f"`{document.id}` · {document.size:,} bytes · {len(document.passages)} "
            f"passages · {status}"
        )
        embed.add_field(name=clip(document.title, FIELD_NAME_LIMIT), value=value, inline=False)
    if len(docs) > FIELDS_LIMIT:
        embed.set_footer(text=f"…and {len(docs) - FIELDS_LIMIT} more; see `geobot documents`.")
    return fit(embed)


def help_embed() -> discord.Embed:
    embed = discord.Embed(
        title="geobot",
        colour=COLOUR,
        description=(
            "I answer questions about the articles this community reads, and I always show where "
            "an answer comes from: the document, the section and the source it cites."
        ),
    )
    embed.add_field(
        name="Ask",
        value="`/ask question:` in your own words: "
        "“why did the alliance fail?”. Right-click a message → Apps → "
        "**Ask geobot** to ask with its text.",
        inline=False,
    )
    embed.add_field(
        name="Explore",
        value="`/summary` · `/arguments` · `/quote` · `/sources` · `/documents`",
        inline=False,
    )
    embed.add_field(
        name="Your data",
        value="Questions are logged so moderators can answer "
        "what the documents don't. `/mydata` shows and deletes what is stored "
        "about you.",
        inline=False,
    )
    return embed


def _number(pages: list[discord.Embed]) -> list[discord.Embed]:
    if len(pages) > 1:
        for n, page in enumerate(pages, 1):
            page.set_footer(text=f"Page {n}/{len(pages)}")
    return pages


def embed_as_text(embed: discord.Embed) -> str:
    """How the shell prints an embed: the same words Discord would show."""
    lines = []
    if embed.title:
        lines.append(embed.title)
        lines.append("=" * min(len(embed.title), 80))
    if embed.description:
        lines.append(embed.description)
    for field in embed.fields:
        lines.append("")
        lines.append(f"[{field.name}]")
        lines.append(str(field.value))
    if embed.footer and embed.footer.text:
        lines.append("")
        lines.append(f"— {embed.footer.text}")
    return "\n".join(lines)
