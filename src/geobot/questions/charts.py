"""Charts for moderators, rendered to PNG bytes (for a Discord attachment or a file).

Uses matplotlib's object API with the Agg canvas directly: no pyplot global state, no
display, and safe to call from ``asyncio.to_thread`` workers concurrently.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from geobot.questions.store import Stats

# Colour-blind-safe (Okabe-Ito) colours; the queue that needs action stands out in orange.
_SERIES = (
    ("Answered by the bot", "#56B4E9"),
    ("Waiting for a moderator", "#E69F00"),
    ("Answered by a moderator", "#009E73"),
    ("Dismissed", "#999999"),
)


def questions_per_day_png(stats: Stats, *, title: str | None = None) -> bytes:
    """Questions per UTC day, stacked by what happened to them, as a PNG."""
    days = [d.day for d in stats.by_day]
    series = [
        [d.open - d.waiting for d in stats.by_day],
        [d.waiting for d in stats.by_day],
        [d.answered for d in stats.by_day],
        [d.dismissed for d in stats.by_day],
    ]
    figure = Figure(figsize=(10, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_title(title or _default_title(stats), fontsize=14)
    if not days:
        ax.text(0.5, 0.5, "No questions in this period", ha="center", va="center", fontsize=13)
        ax.set_axis_off()
    else:
        bottom = [0] * len(days)
        for (label, colour), values in zip(_SERIES, series, strict=True):
            ax.bar(days, values, bottom=bottom, label=label, color=colour, width=0.8)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel("Questions")
        ax.set_xlabel("Day (UTC)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        # Below the plot, not over it: the bars reach any height.
        figure.legend(loc="outside lower center", ncols=len(_SERIES), frameon=False)
        figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _default_title(stats: Stats) -> str:
    title = f"Questions per day ({stats.total} total"
    if stats.helpful_rate is not None:
        title += f", {stats.helpful_rate:.0%} of {stats.votes} votes helpful"
    return title + ")"
