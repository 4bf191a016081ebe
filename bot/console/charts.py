"""Charts of the statistics tables, drawn on the server as SVG with matplotlib (Agg backend, no pyplot).

Text is written as SVG text (``svg.fonttype = none``) in a sans-serif family, so the browser draws the
Chinese labels with its own fonts; the server needs no CJK font (matplotlib's warning that its own font
lacks the glyphs is expected and silenced here). A chart is at most 30 rows, the largest first. Charts are
drawn one at a time (:data:`_LOCK`).
"""

from __future__ import annotations

import threading
import warnings
from io import StringIO
from typing import Any

MAX_ROWS = 30
_LOCK = threading.Lock()
"""One chart at a time: matplotlib's rcParams and the warning filters are process-wide, and a browser asks
for a page's charts at once (worker threads); without it one request's restored filters let another's
missing-glyph warning through, and one request's rc settings leak into another's chart."""
COLOURS = ["#1f6f43", "#b3261e", "#9a6700", "#5b7c99", "#7a5c99", "#3d8a8a"]


def _numeric(header: list[str], rows: list[list[Any]]) -> list[int]:
    """The columns (after the first) holding numbers in every row."""
    return [
        i
        for i in range(1, len(header))
        if rows and all(isinstance(r[i], int) and not isinstance(r[i], bool) for r in rows)
    ]


def _draw(labels: list[str], shown: list[list[Any]], header: list[str], cols: list[int], kind: str, title: str) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    height = 1.2 + 0.38 * max(len(labels), 1) * (len(cols) if kind == "grouped" else 1)
    fig = Figure(figsize=(7, min(height, 14)))
    ax = fig.subplots()
    positions = list(range(len(labels)))
    left = [0] * len(labels)
    width = 0.8 / max(len(cols), 1) if kind == "grouped" else 0.7
    for n, c in enumerate(cols):
        values = [r[c] for r in shown][::-1]
        colour = COLOURS[n % len(COLOURS)]
        if kind == "grouped":
            ys = [p - 0.4 + width * (n + 0.5) for p in positions]
            ax.barh(ys, values, height=width, label=header[c], color=colour)
        else:
            ax.barh(positions, values, height=width, left=left, label=header[c], color=colour)
            left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    if len(cols) > 1:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def render_svg(title: str, header: list[str], rows: list[list[Any]], kind: str) -> str:
    """An SVG chart of a table: horizontal bars of the row labels (first column) against the numbers.

    ``kind``: "bar" (the first number column), "stacked" or "grouped" (every number column but minutes,
    stacked or side by side). A table with no rows gives an empty chart with its title.
    """
    import matplotlib

    matplotlib.use("Agg")
    shown = rows[:MAX_ROWS]
    cols = _numeric(header, shown)
    if kind == "bar":
        cols = cols[:1]
    cols = [c for c in cols if "分钟" not in header[c]]  # minutes are not counts
    labels = [str(r[0]) for r in shown][::-1]
    out = StringIO()
    with _LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        warnings.filterwarnings("ignore", message=r"Tight layout not applied")
        with matplotlib.rc_context({"svg.fonttype": "none", "font.family": ["sans-serif"], "svg.hashsalt": "envbot"}):
            _draw(labels, shown, header, cols, kind, title).savefig(out, format="svg")
    return out.getvalue()
