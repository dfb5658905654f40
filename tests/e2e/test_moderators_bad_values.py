"""`since:` values that are valid dates but outside what the database can compare get a
clear ephemeral refusal, not "something went wrong" (an OverflowError before)."""

from __future__ import annotations

import pytest
from test_moderators import FLAGGED, Mods

# The shared fixtures, imported by name so that pytest finds them for this module too.
from test_moderators import library as library
from test_moderators import mods as mods
from test_moderators import mods_settings as mods_settings


@pytest.mark.parametrize("sub", ["list", "stats", "export"])
async def test_a_since_before_year_one_in_utc_is_refused_clearly(mods: Mods, sub: str) -> None:
    await mods.ask(FLAGGED, mods.world.alice, mods.guild)
    since = "0001-01-01T00:00+01:00"
    _, message = await mods.run(sub, {"since": since}, user=mods.world.bob, guild=mods.guild)
    assert message.ephemeral
    assert message.content == f"`since:{since}` is before the earliest date I can use."
    # The earliest date that exists in UTC works, and finds the question.
    _, message = await mods.run(sub, {"since": "0001-01-01"}, user=mods.world.bob, guild=mods.guild)
    assert "something went wrong" not in message.content
    assert "before the earliest" not in message.content
