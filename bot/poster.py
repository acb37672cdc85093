"""Invite poster for the break-room wall: one A4 page with a big QR code of the bot's invite deep link.

Top to bottom: organisation name, the first (Swedish) text large, the QR code (segno, error correction M
or better, at least 8 cm, 4-module quiet zone), the link in monospace to be typed, then the other
languages smaller, each in its own direction. Agg draws the page (it shapes Arabic via libraqm; the PDF
backend does not), so the PDF holds the page as one 300 dpi image. Text the font lacks is refused up
front. Object-oriented matplotlib only (thread-safe); the same input gives the same bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno

from bot.drawing import drawn_apart
from bot.fonts import font, missing_glyphs

if TYPE_CHECKING:  # imported where they draw, in the drawing process (bot/drawing.py)
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

REGULAR, BOLD, MONO = "regular", "bold", "mono"  # the font chains of bot/fonts.py
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 15.0   # mm
QR_MM, QR_TOP_MM, QUIET = 80.0, 88.0, 4       # min symbol width, top of the quiet zone, quiet modules
PDF_DPI, PT_MM = 300, 25.4 / 72
RTL = frozenset({"ar", "fa", "ps", "ur", "ckb", "he", "yi"})
INK, MUTED, RULE = "#000000", "#333333", "#aaaaaa"   # greys only: the PDF image stays a small palette


@dataclass(frozen=True)
class PosterText:
    lang: str          # language code: sv, en, ar, fa, ... (ar and fa are right-to-left)
    heading: str       # e.g. "Vad kan du – och vad vill du lära dig?" (already translated by the caller)
    body: str          # 1–3 short sentences, already translated
    scan: str          # e.g. "Skanna koden med mobilen och starta Kompis i Telegram."


def _qr(link: str) -> segno.QRCode:
    return segno.make(link, error="m", micro=False)  # never Micro QR: many phone scanners cannot read it


def qr_box(link: str, dpi: int) -> tuple[int, int, int]:
    """(left, top, module_px): the pixel position of the symbol's first module (quiet zone excluded)
    in a page rendered at `dpi`, and the side of one module in pixels (whole pixels, so edges stay sharp)."""
    n = len(_qr(link).matrix)
    module = math.ceil(QR_MM / 25.4 * dpi / n)
    left = (int(PAGE_W / 25.4 * dpi) - n * module) // 2
    return left, round(QR_TOP_MM / 25.4 * dpi) + QUIET * module, module


def _check(link: str, organisation: str, texts: list[PosterText]) -> None:
    if not link.strip() or not texts:
        raise ValueError("a poster needs the invite link and at least one text")
    parts = [("organisation name", organisation)] + [(f"{t.lang!r} text", t.heading + t.body + t.scan)
                                                     for t in texts]
    for what, s in parts:
        if missing := missing_glyphs(s):  # matplotlib would only warn and print boxes
            raise ValueError(f"cannot print the {what}: the font has no glyphs for "
                             f"{''.join(sorted(missing))!r}")


def _wrap(text: str, fp: FontProperties, width_px: float, renderer) -> str:
    """Whole words greedily filled up to the measured width (shaped width, so it holds for Arabic too)."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}" if line else word
            if line and renderer.get_text_width_height_descent(trial, fp, ismath=False)[0] > width_px:
                lines.append(line)
                trial = word
            line = trial
        lines.append(line)
    return "\n".join(lines)


def _page(link: str, organisation: str, texts: list[PosterText], dpi: int) -> Figure:
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Affine2D

    _check(link, organisation, texts)
    fig = Figure(figsize=(PAGE_W / 25.4, PAGE_H / 25.4), dpi=dpi, facecolor="white")
    r = FigureCanvasAgg(fig).get_renderer()
    mm = Affine2D().scale(1, -1).translate(0, PAGE_H).scale(dpi / 25.4)  # x, y in mm from the top left

    def put(s: str, x: float, y: float, style: str, pt: float, ha: str, width: float, color=INK):
        fp = font(pt, bold=style == BOLD, mono=style == MONO)
        wrapped, px = _wrap(s, fp, width * dpi / 25.4, r), width * dpi / 25.4
        while ha == "center" and "\n" in wrapped and px > 50:  # centred: even lines, no orphan word
            px *= 0.95
            if (narrower := _wrap(s, fp, px, r)).count("\n") > wrapped.count("\n"):
                break
            wrapped = narrower
        art = fig.text(x, y, wrapped, transform=mm, ha=ha, va="top",
                       multialignment=ha, fontproperties=fp, color=color, parse_math=False, linespacing=1.3)
        return art, PAGE_H - art.get_window_extent(r).y0 * 25.4 / dpi

    def block(t: PosterText, x0: float, width: float, top: float, pts, ha: str | None = None):
        ha = ha or ("right" if t.lang.split("-")[0].lower() in RTL else "left")
        x = {"left": x0, "center": x0 + width / 2, "right": x0 + width}[ha]
        arts, y = [], top
        for s, style, pt, color in ((t.heading, BOLD, pts[0], INK), (t.body, REGULAR, pts[1], MUTED),
                                    (t.scan, BOLD, pts[2], INK)):
            if s.strip():
                art, y = put(s, x, y, style, pt, ha, width, color)
                arts, y = arts + [art], y + pt * PT_MM * 0.5
        return arts, y

    def fit(draw, limit: float, what: str) -> float:  # largest font scale whose text ends above `limit`
        for scale in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5):
            arts, y = draw(scale)
            if y <= limit:
                return y
            for art in arts:
                art.remove()
        raise ValueError(f"too much text for one poster page: {what}")

    inner = PAGE_W - 2 * MARGIN
    _, y = put(organisation, PAGE_W / 2, MARGIN, BOLD, 16, "center", inner, MUTED)
    fit(lambda s: block(texts[0], MARGIN, inner, y + 5, (26 * s, 15 * s, 15 * s), "center"),
        QR_TOP_MM - 2, f"the {texts[0].lang!r} text")

    left, top, module = qr_box(link, dpi)
    matrix = np.pad(np.asarray(_qr(link).matrix, dtype=bool), QUIET)
    pixels = np.where(np.kron(matrix, np.ones((module, module), dtype=bool)), 0, 255).astype(np.uint8)
    top, side = top - QUIET * module, pixels.shape[0]
    # Pixel-exact: Agg flips y with its whole-pixel height, so the image's top row lands on row `top`.
    fig.figimage(np.dstack([pixels] * 3), xo=left - QUIET * module, yo=int(fig.bbox.height) - top - side,
                 origin="upper")
    mono = font(11, mono=True)
    pt = min(11.0, 11 * inner * dpi / 25.4 / r.get_text_width_height_descent(link, mono, ismath=False)[0])
    _, y = put(link, PAGE_W / 2, (top + side) * 25.4 / dpi, MONO, pt, "center", 2 * PAGE_W)

    extras, gutter = texts[1:], 10.0
    cols = 1 if len(extras) <= 2 else 2  # more languages: two columns, rows separated by rules
    width = (inner - gutter * (cols - 1)) / cols

    def draw_extras(scale: float):
        arts, row_top = [], y + 5
        for i in range(0, len(extras), cols):
            rule = fig.add_artist(Line2D([MARGIN, PAGE_W - MARGIN], [row_top, row_top], transform=mm,
                                         color=RULE, linewidth=0.8))
            bottoms = [row_top]
            for j, t in enumerate(extras[i:i + cols]):
                made, bottom = block(t, MARGIN + j * (width + gutter), width, row_top + 3,
                                     (13 * scale, 11 * scale, 11 * scale))
                arts, bottoms = arts + made, bottoms + [bottom]
            arts, row_top = arts + [rule], max(bottoms) + 1
        return arts, row_top

    if extras:
        fit(draw_extras, PAGE_H - MARGIN, "shorten the other languages' texts or choose fewer languages")
    return fig


@drawn_apart
def render_poster_png(*, link: str, organisation: str, texts: list[PosterText], dpi: int = 100) -> bytes:
    """The poster page as PNG bytes (for previews and tests); see qr_box for where the code lands."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _page(link, organisation, texts, dpi)
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return buf.getvalue()


@drawn_apart
def render_poster(*, link: str, organisation: str, texts: list[PosterText]) -> bytes:
    """The poster as a one-page A4 PDF: the page drawn by Agg at 300 dpi, embedded unresampled."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    canvas = FigureCanvasAgg(_page(link, organisation, texts, PDF_DPI))
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    pdf = Figure(figsize=(PAGE_W / 25.4, PAGE_H / 25.4), dpi=72, facecolor="white")
    ax = pdf.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.imshow(image, interpolation="none", aspect="auto")
    buf = io.BytesIO()
    FigureCanvasPdf(pdf).print_pdf(buf, metadata={"CreationDate": None, "Producer": "Kompis",
                                                  "Creator": "Kompis"})
    return buf.getvalue()
