"""Every reader command and option, through the double, against the real bot and log."""

from __future__ import annotations

from readers_support import (
    ALLIANCE,
    ANSWERED_QUESTION,
    NEW_WORLD_ORDER,
    buttons,
    embed,
    field_names,
    footer,
    is_ephemeral,
    logged,
    logged_one,
    polite_refusal,
    visible_reply,
)

from discord_double import DiscordDouble, World
from geobot.bot.client import GeobotBot
from geobot.commands import READERS
from geobot.library import Library
from geobot.questions.store import QuestionStore, Scope

# -- /ask -------------------------------------------------------------------------------


async def test_ask_answers_publicly_with_sources_and_logs_the_question(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    handle = await discord_double.slash(
        "ask", {"question": ANSWERED_QUESTION}, user=discord_world.alice, guild=discord_world.guild
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 5  # deferred first: the search runs after the ack
    message = await visible_reply(handle)
    assert not is_ephemeral(message)
    first = embed(message)
    assert ANSWERED_QUESTION in first["title"]
    assert "a great deal for Europe" in first["fields"][0]["value"]
    assert "*Source:" in first["fields"][0]["value"]  # every passage says where it is from
    assert {"Helpful", "Not helpful", "More results"} <= set(buttons(message))

    row = logged_one(question_store, handle.id, discord_world.guild.id)
    assert row.text == ANSWERED_QUESTION
    assert row.command == "ask"
    assert row.answered is True
    assert row.flagged is False
    assert row.user_id == discord_world.alice.id
    assert row.channel_id == discord_world.general.id
    assert row.guild_id == discord_world.guild.id
    assert 1 <= len(row.results) <= 5
    assert all(r["passage_id"].count(":") == 1 for r in row.results)
    assert row.results == sorted(row.results, key=lambda r: -r["score"])
    assert row.digest == geobot.library.documents.digest


async def test_ask_says_when_nothing_is_found_and_flags_the_question(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    handle = await discord_double.slash(
        "ask", {"question": "xq zzv"}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert "I couldn't find this in the documents" in embed(message)["description"]
    assert field_names(message) == []
    assert "More results" not in buttons(message)
    row = logged_one(question_store, handle.id, discord_world.guild.id)
    assert row.answered is False
    assert row.flagged is True
    assert row.results == []


async def test_ask_without_a_clear_answer_shows_the_closest_passages(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    question = "What is the best football team in Brazil?"
    handle = await discord_double.slash(
        "ask", {"question": question}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert "I couldn't find a clear answer" in embed(message)["description"]
    row = logged_one(question_store, handle.id, discord_world.guild.id)
    assert row.answered is False
    # The closest passages are shown, and logged (up to LOGGED_RESULTS, past one page).
    assert 0 < len(field_names(message)) <= len(row.results)


async def test_ask_in_one_document(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    bundled_library: Library,
    question_store: QuestionStore,
) -> None:
    title = bundled_library.get(NEW_WORLD_ORDER).title
    handle = await discord_double.slash(
        "ask",
        {"question": "Why did the alliance fall apart?", "document": NEW_WORLD_ORDER},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    message = await visible_reply(handle)
    names = field_names(message)
    assert names
    assert all(title in name for name in names)
    row = logged_one(question_store, handle.id, discord_world.guild.id)
    assert all(r["passage_id"].startswith(NEW_WORLD_ORDER + ":") for r in row.results)


async def test_ask_accepts_a_document_by_its_title(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    handle = await discord_double.slash(
        "ask",
        {"question": "Why did the alliance fall apart?", "document": "new world ordr"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    message = await visible_reply(handle)
    title = bundled_library.get(NEW_WORLD_ORDER).title
    assert all(title in name for name in field_names(message))


async def test_ask_with_an_unknown_document_is_refused_privately(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    handle = await discord_double.slash(
        "ask",
        {"question": "Why NATO?", "document": "collected poems of Zbigniew"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    text = await polite_refusal(handle)
    assert "No document matches" in text
    assert "Zbigniew" in text
    assert logged(question_store, discord_world.guild.id) == []


# -- the "Ask geobot" message context menu -------------------------------------------------


async def test_ask_geobot_on_a_message_asks_its_text(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    posted = await discord_double.user_message(
        discord_world.bob, discord_world.general, ANSWERED_QUESTION
    )
    handle = await discord_double.context_menu(
        "Ask geobot", message=posted, user=discord_world.alice
    )
    assert (await handle.response(timeout=3)).type == 5
    message = await visible_reply(handle)
    assert ANSWERED_QUESTION in embed(message)["title"]
    assert "a great deal for Europe" in embed(message)["fields"][0]["value"]
    row = logged_one(question_store, handle.id, discord_world.guild.id)
    assert row.command == "context-menu"
    assert row.text == ANSWERED_QUESTION
    assert row.user_id == discord_world.alice.id  # who asked, not who wrote the message


async def test_ask_geobot_on_an_empty_message_answers_politely_and_privately(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    posted = await discord_double.user_message(
        discord_world.bob,
        discord_world.general,
        "",
        embeds=[{"title": "a link preview", "description": "no text in the message itself"}],
    )
    handle = await discord_double.context_menu(
        "Ask geobot", message=posted, user=discord_world.alice
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["flags"] & 64
    assert "no text" in callback.data["content"]
    assert logged(question_store, discord_world.guild.id) == []


# -- exploring ------------------------------------------------------------------------------


async def test_summary_of_one_document(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    document = bundled_library.get(ALLIANCE)
    handle = await discord_double.slash(
        "summary",
        {"document": "alliance unraveled"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 4  # answered at once: nothing to search
    message = await visible_reply(handle)
    card = embed(message)
    assert card["title"] == document.title
    assert document.summary is not None
    assert card["description"] == document.summary
    assert {"Key facts", "Sections", "Go further"} <= set(field_names(message))
    assert footer(message) == f"Document id: {ALLIANCE}"


async def test_summary_of_all_documents(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    handle = await discord_double.slash(
        "summary", user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == "The documents"
    assert field_names(message) == [d.title for d in bundled_library.documents]
    values = [f["value"] for f in embed(message)["fields"]]
    assert all(f"`{d.id}`" in v for d, v in zip(bundled_library.documents, values, strict=True))


async def test_summary_of_an_unknown_document_is_refused_privately(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "summary", {"document": "qqqqqq wwwww"}, user=discord_world.alice, guild=discord_world.guild
    )
    callback = await handle.response(timeout=3)
    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["flags"] & 64
    assert "No document matches “qqqqqq wwwww”" in callback.data["content"]


async def test_arguments_of_a_document(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    document = bundled_library.get(ALLIANCE)
    handle = await discord_double.slash(
        "arguments", {"document": ALLIANCE}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == f"Key arguments · {document.title}"
    rendered = READERS["arguments"].run(bundled_library, {"document": ALLIANCE})
    assert field_names(message) == [f.name for f in rendered[0].fields]
    assert field_names(message)[0] == document.arguments[0].claim
    assert footer(message) == f"Page 1/{len(rendered)}"
    # Every argument shows its evidence quoted from the article.
    first_evidence = document.arguments[0].evidence[0].text
    assert first_evidence[:60] in embed(message)["fields"][0]["value"]


async def test_arguments_about_a_topic(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    expected = [a.claim for a in bundled_library.find_arguments(topic="sanctions")]
    assert expected
    handle = await discord_double.slash(
        "arguments", {"topic": "sanctions"}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == "Key arguments · about “sanctions”"
    first_page = READERS["arguments"].run(bundled_library, {"topic": "sanctions"})[0]
    assert field_names(message) == [f.name for f in first_page.fields]
    assert field_names(message) == expected[: len(first_page.fields)]


async def test_arguments_about_nothing_known(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "arguments", {"topic": "xylophone"}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["description"] == "No arguments match."
    assert buttons(message) == {}


async def test_quote_by_text(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "quote", {"text": "raw deal"}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == "Quotes matching “raw deal”"
    assert field_names(message)[0] == "“a raw deal for America” — Mike Lee"


async def test_quote_by_speaker(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "quote", {"speaker": "Craig Unger"}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == "Quotes by Craig Unger"
    assert field_names(message) == ["“absolutely convinced” — Craig Unger"]


async def test_quote_by_text_and_speaker(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "quote",
        {"text": "deal", "speaker": "Mike Lee"},
        user=discord_world.alice,
        guild=discord_world.guild,
    )
    message = await visible_reply(handle)
    names = field_names(message)
    assert names
    assert all(name.endswith("— Mike Lee") for name in names)


async def test_titles_terms_and_scare_quotes_are_nobodys_words(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    not_words = [q for q in bundled_library.quotes if not q.kind.is_words_of_someone]
    assert {q.kind.value for q in not_words} == {"title", "term", "scare"}
    labels = {
        "title": "(the title of a work)",
        "term": "(a named concept)",
        "scare": "(scare quotes, nobody's words)",
    }
    speakers = set(bundled_library.speakers)
    for quote in {q.text: q for q in not_words}.values():
        handle = await discord_double.slash(
            "quote", {"text": quote.text[:200]}, user=discord_world.alice, guild=discord_world.guild
        )
        message = await visible_reply(handle)
        name = next(n for n in field_names(message) if n.startswith(f"“{quote.text}”"))
        assert name == f"“{quote.text}” {labels[quote.kind.value]}"
        assert "—" not in name
        assert not any(speaker in name for speaker in speakers)


async def test_quote_by_an_unknown_speaker(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash(
        "quote", {"speaker": "Nobody Atall"}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["description"] == "No quotes match."


async def test_sources_of_all_and_of_one_document(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    every = bundled_library.find_sources()
    handle = await discord_double.slash(
        "sources", user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == "Sources"
    assert footer(message) == f"Page 1/{len(READERS['sources'].run(bundled_library, {}))}"
    first = every[0]
    assert field_names(message)[0].startswith(f"{first.label} ({first.kind})")

    uncited = bundled_library.get(ALLIANCE)
    assert bundled_library.find_sources(ALLIANCE) == []
    handle = await discord_double.slash(
        "sources", {"document": ALLIANCE}, user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    assert embed(message)["title"] == f"Sources · {uncited.title}"
    assert embed(message)["description"] == "The documents cite no sources."


async def test_documents(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World, bundled_library: Library
) -> None:
    handle = await discord_double.slash(
        "documents", user=discord_world.alice, guild=discord_world.guild
    )
    message = await visible_reply(handle)
    card = embed(message)
    assert card["title"] == "Document set"
    assert card["description"].startswith(f"{len(bundled_library)} document(s), loaded <t:")
    for document, field in zip(bundled_library.documents, card["fields"], strict=True):
        assert field["name"] == document.title
        assert f"`{document.id}`" in field["value"]
        assert "curated" in field["value"]


async def test_help_is_private(
    geobot: GeobotBot, discord_double: DiscordDouble, discord_world: World
) -> None:
    handle = await discord_double.slash("help", user=discord_world.alice, guild=discord_world.guild)
    message = await visible_reply(handle)
    assert is_ephemeral(message)
    assert embed(message)["title"] == "geobot"
    assert {"Ask", "Explore"} <= set(field_names(message))


# -- DMs ------------------------------------------------------------------------------------


async def test_every_reader_command_works_in_a_dm(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    carol = discord_world.carol  # shares no guild with the bot
    handle = await discord_double.slash("ask", {"question": ANSWERED_QUESTION}, user=carol)
    message = await visible_reply(handle)
    assert message.channel.is_dm
    assert "a great deal for Europe" in embed(message)["fields"][0]["value"]
    row = logged_one(question_store, handle.id, None)
    assert row.guild_id is None
    assert row.user_id == carol.id
    assert logged(question_store, discord_world.guild.id) == []

    for name, options in [
        ("summary", {}),
        ("arguments", {"topic": "NATO"}),
        ("quote", {"speaker": "Mike Lee"}),
        ("sources", {}),
        ("documents", {}),
        ("help", {}),
    ]:
        handle = await discord_double.slash(name, options, user=carol)
        message = await visible_reply(handle)
        assert message.embeds, f"/{name} in a DM sent no embed"

    posted = await discord_double.user_message(
        carol, discord_double.dm_channel(carol), ANSWERED_QUESTION
    )
    handle = await discord_double.context_menu("Ask geobot", message=posted, user=carol)
    await visible_reply(handle)
    assert logged_one(question_store, handle.id, None).command == "context-menu"


# -- the moderators' FAQ --------------------------------------------------------------------


async def test_a_faq_answer_leads_in_its_own_guild_and_the_dm_faq_in_dms(
    geobot: GeobotBot,
    discord_double: DiscordDouble,
    discord_world: World,
    question_store: QuestionStore,
) -> None:
    question = "Is NATO finished?"
    question_store.add_faq(
        Scope.moderator(discord_world.guild.id),
        question,
        "Not yet: see **the pinned thread**.",
        discord_world.bob.id,
    )
    question_store.add_faq(
        Scope.bot_admin(), question, "Ask in the server for the long answer.", None
    )

    handle = await discord_double.slash(
        "ask", {"question": "is nato finished"}, user=discord_world.alice, guild=discord_world.guild
    )
    description = embed(await visible_reply(handle))["description"]
    assert description.startswith("**Moderators' answer**")
    assert r"Not yet: see \*\*the pinned thread\*\*." in description

    handle = await discord_double.slash(
        "ask", {"question": "Is NATO finished?"}, user=discord_world.carol
    )
    description = embed(await visible_reply(handle))["description"]
    assert "Ask in the server for the long answer." in description
    assert "pinned thread" not in description  # one guild's FAQ never leaks into DMs
