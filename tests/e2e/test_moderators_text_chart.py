"""/questions stats without the ``charts`` extra: the per-day chart in text, no attachment.

matplotlib (about 99 MB with its dependencies) is optional; a server installed without it
still gets the chart, drawn with block characters in the embed. Imports of matplotlib are
blocked here the way Python itself does it (a None in sys.modules).
"""

from __future__ import annotations

import sys

import pytest
from test_moderators import FLAGGED, Mods

# The shared fixtures, imported by name so that pytest finds them for this module too.
from test_moderators import library as library
from test_moderators import mods as mods
from test_moderators import mods_settings as mods_settings


async def test_stats_without_matplotlib_draws_the_chart_in_text(
    mods: Mods, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    _, message = await mods.run("stats", user=mods.world.bob, guild=mods.guild)
    assert message.ephemeral
    assert message.files == []
    embed = message.embeds[0]
    assert "image" not in embed
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    chart = fields["Questions per day (UTC; ▒ waiting for a moderator)"]
    assert chart.startswith("```\n")
    assert chart.endswith(" 3 (3 waiting)\n```")
    assert "▒" * 20 in chart  # the busiest day is the full width
