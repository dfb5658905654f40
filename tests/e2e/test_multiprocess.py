"""Two real `geobot run` processes, one shard each, on one PostgreSQL database.

This is the deployment the README's "Deployment" section describes, run for real: the
Discord double (in this test's event loop, listening on a real port) plays Discord with
two shards; two subprocesses run `python -m geobot run` with GEOBOT_SHARD_COUNT=2 and
GEOBOT_SHARD_IDS=0 and 1, a shared data folder, their own state folders and one fresh
PostgreSQL schema. Each guild lives on one shard ((guild_id >> 22) % 2), and the double
routes its interactions to the session of that shard, so every interaction below reaches
exactly one of the two processes.

What it proves:
- questions asked in either guild land in the one shared log (`geobot questions list
  --json`, the operators' CLI, reads both);
- /status in either process lists both processes as live, and each process answers only
  for its own shard;
- /reload through one process is served by both: the reply names both processes as
  having taken the new set, and an /ask in the other process's guild finds the new
  document within 5 s;
- SIGHUP to one process reloads both.

Skipped (with the reason shown by `pytest -ra`) when GEOBOT_TEST_POSTGRES_URL is unset:
SQLite would work for two processes on one machine, but the point of sharding is many
machines, and those share PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from discord_double import DiscordDouble, Guild, User
from geobot.fleet import Fleet
from geobot.questions.db import upgrade

PG_ENV = "GEOBOT_TEST_POSTGRES_URL"
PG_URL = os.environ.get(PG_ENV, "").strip() or None
REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
SHARDS = 2
START_TIMEOUT = 25.0  # both processes: import, load the set, migrate, sync, connect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        PG_URL is None,
        reason=f"two-process test skipped: set {PG_ENV}="
        "postgresql+psycopg://user@host/db (sharded processes share PostgreSQL)",
    ),
]

BALTIC = (
    "baltic-notes",
    "Baltic Notes\n\nEstonia doubled its drone budget in one winter, "
    "and Latvia bought radars for its eastern border.\n",
)
ARCTIC = (
    "arctic-notes",
    "Arctic Notes\n\nNorway moved a frigate squadron to Tromsø after "
    "the icebreaker incident near Svalbard.\n",
)


# -- a fresh PostgreSQL schema (the approach of tests/questions/conftest.py) -------------------


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    import psycopg

    assert PG_URL is not None
    schema = f"geobot_mp_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(_libpq(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- the two bot processes -----------------------------------------------------------------


@dataclass
class BotProcess:
    shard: int
    proc: asyncio.subprocess.Process
    log: Path

    @property
    def label_suffix(self) -> str:
        # fleet.process_label: "host:pid/shards:N"
        return f":{self.proc.pid}/shards:{self.shard}"

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _env(
    double: DiscordDouble, database_url: str, data: Path, state: Path, shard: int
) -> dict[str, str]:
    # Start from a clean environment: a developer's own DATABASE_URL or token must not leak
    # into the processes under test.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GEOBOT_") and k not in ("DATABASE_URL", "DISCORD_TOKEN")
    }
    env.update(double.env())
    env.update(
        {
            "DATABASE_URL": database_url,
            "GEOBOT_DATA": str(data),
            "GEOBOT_STATE_DIR": str(state),
            "GEOBOT_SHARD_COUNT": str(SHARDS),
            "GEOBOT_SHARD_IDS": str(shard),
            "GEOBOT_LOG_LEVEL": "INFO",
            # The test asks many questions as one user; the cooldown is tested elsewhere.
            "GEOBOT_ASK_RATE": "100",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


async def _stop(bot: BotProcess) -> None:
    """SIGINT first (a clean discord.py close), SIGKILL if it hangs; always reaped."""
    if bot.proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        bot.proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(bot.proc.wait(), 5)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            bot.proc.kill()
        await bot.proc.wait()


# -- the world: one guild per shard ---------------------------------------------------------


def guild_on_shard(double: DiscordDouble, name: str, shard: int) -> Guild:
    guild_id = double.new_id()
    while (guild_id >> 22) % SHARDS != shard:
        guild_id += 1 << 22  # the next millisecond: moves the shard, keeps it a snowflake
    guild = double.add_guild(name, guild_id=guild_id)
    double.add_text_channel(guild, "general")
    return guild


def message_text(message: Any) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


@dataclass
class Deployment:
    double: DiscordDouble
    database_url: str
    data: Path
    bots: list[BotProcess]
    guilds: list[Guild]  # guilds[i] lives on shard i
    reader: User

    async def slash(
        self, name: str, options: dict[str, Any], guild: Guild, user: User | None = None
    ) -> str:
        handle = await self.double.slash(name, options, user=user or self.reader, guild=guild)
        async with asyncio.timeout(10):
            return message_text(await handle.reply())

    async def ask(self, question: str, guild: Guild) -> str:
        return await self.slash("ask", {"question": question}, guild)

    async def admin(self, name: str, guild: Guild) -> str:
        # The application's owner is a bot admin in every process (setup_hook).
        return await self.slash(name, {}, guild, user=self.double.owner)

    def fleet(self) -> Fleet:
        return Fleet(self.database_url, "test-observer")


def add_document(data: Path, doc: tuple[str, str]) -> None:
    # As the README tells operators: write aside, then rename into place.
    doc_id, text = doc
    tmp = data / f".{doc_id}.txt.part"
    tmp.write_text(text, "utf-8")
    tmp.replace(data / f"{doc_id}.txt")


async def wait_for(predicate: Any, within: float, what: str, bots: list[BotProcess]) -> None:
    deadline = time.monotonic() + within
    while True:
        if await predicate():
            return
        dead = [b for b in bots if b.proc.returncode is not None]
        if dead or time.monotonic() > deadline:
            logs = "\n\n".join(
                f"--- shard {b.shard} (exit {b.proc.returncode}) ---\n{b.tail()}" for b in bots
            )
            pytest.fail(f"timed out waiting for {what}\n{logs}", pytrace=False)
        await asyncio.sleep(0.1)


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    for path in data.iterdir():
        path.chmod(0o644)
    with fresh_schema() as database_url:
        # Migrated up front so the test's own Fleet can read it; the processes upgrade
        # again at start (a no-op), as they would in production.
        await asyncio.to_thread(upgrade, database_url)
        double = DiscordDouble(shard_count=SHARDS)
        await double.start()
        guilds = [guild_on_shard(double, f"Shard {n} Readers", n) for n in range(SHARDS)]
        reader = double.add_user("reader")
        for guild in guilds:
            guild.add_member(reader)
        bots: list[BotProcess] = []
        try:
            for shard in range(SHARDS):
                log = tmp_path / f"bot-{shard}.log"
                with log.open("wb") as out:
                    proc = await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "geobot",
                        "run",
                        # cwd without a .env: only the environment below configures it.
                        cwd=tmp_path,
                        stdin=asyncio.subprocess.DEVNULL,
                        stdout=out,
                        stderr=asyncio.subprocess.STDOUT,
                        env=_env(double, database_url, data, tmp_path / f"state-{shard}", shard),
                    )
                bots.append(BotProcess(shard, proc, log))
            deploy = Deployment(double, database_url, data, bots, guilds, reader)
            fleet = deploy.fleet()

            async def ready() -> bool:
                sessions = {s.shard_id for s in double._live_sessions() if s.connected}
                if sessions != set(range(SHARDS)):
                    return False
                live = await asyncio.to_thread(fleet.live)
                return len(live) == SHARDS

            try:
                await wait_for(ready, START_TIMEOUT, "both shards connected and heartbeating", bots)
            finally:
                fleet.close()
            yield deploy
        finally:
            await asyncio.gather(*(_stop(b) for b in bots))
            for bot in bots:
                # Shown by pytest only when the test failed: what each process logged.
                print(f"--- shard {bot.shard} (exit {bot.proc.returncode}) ---\n{bot.tail()}")
            await double.settle(timeout=2)
            await double.stop()
    problems = double.problems()
    assert not problems, "the Discord double recorded problems:\n" + "\n".join(problems)


async def test_two_sharded_processes_share_the_log_the_status_and_reloads(
    deployment: Deployment,
) -> None:
    d = deployment
    guild_a, guild_b = d.guilds
    bot_a, bot_b = d.bots

    # Each guild is served by the process of its shard: /status says which process
    # answered (the arrow) and which shard it runs.
    for guild, me, other in ((guild_a, bot_a, bot_b), (guild_b, bot_b, bot_a)):
        status = await d.admin("status", guild)
        assert f"Shards: {me.shard} of {SHARDS}" in status
        assert f"Processes ({SHARDS})" in status
        lines = status.splitlines()
        assert any("→ " in line and me.label_suffix in line for line in lines), status
        assert any("→ " not in line and other.label_suffix in line for line in lines), status
        assert "Questions (postgresql)" in status

    # One log for both processes: the operators' CLI sees the questions of both guilds.
    await d.ask("What did Mike Lee say about NATO?", guild_a)
    await d.ask("Why does the Strait of Hormuz matter?", guild_b)
    cli = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "geobot",
        "questions",
        "list",
        "--json",
        "--database-url",
        d.database_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(cli.communicate(), 20)
    assert cli.returncode == 0, err.decode()
    listed = {(q["guild_id"], q["text"]) for q in json.loads(out)["items"]}
    assert (str(guild_a.id), "What did Mike Lee say about NATO?") in listed
    assert (str(guild_b.id), "Why does the Strait of Hormuz matter?") in listed

    # /reload through process A is served by process B too.
    assert "Baltic Notes" not in await d.ask("Which country doubled its drone budget?", guild_b)
    add_document(d.data, BALTIC)
    started = time.monotonic()
    reply = await d.admin("reload", guild_a)
    assert "Added: baltic-notes" in reply, reply
    took = [line for line in reply.splitlines() if "took the new set" in line]
    assert len(took) == SHARDS, reply
    assert {bot_a.label_suffix, bot_b.label_suffix} == {
        b.label_suffix for b in d.bots if any(b.label_suffix in line for line in took)
    }
    answer = await d.ask("Which country doubled its drone budget?", guild_b)
    elapsed = time.monotonic() - started
    assert "Baltic Notes" in answer, answer
    assert elapsed < 5.0, f"the other process served the new document after {elapsed:.1f} s"

    # SIGHUP to process B (the operator's reload, e.g. systemctl reload) reloads both.
    add_document(d.data, ARCTIC)
    fleet = d.fleet()
    try:
        before = await asyncio.to_thread(fleet.latest_request)
        started = time.monotonic()
        bot_b.proc.send_signal(signal.SIGHUP)
        found: dict[int, str] = {}

        async def both_serve_arctic() -> bool:
            for guild in (guild_a, guild_b):
                if guild.id not in found:
                    text = await d.ask("Where did Norway move a frigate squadron?", guild)
                    if "Arctic Notes" in text:
                        found[guild.id] = text
            return len(found) == SHARDS

        await wait_for(both_serve_arctic, 6.0, "both processes serving the SIGHUP reload", d.bots)
        assert time.monotonic() - started < 6.0
        request = await asyncio.to_thread(fleet.latest_request)
        assert request > before
        results = await asyncio.to_thread(fleet.results, request)
        # One answer per process on the bus, each having taken the same new set.
        assert len(results) == SHARDS, results
        assert all(r.ok for r in results), results
        assert len({r.digest for r in results}) == 1
        assert any(bot_b.label_suffix in (r.process or "") for r in results)
        assert any(bot_a.label_suffix in (r.process or "") for r in results)
    finally:
        fleet.close()

    # Both processes are still up and well.
    assert all(b.proc.returncode is None for b in d.bots)
