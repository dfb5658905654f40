"""A small default world: one guild with a public and a moderators-only channel."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Channel, Guild, Overwrite, Perm, Role, User
from .server import DiscordDouble


@dataclass(frozen=True, slots=True)
class World:
    guild: Guild
    general: Channel
    mod_log: Channel  # hidden from @everyone; moderators and the bot can see it
    moderator: Role
    alice: User  # an ordinary member
    bob: User  # a moderator (MANAGE_MESSAGES, MANAGE_GUILD)
    carol: User  # shares no guild with the bot; can only reach it in DMs


def build_world(double: DiscordDouble, name: str = "Geopolitics Readers") -> World:
    """Seed ``double`` with the default world; alice becomes ``double.default_user``."""
    guild = double.add_guild(name)
    moderator = guild.add_role(
        "Moderator", Perm.MANAGE_MESSAGES | Perm.MANAGE_GUILD | Perm.KICK_MEMBERS
    )
    bot_role = next(r for r in guild.roles if r.managed)
    general = double.add_text_channel(guild, "general", topic="Ask about the articles here")
    mod_log = double.add_text_channel(
        guild,
        "mod-log",
        overwrites=[
            Overwrite.for_role(guild.everyone, deny=Perm.VIEW_CHANNEL),
            Overwrite.for_role(moderator, allow=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES),
            Overwrite.for_role(
                bot_role, allow=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS
            ),
        ],
    )
    alice = double.add_user("alice")
    bob = double.add_user("bob")
    carol = double.add_user("carol")
    guild.add_member(alice)
    guild.add_member(bob, [moderator])
    double.default_user = alice
    return World(guild, general, mod_log, moderator, alice, bob, carol)
