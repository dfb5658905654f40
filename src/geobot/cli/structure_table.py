"""The table `geobot eval --structure` prints: one row per article and one for all."""

from __future__ import annotations

from geobot.documents.structure_eval import ArticleScore, StructureReport

_COLUMNS = ("quotes found", "speaker right", "kind right", "headings exact", "footnotes resolved")
_COUNTS = {
    "quotes found": ("found", "quotes"),
    "speaker right": ("speaker_right", "quotes"),
    "kind right": ("kind_right", "quotes"),
    "headings exact": ("headings_right", "headings"),
    "footnotes resolved": ("footnotes_right", "footnotes"),
}


def _cell(score: ArticleScore, column: str, rate: float | None) -> str:
    if rate is None:
        return "-"
    part, whole = (getattr(score, name) for name in _COUNTS[column])
    return f"{rate:5.1f}% {part}/{whole}"


def structure_table(report: StructureReport) -> str:
    width = max(len(s.document) for s in [*report.articles, report.total])
    header = "article".ljust(width) + "".join(f" | {c:>18}" for c in _COLUMNS)
    lines = [header, "-" * len(header)]
    for score in [*report.articles, report.total]:
        rates = report.rates(score)
        cells = "".join(f" | {_cell(score, c, rates[c]):>18}" for c in _COLUMNS)
        lines.append(score.document.ljust(width) + cells)
    return "\n".join(lines)
