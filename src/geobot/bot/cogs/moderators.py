"""Moderator commands: ``/questions list|show|answer|dismiss|reopen|stats|export|settings|
forget`` and ``/questions faq list|delete``, the notice for flagged questions, and the daily
retention clean-up.

Who may use them: members with Manage Messages server-wide, from their roles
(``default_permissions`` hides the group from everyone else; an overwrite that grants it in
one channel does not count, since the scope is the whole server) or the server's configured
moderator role, and the bot's admins
(GEOBOT_ADMIN_IDS and the application's owner or team). Guild admins can change who sees
the group in Server Settings → Integrations, so every command and every autocomplete checks
again at run time; autocomplete callbacks get no command checks from discord.py, hence the
explicit call in each. ``settings`` needs Manage Server.

Where a command runs decides which questions it touches (the store applies that scope
inside every query):

* in a server: that server's questions, and nothing else;
* in a DM with the bot: the questions asked in DMs, which belong to no server; only bot
  admins may do this, everyone else is refused.

So no option, id, button or file ever reaches across servers, and an id from another server
gets exactly the answer an unknown id gets.

Every store call is blocking database I/O and runs in a worker thread (``log_call``); a
database that is away gets "the question log isn't available right now". Every reply is
ephemeral.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from geobot.bot import render
from geobot.bot.cogs.privacy import (
    Confirm,
    LogUnavailable,
    log_call,
    require_store,
)
from geobot.bot.components import LoggedModal
from geobot.bot.tree import NotPermitted, UserFacingError
from geobot.bot.views import Pages
from geobot.questions.charts import png_available, questions_per_day_png, questions_per_day_text
from geobot.questions.export import export_filename, export_questions
from geobot.questions.faq import FaqEntry
from geobot.questions.models import GuildSettings, Question, QuestionStatus, utcnow
from geobot.questions.store import (
    FaqNotFound,
    InvalidTransition,
    QuestionFilter,
    QuestionNotFound,
    QuestionStore,
    Scope,
    Stats,
)
from geobot.questions.writer import RecordedQuestion

if TYPE_CHECKING:
    from collections.abc import Iterator

    from geobot.bot.client import GeobotBot

log = logging.getLogger("geobot.moderators")

LIST_LIMIT = 200  # questions fetched for one /questions list (the rest: narrow, or export)
LIST_PER_PAGE = 6
ANSWER_MAX = 1500  # leaves room for the question in the asker's notification
NOTICE_TEXT = 300
STATS_DEFAULT_DAYS = 30
CHART_FILENAME = "questions-per-day.png"
MAX_RETENTION_DAYS = 3650

NOT_A_MODERATOR = (
    "This is for the server's moderators: members with Manage Messages or the "
    "moderator role set in `/questions settings`."
)
DM_NOT_ADMIN = (
    "Questions asked in DMs are only for the bot's admins. Moderators: run "
    "`/questions` in your server."
)
NOT_AN_ADMIN = "Only members with Manage Server can view or change geobot's server settings."

StatusChoice = Literal["open", "answered", "dismissed"]
ExportChoice = Literal["csv", "jsonl"]
SETTING_NAMES = {
    "moderator_role": "moderator role",
    "notify_channel": "notify channel",
    "retention_days": "retention",
}


# --- parsing -----------------------------------------------------------------------------


_RELATIVE = re.compile(r"^(\d{1,5})\s*(h|d|w)$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_since(text: str, now: datetime) -> datetime | None:
    """ "7d", "24h", "2w", "2025-01-31", "2025-01-31T08:00" (UTC) or "all" (None)."""
    value = text.strip().lower()
    if value == "all":
        return None
    match = _RELATIVE.match(value)
    if match:
        try:
            return now - int(match[1]) * _UNITS[match[2]]
        except OverflowError:
            pass
    else:
        try:
            parsed = (
                datetime.fromisoformat(value.upper())
                if "t" in value
                else datetime.combine(date.fromisoformat(value), time(), UTC)
            )
        except ValueError:
            parsed = None
        if parsed is not None:
            # Moderators type dates in UTC; Discord shows them in local time afterwards.
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            try:
                # In UTC, as the database compares it: just after 0001-01-01 in a zone east
                # of UTC has no UTC equivalent (an OverflowError later, a "bug" reply).
                parsed = parsed.astimezone(UTC)
            except OverflowError:
                raise UserFacingError(
                    f"`since:{text}` is before the earliest date I can use."
                ) from None
            if parsed > now:
                raise UserFacingError(f"`since:{text}` is in the future.")
            return parsed
    raise UserFacingError(
        f"I can't read `since:{text}`. Use a duration such as `7d`, `24h` or "
        "`2w`, a UTC date such as `2025-01-31`, or `all`."
    )


def parse_question_id(text: str) -> int:
    value = text.strip().lstrip("#").strip()
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    raise UserFacingError(
        f"“{render.escape(render.clip(text, 50))}” is not a question number. "
        "Pick a question from the list, or type its number."
    )


def not_found(question_id: int) -> UserFacingError:
    # One message for ids that do not exist and ids of another server: nothing to probe.
    return UserFacingError(f"There is no question #{question_id} here.")


Step = Literal["answer", "dismiss", "reopen"]
# What each moderation step says when the question is in the wrong state for it.
_WRONG_STATE: dict[Step, str] = {
    "answer": "Question #{qid} is {status}: `/questions reopen` it first to answer it.",
    "dismiss": (
        "Question #{qid} is {status}; only open questions can be dismissed "
        "(`/questions reopen` it first)."
    ),
    "reopen": "Question #{qid} is already open.",
}


@contextlib.contextmanager
def refusals(qid: int, step: Step) -> Iterator[None]:
    """The store's refusals of a moderation step as the one line a moderator sees, the same
    in Discord and in the shell."""
    try:
        yield
    except QuestionNotFound:
        raise not_found(qid) from None
    except InvalidTransition as exc:
        raise UserFacingError(_WRONG_STATE[step].format(qid=qid, status=exc.status)) from None
    except ValueError:
        if step != "answer":
            raise
        raise UserFacingError("The answer is empty.") from None


# --- rendering ---------------------------------------------------------------------------


# What Discord renders as a mention (as in render.escape): @everyone, @here, <@…>, <@&…>.
_MENTION = re.compile(r"@(?=everyone|here)|(?<=<)@")


def inert_mentions(text: str) -> str:
    """Moderators' text keeps its markdown (they format answers on purpose); only mentions
    are broken, so a name or role in an answer shows as text and can never ping."""
    return _MENTION.sub("@\u200b", text)


def _where(bot: GeobotBot, scope: Scope, *, markdown: bool = True) -> str:
    """Where the scope's questions come from; escaped for Discord unless ``markdown`` is off
    (the chart's title is drawn as is)."""
    if scope.guild_id is None:
        return "direct messages"
    guild = bot.get_guild(scope.guild_id)
    if guild is None:
        return "this server"
    return render.escape(guild.name) if markdown else guild.name


def _status(question: Question) -> str:
    if question.status == QuestionStatus.OPEN.value:
        return "waiting for a moderator" if question.flagged else "answered by the bot"
    if question.status == QuestionStatus.ANSWERED.value:
        return "answered by a moderator"
    return "dismissed"


def _place(question: Question) -> str:
    if question.guild_id is None:
        return "a DM"
    return f"<#{question.channel_id}>" if question.channel_id else "an unknown channel"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe_filters(filters: QuestionFilter, since_text: str | None) -> str:
    parts = []
    if filters.status:
        parts.append(f"status {filters.status}")
    if filters.flagged is not None:
        parts.append("flagged" if filters.flagged else "not flagged")
    if filters.user_id is not None:
        parts.append(f"asked by <@{filters.user_id}>")
    if filters.since is not None:
        parts.append(
            f"since {discord.utils.format_dt(filters.since, 'f')}"
            f" ({render.escape(since_text or '')})"
        )
    if filters.text:
        parts.append(f"containing “{render.escape(filters.text)}”")
    return " · ".join(parts) if parts else "all questions"


def list_pages(
    questions: list[Question], total: int, heading: str, filters_text: str
) -> list[discord.Embed]:
    if not questions:
        embed = discord.Embed(
            title=heading, colour=render.COLOUR, description=f"No questions match ({filters_text})."
        )
        return [embed]
    shown = len(questions)
    more = (
        f"\nShowing the newest {shown} of {total}: narrow the filters, or use "
        "`/questions export` for all of them."
        if total > shown
        else ""
    )
    pages = []
    chunks = range(0, shown, LIST_PER_PAGE)
    for number, start in enumerate(chunks, 1):
        embed = discord.Embed(
            title=render.clip(heading, render.TITLE_LIMIT),
            colour=render.COLOUR,
            description=render.clip(
                f"{total} matching: {filters_text}.{more}", render.DESCRIPTION_LIMIT
            ),
        )
        for question in questions[start : start + LIST_PER_PAGE]:
            name = f"#{question.id} · {_status(question)}"
            text = render.escape(render.clip(_one_line(question.text), 250))
            meta = (
                f"<@{question.user_id}> in {_place(question)} · "
                f"{discord.utils.format_dt(question.created_at, 'R')}"
            )
            embed.add_field(
                name=render.clip(name, render.FIELD_NAME_LIMIT),
                value=render.clip(f"{text}\n{meta}", render.FIELD_VALUE_LIMIT),
                inline=False,
            )
        embed.set_footer(
            text=f"Page {number}/{len(chunks)} · /questions show id:<number> for the details"
        )
        pages.append(render.fit(embed))
    return pages


def question_embed(question: Question, helpful: int, unhelpful: int) -> discord.Embed:
    colour = render.COLOUR_MISS if question.flagged else render.COLOUR
    embed = discord.Embed(
        title=f"Question #{question.id}",
        colour=colour,
        description=render.escape(render.clip(question.text, 1800)),
    )
    embed.add_field(name="Status", value=_status(question), inline=True)
    embed.add_field(
        name="Asked by", value=f"<@{question.user_id}> (`{question.user_id}`)", inline=True
    )
    embed.add_field(name="Where", value=_place(question), inline=True)
    embed.add_field(
        name="When",
        value=f"{discord.utils.format_dt(question.created_at, 'f')} "
        f"({discord.utils.format_dt(question.created_at, 'R')})",
        inline=True,
    )
    embed.add_field(name="Votes", value=f"{helpful} helpful · {unhelpful} not helpful", inline=True)
    embed.add_field(name="Command", value=f"`/{render.escape(question.command)}`", inline=True)
    if question.results:
        lines = [
            f"`{render.clip(str(r.get('passage_id')), 80)}` · {_score(r.get('score'))}"
            for r in question.results[:5]
        ]
        verdict = "answered" if question.answered else "no clear answer: flagged for the moderators"
        embed.add_field(
            name=f"Search ({verdict})",
            value=render.clip("\n".join(lines), render.FIELD_VALUE_LIMIT),
            inline=False,
        )
    if question.answer_text:
        embed.add_field(
            name="Moderators' answer",
            value=render.clip(inert_mentions(question.answer_text), render.FIELD_VALUE_LIMIT),
            inline=False,
        )
    if question.resolved_by is not None and question.resolved_at is not None:
        verb = "Answered" if question.status == QuestionStatus.ANSWERED.value else "Dismissed"
        embed.add_field(
            name=verb,
            value=f"by <@{question.resolved_by}> "
            f"{discord.utils.format_dt(question.resolved_at, 'R')}",
            inline=False,
        )
    if question.dismiss_reason:
        embed.add_field(
            name="Reason",
            value=render.escape(render.clip(question.dismiss_reason, 900)),
            inline=False,
        )
    footer = f"Interaction {question.interaction_id}" if question.interaction_id else ""
    if question.digest:
        footer += f"{' · ' if footer else ''}documents {question.digest[:12]}"
    if footer:
        embed.set_footer(text=footer)
    return render.fit(embed)


def _score(value: Any) -> str:
    # The writer stores NaN and infinities as null: JSON has no such numbers.
    return f"{value:.2f}" if isinstance(value, int | float) else "n/a"


def faq_pages(entries: list[FaqEntry], heading: str) -> list[discord.Embed]:
    if not entries:
        return [
            discord.Embed(
                title=render.clip(heading, render.TITLE_LIMIT),
                colour=render.COLOUR_FAQ,
                description="No FAQ entries yet: "
                "add one with `/questions answer … add_to_faq:True`.",
            )
        ]
    pages = []
    chunks = range(0, len(entries), LIST_PER_PAGE)
    count = f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
    for number, start in enumerate(chunks, 1):
        embed = discord.Embed(
            title=render.clip(heading, render.TITLE_LIMIT),
            colour=render.COLOUR_FAQ,
            description=f"{count}. Remove one with `/questions faq delete`.",
        )
        for entry in entries[start : start + LIST_PER_PAGE]:
            source = (
                f" · from question #{entry.source_question_id}" if entry.source_question_id else ""
            )
            question = render.escape(render.clip(_one_line(entry.question), 200))
            name = f"#{entry.id} · {question}"
            value = (
                f"{inert_mentions(render.clip(entry.answer, 700))}\n"
                f"by <@{entry.created_by}> "
                f"{discord.utils.format_dt(entry.created_at, 'R')}{source}"
            )
            embed.add_field(
                name=render.clip(name, render.FIELD_NAME_LIMIT),
                value=render.clip(value, render.FIELD_VALUE_LIMIT),
                inline=False,
            )
        embed.set_footer(text=f"Page {number}/{len(chunks)}")
        pages.append(render.fit(embed))
    return pages


def notification_embed(question: Question, updated: bool) -> discord.Embed:
    title = "The moderators updated their answer" if updated else "The moderators answered"
    embed = discord.Embed(
        title=title,
        colour=render.COLOUR_FAQ,
        description=inert_mentions(question.answer_text or ""),
    )
    embed.add_field(
        name="Your question", value=render.escape(render.clip(question.text, 900)), inline=False
    )
    embed.set_footer(text=f"Question #{question.id} · /ask to ask more · /mydata for your data")
    return render.fit(embed)


def stats_embed(stats: Stats, where: str, period: str, *, chart: bool = True) -> discord.Embed:
    """The numbers, and the chart: the attached PNG, or (``chart`` False: no matplotlib)
    the same per-day counts drawn in text."""
    status = stats.by_status
    bot_answered = status.get("open", 0) - stats.waiting
    embed = discord.Embed(
        title=render.clip(f"Questions in {where}", render.TITLE_LIMIT),
        colour=render.COLOUR,
        description=f"{period}: **{stats.total}** question(s).",
    )
    embed.add_field(
        name="By status",
        value=(
            f"Answered by the bot: {bot_answered}\n"
            f"Waiting for a moderator: {stats.waiting}\n"
            f"Answered by a moderator: {status.get('answered', 0)}\n"
            f"Dismissed: {status.get('dismissed', 0)}"
        ),
        inline=True,
    )
    if stats.helpful_rate is None:
        helpful = "No votes yet."
    else:
        helpful = (
            f"{stats.helpful_rate:.0%} helpful\n({stats.helpful_votes} of {stats.votes} vote(s))"
        )
    embed.add_field(name="Helpful rate", value=helpful, inline=True)
    recent = stats.by_day[-7:]
    if recent:
        days = "\n".join(
            f"{d.day:%a %d %b}: {d.total}" + (f" ({d.waiting} waiting)" if d.waiting else "")
            for d in reversed(recent)
        )
        embed.add_field(name="Last days with questions (UTC)", value=days, inline=True)
    if stats.themes:
        lines = []
        for theme in stats.themes[:5]:
            ids = ", ".join(f"#{i}" for i in theme.question_ids[:5])
            more = "…" if len(theme.question_ids) > 5 else ""
            text = render.escape(render.clip(_one_line(theme.representative), 120))
            lines.append(f"• {theme.count}× “{text}” ({ids}{more})")
        embed.add_field(
            name="Most-asked unanswered themes",
            value=render.clip("\n".join(lines), render.FIELD_VALUE_LIMIT),
            inline=False,
        )
    if chart:
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
    else:
        embed.add_field(
            name="Questions per day (UTC; ▒ waiting for a moderator)",
            value=render.clip(
                f"```\n{questions_per_day_text(stats)}\n```", render.FIELD_VALUE_LIMIT
            ),
            inline=False,
        )
    return render.fit(embed)


Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel


def postable(guild: discord.Guild, channel_id: int, *, embeds: bool = False) -> Postable | None:
    """The channel, if it still exists and the bot may post there (checked first, so a
    missing permission means a fallback rather than a failed request)."""
    channel = guild.get_channel_or_thread(channel_id)
    if not isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
        return None
    perms = channel.permissions_for(guild.me)
    can_send = (
        perms.send_messages_in_threads
        if isinstance(channel, discord.Thread)
        else perms.send_messages
    )
    if not (perms.view_channel and can_send) or (embeds and not perms.embed_links):
        return None
    return channel


def server_permissions(member: discord.Member) -> discord.Permissions:
    """What the member may do server-wide: their roles' permissions, all of them for the
    owner and administrators. Channel overwrites play no part."""
    return member.guild_permissions


def chart_png(stats: Stats, title: str) -> bytes:
    # matplotlib is imported inside: it is slow to import and only this command needs it.
    return questions_per_day_png(stats, title=title)


# --- the cog -----------------------------------------------------------------------------


class Moderators(commands.Cog):
    """The moderators' queue: review, answer, dismiss, export, and the server's settings."""

    questions = app_commands.Group(
        name="questions",
        description="Moderators: review and answer the questions readers asked.",
        default_permissions=discord.Permissions(manage_messages=True),
        # DMs too, but only bot admins get past the check there (DM questions are theirs).
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=False
        ),
        allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
    )

    faq = app_commands.Group(
        name="faq", parent=questions, description="The answers shown first for similar questions."
    )

    def __init__(self, bot: GeobotBot) -> None:
        self.bot = bot
        # Counted for tests and debugging; tests shorten the daily interval with the loop's
        # own ``change_interval``, which also cuts short the sleep already under way.
        self.retention_runs = 0

    async def cog_load(self) -> None:
        self.retention.start()

    async def cog_unload(self) -> None:
        self.retention.cancel()

    # -- who may do what --------------------------------------------------------------------

    async def moderator_scope(self, interaction: discord.Interaction) -> Scope | None:
        """The questions this user may see here, or None for someone who is not a moderator."""
        user = interaction.user
        if interaction.guild_id is None:
            return Scope.bot_admin() if self.bot.is_bot_admin(user) else None
        guild_id = interaction.guild_id
        if self.bot.is_bot_admin(user):
            return Scope.bot_admin(guild_id)
        if not isinstance(user, discord.Member):
            return None
        # Server-wide permissions, from the member's roles (administrators and the owner
        # have all): the scope is the whole server, so Manage Messages granted by one
        # channel's overwrite (interaction.permissions) must not open it.
        if server_permissions(user).manage_messages:
            return Scope.moderator(guild_id)
        if self.bot.store is not None:
            settings = await log_call(self.bot.store.get_guild_settings, Scope.moderator(guild_id))
            role_id = settings.moderator_role_id if settings else None
            if role_id is not None and user.get_role(role_id) is not None:
                return Scope.moderator(guild_id)
        return None

    async def require_moderator(self, interaction: discord.Interaction) -> Scope:
        scope = await self.moderator_scope(interaction)
        if scope is None:  # logged as outcome=forbidden by the command or click's line
            raise NotPermitted(DM_NOT_ADMIN if interaction.guild_id is None else NOT_A_MODERATOR)
        return scope

    @property
    def store(self) -> QuestionStore:
        return require_store(self.bot)

    async def id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Command checks do not run for autocomplete: without this, anyone who can type the
        # command could read question texts from the suggestions.
        try:
            scope = await self.moderator_scope(interaction)
            if scope is None or self.bot.store is None:
                return []
            rows = await log_call(self.bot.store.id_autocomplete, scope, current)
        except LogUnavailable:
            return []  # suggestions cannot say why; the command itself will
        return [app_commands.Choice(name=label, value=str(qid)) for qid, label in rows]

    def _filters(
        self,
        status: str | None,
        flagged: bool | None,
        asker: discord.abc.User | None,
        since: str | None,
        text: str | None,
    ) -> QuestionFilter:
        return QuestionFilter(
            status=status,
            flagged=flagged,
            user_id=asker.id if asker is not None else None,
            since=parse_since(since, utcnow()) if since else None,
            text=(text.strip() or None) if text else None,
        )

    @staticmethod
    async def _defer(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)

    @staticmethod
    async def _say(
        interaction: discord.Interaction, content: str | None = None, **kwargs: Any
    ) -> discord.InteractionMessage:
        kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
        return await interaction.edit_original_response(
            content=render.clip(content, render.CONTENT_LIMIT) if content else None, **kwargs
        )

    @classmethod
    async def _say_pages(cls, interaction: discord.Interaction, pages: list[discord.Embed]) -> None:
        """One page as it is; more behind the asker-only Pages view."""
        if len(pages) == 1:
            await cls._say(interaction, embed=pages[0])
            return
        view = Pages(pages, interaction.user.id)
        view.shown_in(interaction, await cls._say(interaction, embed=pages[0], view=view))

    # -- reading ----------------------------------------------------------------------------

    @questions.command(name="list", description="Questions readers asked, newest first.")
    @app_commands.describe(
        status="open, answered (by a moderator) or dismissed",
        flagged="True: only questions the bot could not answer; False: only those it could",
        asker="Only this member's questions",
        since="Asked since: 7d, 24h, 2w, a UTC date like 2025-01-31, or all",
        text="Words the question contains",
    )
    async def list_questions(
        self,
        interaction: discord.Interaction,
        status: StatusChoice | None = None,
        flagged: bool | None = None,
        asker: discord.User | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
        text: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        scope = await self.require_moderator(interaction)
        filters = self._filters(status, flagged, asker, since, text)
        await self._defer(interaction)
        page = await log_call(self.store.list_questions, scope, filters, limit=LIST_LIMIT)
        pages = list_pages(
            page.items,
            page.total,
            f"Questions in {_where(self.bot, scope)}",
            describe_filters(filters, since),
        )
        await self._say_pages(interaction, pages)

    @questions.command(name="show", description="Everything about one question.")
    @app_commands.rename(question_id="id")
    @app_commands.describe(question_id="The question: type its number or words from it")
    @app_commands.autocomplete(question_id=id_autocomplete)
    async def show(
        self, interaction: discord.Interaction, question_id: app_commands.Range[str, 1, 100]
    ) -> None:
        scope = await self.require_moderator(interaction)
        qid = parse_question_id(question_id)
        await self._defer(interaction)
        question = await log_call(self.store.get_question, scope, qid)
        if question is None:
            raise not_found(qid)
        try:
            votes = await log_call(self.store.get_votes, scope, qid)
        except QuestionNotFound:
            raise not_found(qid) from None  # deleted between the two reads
        await self._say(interaction, embed=question_embed(question, votes.helpful, votes.unhelpful))

    # -- acting -----------------------------------------------------------------------------

    @questions.command(name="answer", description="Answer a question; the asker is told.")
    @app_commands.rename(question_id="id")
    @app_commands.describe(
        question_id="The question: type its number or words from it",
        text="Your answer (leave empty to write a longer one in a form)",
        add_to_faq="Also show this answer first when someone asks something similar",
    )
    @app_commands.autocomplete(question_id=id_autocomplete)
    async def answer(
        self,
        interaction: discord.Interaction,
        question_id: app_commands.Range[str, 1, 100],
        text: app_commands.Range[str, 1, ANSWER_MAX] | None = None,
        add_to_faq: bool = False,
    ) -> None:
        scope = await self.require_moderator(interaction)
        qid = parse_question_id(question_id)
        if text is None:
            # A form allows line breaks, which a slash command option does not.
            question = await log_call(self.store.get_question, scope, qid)
            if question is None:
                raise not_found(qid)
            await interaction.response.send_modal(AnswerForm(self, question, add_to_faq))
            return
        await self._defer(interaction)
        await self.record_answer(interaction, scope, qid, text, add_to_faq)

    async def record_answer(
        self, interaction: discord.Interaction, scope: Scope, qid: int, text: str, add_to_faq: bool
    ) -> None:
        before = await log_call(self.store.get_question, scope, qid)
        if before is None:
            raise not_found(qid)
        with refusals(qid, "answer"):
            result = await log_call(
                self.store.answer_question, scope, qid, text, interaction.user.id, add_to_faq
            )
        question = result.question
        log.info(
            "command=questions answer guild=%s question=%s moderator=%s faq=%s",
            scope.guild_id or "DM",
            qid,
            interaction.user.id,
            result.faq is not None,
        )
        told = await self.notify_asker(
            question, updated=before.status == QuestionStatus.ANSWERED.value
        )
        lines = [
            f"Answered question #{qid}."
            if before.status != QuestionStatus.ANSWERED.value
            else f"Updated the answer to question #{qid}.",
            told,
        ]
        if result.faq is not None:
            lines.append(
                f"Added to the FAQ (entry {result.faq.id}): similar questions now get "
                "this answer first."
            )
        await self._say(interaction, "\n".join(lines))

    async def notify_asker(self, question: Question, *, updated: bool) -> str:
        """Tell the asker where they asked, pinging only them; else by DM. Returns what
        happened, for the moderator."""
        embed = notification_embed(question, updated)
        asker = f"<@{question.user_id}>"
        channel = self._answer_channel(question)
        if channel is not None:
            try:
                await channel.send(
                    content=f"{asker}, the moderators answered your question.",
                    embed=embed,
                    # The asker and no one else: not a role, not @everyone, not a name the
                    # moderator happened to type.
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False,
                        users=[discord.Object(question.user_id)],
                        roles=False,
                        replied_user=False,
                    ),
                )
                return f"{asker} was told in {channel.mention}."
            except discord.HTTPException as exc:
                # Deleted or locked between the check and the send: the DM still works.
                log.warning(
                    "answer notice for question %s not posted in %s: %s",
                    question.id,
                    channel.id,
                    exc,
                )
        try:
            user = self.bot.get_user(question.user_id) or await self.bot.fetch_user(
                question.user_id
            )
            await user.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("answer notice for question %s not delivered by DM: %s", question.id, exc)
            return f"The answer is saved, but I could not tell {asker}: their DMs are closed" + (
                " and I can't post where they asked." if question.guild_id else "."
            )
        if question.guild_id is None:
            return f"{asker} was told by DM."
        return f"{asker} was told by DM (I can no longer post where they asked)."

    def _answer_channel(self, question: Question) -> Postable | None:
        """The channel the question was asked in, if it still exists and the bot may post."""
        if question.guild_id is None or question.channel_id is None:
            return None
        guild = self.bot.get_guild(question.guild_id)
        if guild is None:
            return None
        return postable(guild, question.channel_id, embeds=True)

    @questions.command(name="dismiss", description="Close a question that needs no answer.")
    @app_commands.rename(question_id="id")
    @app_commands.describe(
        question_id="The question: type its number or words from it",
        reason="Why (for the other moderators; the asker is not told)",
    )
    @app_commands.autocomplete(question_id=id_autocomplete)
    async def dismiss(
        self,
        interaction: discord.Interaction,
        question_id: app_commands.Range[str, 1, 100],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        scope = await self.require_moderator(interaction)
        qid = parse_question_id(question_id)
        await self._defer(interaction)
        with refusals(qid, "dismiss"):
            await log_call(self.store.dismiss, scope, qid, interaction.user.id, reason)
        why = f" Reason: {render.escape(reason)}" if reason else ""
        await self._say(interaction, f"Dismissed question #{qid}. The asker is not told.{why}")

    @questions.command(
        name="reopen", description="Put an answered or dismissed question back in the queue."
    )
    @app_commands.rename(question_id="id")
    @app_commands.describe(question_id="The question: type its number or words from it")
    @app_commands.autocomplete(question_id=id_autocomplete)
    async def reopen(
        self, interaction: discord.Interaction, question_id: app_commands.Range[str, 1, 100]
    ) -> None:
        scope = await self.require_moderator(interaction)
        qid = parse_question_id(question_id)
        await self._defer(interaction)
        with refusals(qid, "reopen"):
            await log_call(self.store.reopen, scope, qid)
        await self._say(
            interaction,
            f"Reopened question #{qid}: it is open again, without its "
            "answer. An FAQ entry made from it stays (`/questions faq delete` "
            "removes it).",
        )

    # -- numbers and files ------------------------------------------------------------------

    @questions.command(
        name="stats", description="Counts, helpful rate, unanswered themes and a chart."
    )
    @app_commands.describe(
        since=f"Period: 7d, 24h, 2w, a UTC date, or all (default: {STATS_DEFAULT_DAYS}d)"
    )
    async def stats(
        self, interaction: discord.Interaction, since: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        scope = await self.require_moderator(interaction)
        now = utcnow()
        since = since or f"{STATS_DEFAULT_DAYS}d"
        start = parse_since(since, now)
        await self._defer(interaction)
        stats = await log_call(self.store.stats, scope, start)
        where = _where(self.bot, scope)
        period = (
            "All time"
            if start is None
            else f"Since {discord.utils.format_dt(start, 'D')} ({render.escape(since)})"
        )
        if not png_available():
            await self._say(interaction, embed=stats_embed(stats, where, period, chart=False))
            return
        png = await log_call(
            chart_png, stats, f"Questions per day in {_where(self.bot, scope, markdown=False)}"
        )
        await self._say(
            interaction,
            embed=stats_embed(stats, where, period),
            attachments=[discord.File(io.BytesIO(png), CHART_FILENAME)],
        )

    @questions.command(name="export", description="The questions as a CSV or JSON-lines file.")
    @app_commands.describe(
        format="csv (spreadsheets) or jsonl (one JSON object per line)",
        status="open, answered (by a moderator) or dismissed",
        flagged="True: only questions the bot could not answer; False: only those it could",
        asker="Only this member's questions",
        since="Asked since: 7d, 24h, 2w, a UTC date like 2025-01-31, or all",
        text="Words the question contains",
    )
    async def export(
        self,
        interaction: discord.Interaction,
        format: ExportChoice = "csv",
        status: StatusChoice | None = None,
        flagged: bool | None = None,
        asker: discord.User | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
        text: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        scope = await self.require_moderator(interaction)
        filters = self._filters(status, flagged, asker, since, text)
        await self._defer(interaction)
        count = (await log_call(self.store.list_questions, scope, filters, limit=1)).total
        if count == 0:
            await self._say(
                interaction,
                f"No questions match ({describe_filters(filters, since)}): nothing to export.",
            )
            return
        data = await log_call(export_questions, self.store, scope, filters, format)
        if len(data) > interaction.filesize_limit:
            raise UserFacingError(
                f"The export is {len(data) / 1e6:.1f} MB, more than Discord lets me attach. "
                "Narrow it with `since` or `status`, or ask the bot's operator for "
                "`geobot questions export`."
            )
        name = export_filename(scope, format, utcnow())
        note = (
            " Cells that a spreadsheet would run as a formula start with a `'`."
            if format == "csv"
            else " Discord ids are strings."
        )
        await self._say(
            interaction,
            f"{count} question(s) from {_where(self.bot, scope)} "
            f"({describe_filters(filters, since)}).{note}",
            attachments=[discord.File(io.BytesIO(data), name)],
        )

    # -- server settings and privacy ----------------------------------------------------------

    @questions.command(
        name="settings", description="Server admins: moderator role, notify channel, retention."
    )
    @app_commands.describe(
        moderator_role="Members with this role may use /questions (besides Manage Messages)",
        notify_channel="Where to post a notice when a question needs a moderator",
        retention_days="Delete questions older than this many days (daily clean-up)",
        clear="Remove one setting",
    )
    @app_commands.choices(
        clear=[app_commands.Choice(name=label, value=key) for key, label in SETTING_NAMES.items()]
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        moderator_role: discord.Role | None = None,
        notify_channel: discord.TextChannel | None = None,
        retention_days: app_commands.Range[int, 1, MAX_RETENTION_DAYS] | None = None,
        clear: app_commands.Choice[str] | None = None,
    ) -> None:
        if interaction.guild_id is None or interaction.guild is None:
            raise UserFacingError("Settings belong to a server: run this in the server.")
        user = interaction.user
        if not (isinstance(user, discord.Member) and server_permissions(user).manage_guild):
            raise NotPermitted(NOT_AN_ADMIN)
        scope = Scope.moderator(interaction.guild_id)
        changes: dict[str, int | None] = {}
        if moderator_role is not None:
            if moderator_role.is_default():
                raise UserFacingError(
                    "@everyone can't be the moderator role: every member would see every question."
                )
            changes["moderator_role_id"] = moderator_role.id
        if notify_channel is not None:
            changes["notify_channel_id"] = notify_channel.id
        if retention_days is not None:
            changes["retention_days"] = retention_days
        if clear is not None:
            key = f"{clear.value}_id" if clear.value != "retention_days" else clear.value
            if key in changes:
                raise UserFacingError(f"You both set and cleared the {clear.name}.")
            changes[key] = None
        await self._defer(interaction)
        store = self.store
        current: GuildSettings | None
        if changes:
            current = await log_call(lambda: store.set_guild_settings(scope, **changes))
        else:
            current = await log_call(store.get_guild_settings, scope)
        role_id = current.moderator_role_id if current else None
        channel_id = current.notify_channel_id if current else None
        days = current.retention_days if current else None
        embed = discord.Embed(
            title=f"geobot settings for {_where(self.bot, scope)}",
            colour=render.COLOUR,
            description="Changed." if changes else None,
        )
        embed.add_field(
            name="Moderator role",
            inline=False,
            value=(
                f"<@&{role_id}>, besides members with Manage Messages"
                if role_id
                else "Not set: members with Manage Messages are the moderators."
            ),
        )
        notify = f"<#{channel_id}>" if channel_id else "Not set: no notices."
        if channel_id and postable(interaction.guild, channel_id) is None:
            notify += "\n⚠️ I can't post there: give me View Channel and Send Messages in it."
        embed.add_field(name="Notify channel", value=notify, inline=False)
        if days:
            cutoff = utcnow() - timedelta(days=days)
            older = (
                await log_call(store.list_questions, scope, QuestionFilter(until=cutoff), limit=1)
            ).total
            retention = (
                f"{days} day(s): older questions are deleted once a day. "
                f"{older} question(s) are older than that now."
            )
        else:
            retention = "Not set: questions are kept until deleted."
        embed.add_field(name="Retention", value=retention, inline=False)
        embed.set_footer(
            text="Change with /questions settings moderator_role: notify_channel: "
            "retention_days: clear:"
        )
        await self._say(interaction, embed=embed)

    @questions.command(
        name="forget", description="Delete one member's questions and votes here (asks to confirm)."
    )
    @app_commands.describe(user="The member whose questions and votes to delete")
    async def forget(self, interaction: discord.Interaction, user: discord.User) -> None:
        scope = await self.require_moderator(interaction)
        target = user.id
        count = (
            await log_call(
                self.store.list_questions, scope, QuestionFilter(user_id=target), limit=1
            )
        ).total
        where = _where(self.bot, scope)

        async def forget_them(confirmed: discord.Interaction) -> str:
            # Checked again: the role may be gone since the command, and the scope is the
            # one of the click, which is the same server as the command.
            again = await self.require_moderator(confirmed)
            result = await log_call(self.store.forget_user, again, target)
            log.info(
                "command=questions forget guild=%s moderator=%s questions=%d votes=%d",
                again.guild_id or "DM",
                confirmed.user.id,
                result.questions,
                result.feedback,
            )
            return (
                f"Deleted {result.questions} question(s) <@{target}> asked in {where} and "
                f"{result.feedback} vote(s) of theirs there."
            )

        view = Confirm(interaction.user.id, forget_them, confirm_label="Delete")
        await interaction.response.send_message(
            f"<@{target}> asked {count} question(s) in {where}. Delete them, every vote on "
            "them, and their votes on other questions here? This cannot be undone.",
            view=view,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        view.origin = interaction

    # -- the FAQ ------------------------------------------------------------------------------

    async def faq_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            scope = await self.moderator_scope(interaction)  # no command checks here either
            if scope is None or self.bot.store is None:
                return []
            entries = await log_call(self.bot.store.list_faq, scope)
        except LogUnavailable:
            return []
        typed = current.strip().lstrip("#").casefold()
        found = [
            e
            for e in reversed(entries)  # newest first
            if not typed
            or str(e.id).startswith(typed)
            or typed in e.question.casefold()
            or typed in e.answer.casefold()
        ]
        return [
            app_commands.Choice(
                name=render.clip(f"#{e.id} · {_one_line(e.question)}", 100), value=str(e.id)
            )
            for e in found[:25]
        ]

    @faq.command(name="list", description="The FAQ entries, newest first.")
    async def faq_list(self, interaction: discord.Interaction) -> None:
        scope = await self.require_moderator(interaction)
        await self._defer(interaction)
        entries = list(reversed(await log_call(self.store.list_faq, scope)))
        pages = faq_pages(entries, f"FAQ of {_where(self.bot, scope)}")
        await self._say_pages(interaction, pages)

    @faq.command(name="delete", description="Stop showing one FAQ answer.")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The FAQ entry: type its number or words from it")
    @app_commands.autocomplete(entry_id=faq_autocomplete)
    async def faq_delete(
        self, interaction: discord.Interaction, entry_id: app_commands.Range[str, 1, 100]
    ) -> None:
        scope = await self.require_moderator(interaction)
        fid = parse_question_id(entry_id)
        await self._defer(interaction)
        try:
            entry = await log_call(self.store.delete_faq, scope, fid)
        except FaqNotFound:
            # As for questions: another server's entry reads exactly like a missing one.
            raise UserFacingError(f"There is no FAQ entry #{fid} here.") from None
        log.info(
            "command=questions faq delete guild=%s entry=%s moderator=%s",
            scope.guild_id or "DM",
            fid,
            interaction.user.id,
        )
        question = render.escape(render.clip(_one_line(entry.question), 200))
        await self._say(
            interaction,
            f"Deleted FAQ entry #{fid} (“{question}”). Readers no "
            "longer get its answer; the question it came from is unchanged.",
        )

    # -- events and background work ---------------------------------------------------------

    @commands.Cog.listener()
    async def on_geobot_flagged_question(
        self, interaction: discord.Interaction, recorded: RecordedQuestion
    ) -> None:
        """Post a short notice in the server's notify channel, if one is set."""
        guild = interaction.guild
        if guild is None or interaction.guild_id is None or self.bot.store is None:
            return  # DMs have no notify channel
        store, scope = self.bot.store, Scope.moderator(interaction.guild_id)
        try:
            settings = await log_call(store.get_guild_settings, scope)
            if settings is None or settings.notify_channel_id is None:
                return
            question = (
                await log_call(store.get_question, scope, recorded.id)
                if recorded.id is not None
                else None
            )
            channel = postable(guild, settings.notify_channel_id)
            if channel is None:
                log.warning(
                    "guild=%s notify channel %s is gone or closed to the bot",
                    guild.id,
                    settings.notify_channel_id,
                )
                return
            await channel.send(
                self._notice(interaction, recorded, question),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except LogUnavailable:
            return  # an outage, logged as one by log_call
        except Exception:
            # A notice is a convenience; it must never break anything else.
            log.exception("guild=%s could not post the flagged-question notice", guild.id)

    def _notice(
        self,
        interaction: discord.Interaction,
        recorded: RecordedQuestion,
        question: Question | None,
    ) -> str:
        if question is not None:
            text = question.text
        else:  # spooled: not in the database yet, so the text comes from the command
            text = str(getattr(interaction.namespace, "question", "") or "")
        label = f"#{recorded.id}" if recorded.id is not None else "(being saved)"
        lines = [
            f"❓ Question {label} needs a moderator: <@{interaction.user.id}> in "
            f"<#{interaction.channel_id}>"
        ]
        if text:
            lines.append("> " + render.escape(render.clip(_one_line(text), NOTICE_TEXT)))
        faq = self.bot.faq.best(interaction.guild_id, text) if self.bot.faq and text else None
        if faq is not None:
            lines.append(
                f"The reader was shown the FAQ answer to “"
                f"{render.escape(render.clip(_one_line(faq.entry.question), 100))}”."
            )
        if recorded.id is not None:
            lines.append(
                f"`/questions answer id:{recorded.id}` or `/questions dismiss id:{recorded.id}`"
            )
        return render.clip("\n".join(lines), render.CONTENT_LIMIT)

    @tasks.loop(hours=24)
    async def retention(self) -> None:
        """Delete questions older than each server's retention; first run at start-up."""
        if self.bot.store is None:
            return
        try:
            deleted = await log_call(self.bot.store.apply_retention)
        except LogUnavailable:
            return  # an outage, logged as one; the next daily run tries again
        except Exception:
            # An unhandled error would stop the loop for good; try again next time instead.
            log.exception("retention clean-up failed; retrying at the next run")
            return
        finally:
            self.retention_runs += 1
        for guild_id, count in deleted.items():
            log.info("retention guild=%s deleted=%d", guild_id, count)


class AnswerForm(LoggedModal):
    """The long form of /questions answer. Submitting checks permission and scope again."""

    def __init__(self, cog: Moderators, question: Question, add_to_faq: bool) -> None:
        super().__init__(title=render.clip(f"Answer question #{question.id}", 45))
        assert question.id is not None
        self.cog = cog
        self.question_id = question.id
        self.add_to_faq = add_to_faq
        self.text: discord.ui.TextInput[AnswerForm] = discord.ui.TextInput(
            label="Your answer (the asker is told)",
            style=discord.TextStyle.paragraph,
            max_length=ANSWER_MAX,
            placeholder=render.clip(_one_line(question.text), 100),
            default=question.answer_text,
        )
        self.add_item(self.text)

    async def submitted(self, interaction: discord.Interaction) -> None:
        scope = await self.cog.require_moderator(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.cog.record_answer(
            interaction, scope, self.question_id, self.text.value, self.add_to_faq
        )


async def setup(bot: GeobotBot) -> None:
    await bot.add_cog(Moderators(bot))
