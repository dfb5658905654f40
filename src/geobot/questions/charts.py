"""Charts for moderators: a PNG (for a Discord attachment or a file), or text.

The PNG needs matplotlib, which is the optional ``charts`` extra: with its dependencies
(fontTools, Pillow, contourpy, kiwisolver…) it was about 99 MB of a 318 MB install, for
this one chart. Without it, ``/questions stats`` shows the same per-day counts as a text
chart (`questions_per_day_text`), and ``geobot questions stats --chart`` says what to
install.

The PNG uses matplotlib's object API with the Agg canvas directly: no pyplot global
state, no display, and safe to call from ``asyncio.to_thread`` workers concurrently.
"""

from __future__ import annotations

import importlib.util
import io

from geobot.questions.store import Stats

CHARTS_MISSING = "the chart needs matplotlib: pip install 'geobot[charts]'"

# Colour-blind-safe (Okabe-Ito) colours; the queue that needs action stands out in orange.
_SERIES = (
    ("Answered by the bot", "#56B4E9"),
    ("Waiting for a moderator", "#E69F00"),
    ("Answered by a moderator", "#009E73"),
    ("Dismissed", "#999999"),
)


def png_available() -> bool:
    """Whether matplotlib (the ``charts`` extra) can be imported."""
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # in sys.modules as None: imports of it are blocked
        return False


def questions_per_day_png(stats: Stats, *, title: str | None = None) -> bytes:
    """Questions per UTC day, stacked by what happened to them, as a PNG (needs the
    ``charts`` extra: ImportError without it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

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
            # matplotlib plots dates through its date converter; its stubs only admit numbers.
            ax.bar(days, values, bottom=bottom, label=label, color=colour, width=0.8)  # type: ignore[arg-type]
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


TEXT_DAYS = 14
TEXT_WIDTH = 20  # bar characters for the busiest day: fits a Discord field on a phone


def questions_per_day_text(stats: Stats, days: int = TEXT_DAYS) -> str:
    """The last `days` days with questions as bars of text, the part waiting for a
    moderator drawn apart (the PNG's orange): the chart without matplotlib."""
    recent = stats.by_day[-days:]
    if not recent:
        return "No questions in this period."
    busiest = max(d.total for d in recent) or 1
    lines = []
    for d in recent:
        width = max(1, round(d.total / busiest * TEXT_WIDTH)) if d.total else 0
        waiting = min(width, round(d.waiting / busiest * TEXT_WIDTH)) if d.waiting else 0
        if d.waiting and not waiting:
            waiting = 1
        bar = "█" * (width - waiting) + "▒" * waiting
        note = f" ({d.waiting} waiting)" if d.waiting else ""
        lines.append(f"{d.day:%d %b} {bar:<{TEXT_WIDTH}} {d.total}{note}")
    return "\n".join(lines)
