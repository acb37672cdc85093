"""The project's progress chart: one bar per figure with a target, the share reached (0–100 %, longer when
the project is past its target), the count written beside it. PNG bytes for a Telegram photo, like the
competence chart, and with its fonts and colours."""

from __future__ import annotations

import io
from dataclasses import dataclass

from bot.competence.chart import DPI, INK, LABEL_PT, LEVEL_PT, MUTED, OWN_COLOUR, TARGET_COLOUR, TITLE_PT, WIDTH_PX, \
    _wrap
from bot.drawing import drawn_apart
from bot.fonts import font


@dataclass(frozen=True)
class ProgressRow:
    label: str      # translated: "Organisations reached"
    share: float    # value / target; 0.4 = 40 %
    note: str       # translated and formatted: "40 of 100"


@drawn_apart
def render_progress(rows: list[ProgressRow], title: str, *, rtl: bool = False) -> bytes:
    """The chart as PNG bytes; the same input always gives the same bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not rows:
        raise ValueError("a progress chart needs at least one figure with a target")
    fig = Figure(figsize=(WIDTH_PX / DPI, (240 + 95 * len(rows)) / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    no_math = {"parse_math": False}
    limit = max(1.0, max(row.share for row in rows)) * 1.45  # room for the note after the longest bar
    positions = list(range(len(rows)))
    ax.barh(positions, [min(row.share, limit) for row in rows], height=0.6, color=OWN_COLOUR, zorder=2)
    ax.axvline(1.0, color=TARGET_COLOUR, linewidth=4, zorder=3)
    for position, row in zip(positions, rows):
        ax.text(row.share + 0.03 * limit, position, row.note, va="center", ha="right" if rtl else "left",
                color=INK, fontproperties=font(LEVEL_PT), **no_math)
    ax.set_xlim((limit, 0) if rtl else (0, limit))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ticks = [t / 4 for t in range(0, int(limit * 4) + 1)]
    ax.set_xticks(ticks, [f"{round(t * 100)} %" for t in ticks], fontproperties=font(LEVEL_PT), color=MUTED)
    ax.set_yticks(positions, [_wrap(row.label, 20) for row in rows], fontproperties=font(LABEL_PT), color=INK,
                  **no_math)
    ax.tick_params(axis="y", length=0, right=rtl, labelright=rtl, left=not rtl, labelleft=not rtl)
    ax.tick_params(axis="x", length=0)
    ax.grid(axis="x", color="#dddddd", linewidth=1, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "left", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(_wrap(title, 48), fontproperties=font(TITLE_PT), color=INK, **no_math)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
