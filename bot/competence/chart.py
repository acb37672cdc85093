"""Competence profile chart: one horizontal bar per area (own level, target, previous level) as JPEG bytes.

Made to be sent as a Telegram photo and read on a phone: rendered ~1080 px wide with big fonts. Drawn with Pillow
(text shaped by libraqm), in the drawing process (`bot.drawing`): ~15 ms a chart, where matplotlib took ~160 ms (with
its layout engine, two passes over every text) and every person who finished an assessment waited for it. The
project's progress chart and the poster, rarer and with more to lay out, are still drawn with matplotlib.

JPEG, not PNG: Telegram stores and shows every photo as a JPEG it makes itself, so a PNG's lossless bytes buy nothing
on the phone, and encoding this chart as PNG took ~25 ms (Pillow filters every row of 2.9 MB of pixels five ways),
more than all the drawing; a JPEG at quality 92 without colour subsampling (crisp coloured edges) ~6 ms. The text
looks the same at twice the size.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from bot.drawing import drawn_apart
from bot.fonts import REGULAR, face, missing_glyphs


# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
OWN_COLOUR, TARGET_COLOUR, INK, MUTED = "#0072B2", "#D55E00", "#222222", "#666666"
DPI, WIDTH_PX = 150, 1080
TITLE_PT, LABEL_PT, LEVEL_PT, LEGEND_PT = 17, 15, 13, 14
JPEG_QUALITY = 92


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




def _px(points: float) -> int:
    return round(points * DPI / 72)


class _Canvas:
    """A white page to draw on with Pillow: texts in the fonts of bot/fonts.py (shaped and laid out by libraqm, so
    Arabic and Persian join and run right to left), warning like matplotlib about a character no font draws."""

    def __init__(self, width: int, height: int) -> None:
        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    @lru_cache(maxsize=1024)  # the same labels and level names in every chart of a language: measured once
    def width(text: str, points: float) -> float:
        return max((face(_px(points), line).getlength(line) for line in text.split("\n")), default=0.0)

    @staticmethod
    def line_height(points: float) -> int:
        return round(_px(points) * 1.2)

    def text(self, x: float, y: float, text: str, points: float, colour: str, anchor: str) -> None:
        """Lines of `text` around (x, y): anchor's first letter l/m/r the horizontal side, the second t/m the
        vertical (top of the first line, or the middle of all lines)."""
        for ch in sorted(missing_glyphs(text)):
            warnings.warn(f"Glyph {ord(ch)} ({ch!r}) missing from font(s) {', '.join(p.stem for p in REGULAR)}.",
                          UserWarning, stacklevel=3)
        lines, step = text.split("\n"), self.line_height(points)
        top = y - step * len(lines) / 2 if anchor[1] == "m" else y
        for i, line in enumerate(lines):
            self.draw.text((x, top + step * (i + 0.5)), line, fill=colour, font=face(_px(points), line),
                           anchor=anchor[0] + "m")

    def marker(self, x: float, y: float, diameter: int, edge: int) -> None:
        """The previous level's marker, a white circle with a dark ring, smoothed by drawing it 4 times larger."""
        big = Image.new("RGBA", (diameter * 4, diameter * 4), (0, 0, 0, 0))
        ImageDraw.Draw(big).ellipse((0, 0, diameter * 4 - 1, diameter * 4 - 1), fill="white", outline=INK,
                                    width=edge * 4)
        small = big.resize((diameter, diameter), Image.Resampling.LANCZOS)
        self.image.paste(small, (round(x - diameter / 2), round(y - diameter / 2)), small)

    def jpeg(self) -> bytes:
        buf = io.BytesIO()
        # No EXIF, no comment, no time: the bytes depend on the input only. subsampling=0: colour at full resolution.
        self.image.save(buf, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
        return buf.getvalue()


@drawn_apart
def render_profile(areas: list[ChartArea], text: ChartText, *, rtl: bool = False) -> bytes:
    """The chart as JPEG bytes; the same input always gives the same bytes."""
    if not areas:
        raise ValueError("a competence chart needs at least one area")
    width, height = WIDTH_PX, 260 + 90 * len(areas)
    page = _Canvas(width, height)
    labels = [_wrap(a.label, 20) for a in areas]
    label_px = max(page.width(label, LABEL_PT) for label in labels)
    levels, level_pt = _fit_levels(text.levels, (width - label_px - 60) / 4.25 - 14, page.width)

    # Title, then the legend under it, centred.
    title = _wrap(text.title, 48)
    page.text(width / 2, 8, title, TITLE_PT, INK, "mt")
    legend_y = 8 + page.line_height(TITLE_PT) * (title.count("\n") + 1) + 24
    prev = [(a.previous, r) for r, a in enumerate(areas) if a.previous is not None]
    entries = [("own", text.own), ("target", text.target)] + ([("previous", text.previous)] if prev else [])
    swatch, gap, spacing = 42, 14, 46
    widths = [swatch + gap + page.width(label, LEGEND_PT) for _, label in entries]
    x = (width - sum(widths) - spacing * (len(entries) - 1)) / 2
    for (kind, label), entry_width in zip(entries[::-1] if rtl else entries, widths[::-1] if rtl else widths):
        mark_x = x + entry_width - swatch / 2 if rtl else x + swatch / 2  # the mark after the text when rtl
        if kind == "own":
            page.draw.rectangle((mark_x - swatch / 2, legend_y - 11, mark_x + swatch / 2, legend_y + 11),
                                fill=OWN_COLOUR)
        elif kind == "target":
            page.draw.rectangle((mark_x - 5, legend_y - 19, mark_x + 5, legend_y + 19), fill=TARGET_COLOUR)
        else:
            page.marker(mark_x, legend_y, 25, 4)
        page.text(x + entry_width - swatch - gap if rtl else x + swatch + gap, legend_y, label, LEGEND_PT, INK,
                  "rm" if rtl else "lm")
        x += entry_width + spacing

    # The plot: levels 0 to 4.05 across, one row per area; level names under it, area names beside it.
    level_lines = max(name.count("\n") + 1 for name in levels)
    top = legend_y + 32
    bottom = height - 12 - page.line_height(level_pt) * level_lines - 10
    label_side = label_px + 24
    inner = (label_side, width - 10) if not rtl else (10, width - label_side)
    last = page.width(levels[3], level_pt) / 2  # the name of level 4 sits centred at the far end: keep it inside
    span = inner[1] - inner[0]
    overflow = max(0.0, last - span * 0.05 / 4.05 - 6)
    left, right = (inner[0], inner[1] - overflow) if not rtl else (inner[0] + overflow, inner[1])

    def at(level: float) -> float:
        share = level / 4.05
        return right - share * (right - left) if rtl else left + share * (right - left)

    pitch = (bottom - top) / len(areas)
    for level in (1, 2, 3, 4):
        page.draw.line(((round(at(level)), top), (round(at(level)), bottom)), fill="#dddddd", width=2)
    page.draw.line(((left, bottom), (right, bottom)), fill=INK, width=2)
    for r, (area, label) in enumerate(zip(areas, labels)):
        middle = top + pitch * (r + 0.5)
        if area.current:
            ends = sorted((at(0), at(area.current)))
            page.draw.rectangle((round(ends[0]), round(middle - 0.31 * pitch), round(ends[1]),
                                 round(middle + 0.31 * pitch)), fill=OWN_COLOUR)
        else:  # an empty row would read as level 0; say what it means instead
            page.text(at(0.08), middle, text.not_assessed, LEVEL_PT, MUTED, "rm" if rtl else "lm")
        # Target as a thick tick reaching past the bar, so the gap between bar end and target stands out.
        target = at(area.target)
        page.draw.rectangle((round(target - 5), round(middle - 0.42 * pitch), round(target + 5),
                             round(middle + 0.42 * pitch)), fill=TARGET_COLOUR)
        if area.previous is not None:
            page.marker(at(area.previous), middle, 25, 4)
        page.text(right + 12 if rtl else left - 12, middle, label, LABEL_PT, INK, "lm" if rtl else "rm")
    for level, name in zip((1, 2, 3, 4), levels):
        page.text(at(level), bottom + 10, name, level_pt, INK, "mt")
    return page.jpeg()
