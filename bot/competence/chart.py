"""Competence profile chart: one horizontal bar per area (own level, target, previous level) as PNG bytes.

Made to be sent as a Telegram photo and read on a phone: rendered ~1080 px wide with big fonts.
Uses only the object-oriented matplotlib API (never pyplot). Drawn in the drawing process (`bot.drawing`).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.drawing import drawn_apart
from bot.fonts import font


# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
OWN_COLOUR, TARGET_COLOUR, INK, MUTED = "#0072B2", "#D55E00", "#222222", "#666666"
DPI, WIDTH_PX = 150, 1080
TITLE_PT, LABEL_PT, LEVEL_PT, LEGEND_PT = 17, 15, 13, 14


@dataclass(frozen=True)
class ChartArea:
    label: str                      # area name, already translated into the user's language
    current: float | None           # own level 1.0–4.0 (mean of answers), None = not assessed
    target: int                     # target level 1–4 for the person's role
    previous: float | None = None   # level at the previous assessment, None if none


@dataclass(frozen=True)
class ChartText:                    # all already translated by the caller
    title: str                      # e.g. "Your level and the target for operators"
    own: str                        # legend: "You"
    target: str                     # legend: "Target"
    previous: str                   # legend: "Last time" (shown only if some area has a previous level)
    not_assessed: str               # written in the row of an area with current None
    levels: tuple[str, str, str, str]  # short names of levels 1..4


def _wrap(text: str, width: int, lines: int = 2) -> str:
    # Whole words only: Swedish compounds split mid-word read badly. An ellipsis (not textwrap's
    # "[...]") marks cut text in any language.
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" …",
                                   break_long_words=False, break_on_hyphens=False)) or text


def _fit_levels(levels: tuple[str, ...], room: float, width) -> tuple[list[str], float]:
    """Level names wrapped to lines of at most `room` px (2 lines max), and the font size for them.

    Long single words ("Självständigt") are never split; the font shrinks instead, but not below
    11 pt, so that neighbouring names do not run into each other.
    """
    widest = max(1.0, *(width(word, LEVEL_PT) for name in levels for word in name.split() or [name]))
    pt = max(11.0, min(LEVEL_PT, LEVEL_PT * room / widest))
    wrapped = []
    for name in levels:
        lines: list[str] = []
        for word in name.split():
            if lines and width(f"{lines[-1]} {word}", pt) <= room:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        wrapped.append("\n".join(lines[:1] + [" ".join(lines[1:])] if len(lines) > 2 else lines))
    return wrapped, pt




@drawn_apart
def render_profile(areas: list[ChartArea], text: ChartText, *, rtl: bool = False) -> bytes:
    """The chart as PNG bytes; the same input always gives the same bytes."""
    if not areas:
        raise ValueError("a competence chart needs at least one area")
    rows = range(len(areas))
    fig = Figure(figsize=(WIDTH_PX / DPI, (260 + 90 * len(areas)) / DPI), dpi=DPI,
                 layout="constrained")
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.add_subplot()

    def width(s: str, pt: float) -> float:
        return renderer.get_text_width_height_descent(s, font(pt), ismath=False)[0]

    # Room per level name: what the area labels leave of the width, shared by 4 ticks, minus a gap.
    labels = [_wrap(a.label, 20) for a in areas]
    label_px = max((width(line, LABEL_PT) for lab in labels for line in lab.split("\n")), default=0)
    levels, level_pt = _fit_levels(text.levels, (WIDTH_PX - label_px - 60) / 4.25 - 14, width)
    no_math = {"parse_math": False}  # translated text may contain "$"; it must never become mathtext

    ax.barh(list(rows), [a.current or 0 for a in areas], height=0.62, color=OWN_COLOUR, zorder=2)
    # Target as a thick tick reaching past the bar, so the gap between bar end and target stands out.
    ax.vlines([a.target for a in areas], [r - 0.42 for r in rows], [r + 0.42 for r in rows],
              colors=TARGET_COLOUR, linewidth=5, zorder=3)
    prev = [(a.previous, r) for r, a in zip(rows, areas) if a.previous is not None]
    if prev:
        ax.plot(*zip(*prev), linestyle="none", marker="o", markersize=10, markerfacecolor="white",
                markeredgecolor=INK, markeredgewidth=2, zorder=4)
    for r, a in zip(rows, areas):
        if a.current is None:  # an empty row would read as level 0; say what it means instead
            ax.text(0.08, r, text.not_assessed, va="center", ha="right" if rtl else "left",
                    color=MUTED, fontproperties=font(LEVEL_PT), **no_math)

    ax.set_xlim((4.05, 0) if rtl else (0, 4.05))  # reversed for rtl: bars grow right-to-left
    ax.set_ylim(len(areas) - 0.5, -0.5)            # first area on top
    ax.set_xticks([1, 2, 3, 4], levels, fontproperties=font(level_pt), **no_math)
    ax.set_yticks(list(rows), labels, fontproperties=font(LABEL_PT), color=INK, **no_math)
    ax.tick_params(axis="y", length=0, right=rtl, labelright=rtl, left=not rtl, labelleft=not rtl)
    ax.tick_params(axis="x", length=0, colors=INK)
    ax.grid(axis="x", color="#dddddd", linewidth=1, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "left", "right"):
        ax.spines[side].set_visible(False)

    handles = [Patch(color=OWN_COLOUR, label=text.own),
               Line2D([], [], color=TARGET_COLOUR, marker="|", linestyle="none", markersize=18,
                      markeredgewidth=5, label=text.target)]
    if prev:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=10, markerfacecolor="white",
                              markeredgecolor=INK, markeredgewidth=2, label=text.previous))
    # rtl: entries read from the right and each marker sits to the right of its text.
    # Anchored to the axes (not the figure) so constrained layout stacks it under the title.
    legend = ax.legend(handles=handles[::-1] if rtl else handles, loc="lower center",
                       bbox_to_anchor=(0.5, 1.0), ncols=len(handles), frameon=False, borderaxespad=0.2,
                       prop=font(LEGEND_PT), markerfirst=not rtl, handlelength=1.4, columnspacing=1.6)
    for label in legend.get_texts():  # legend labels parse mathtext unless told not to
        label.set_parse_math(False)
    fig.suptitle(_wrap(text.title, 48), fontproperties=font(TITLE_PT), color=INK, **no_math)

    buf = io.BytesIO()
    # No Software/date chunks, so the bytes depend on the input only.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
