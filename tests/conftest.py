"""Shared pytest configuration: the Discord double's fixtures (see tests/discord_double)."""

from discord_double.fixtures import discord_double, discord_world, start_bot

__all__ = ["discord_double", "discord_world", "start_bot"]
