"""The fonts charts and the poster draw with, by path, so that fonts installed on the host never change a result.

DejaVu Sans (bundled with matplotlib) covers Latin, Cyrillic, Arabic and Persian, shaped and laid out right to
left by matplotlib's text layout; Abyssinica SIL (`data/fonts/`) covers Tigrinya's Ethiopic script. Every text
gets the list as a fallback chain, so a character DejaVu lacks is drawn from the next font.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import ImageFont

from bot.drawing import drawn_apart

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

# matplotlib is imported where it draws, in the drawing process (bot/drawing.py), never in the bot's: ~40 MB.
MATPLOTLIB_FONTS = (Path(importlib.util.find_spec("matplotlib").submodule_search_locations[0])
                    / "mpl-data" / "fonts" / "ttf")
OWN_FONTS = Path(__file__).resolve().parents[1] / "data" / "fonts"
REGULAR = (MATPLOTLIB_FONTS / "DejaVuSans.ttf", OWN_FONTS / "AbyssinicaSIL-Regular.ttf")
BOLD = (MATPLOTLIB_FONTS / "DejaVuSans-Bold.ttf", OWN_FONTS / "AbyssinicaSIL-Regular.ttf")
MONO = (MATPLOTLIB_FONTS / "DejaVuSansMono.ttf",)


@lru_cache(maxsize=None)
def _families(paths: tuple[Path, ...]) -> tuple[str, ...]:
    from matplotlib import font_manager

    names = []
    for path in paths:
        font_manager.fontManager.addfont(str(path))
        names.append(font_manager.FontProperties(fname=path).get_name())
    return tuple(names)


def font(size: float, *, bold: bool = False, mono: bool = False) -> FontProperties:
    """FontProperties naming the fallback chain (regular, bold or monospaced) at a size in points."""
    from matplotlib.font_manager import FontProperties

    paths = MONO if mono else BOLD if bold else REGULAR
    return FontProperties(family=list(_families(paths)), size=size, weight="bold" if bold else "normal")


def face(pixels: int, text: str, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The font of the chain that draws all of `text` (else the one that draws most of it), at a size in pixels,
    for Pillow: the first of the chain for text every font draws (spaces, digits)."""
    return _face_for(pixels, text, bold)


@lru_cache(maxsize=1024)  # a chart asks again for the same labels: the choice is made once per text
def _face_for(pixels: int, text: str, bold: bool) -> ImageFont.FreeTypeFont:
    paths = BOLD if bold else REGULAR
    drawn = [ord(ch) for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("C")]
    best = max(paths, key=lambda path: sum(code in _charmap((path,)) for code in drawn))  # first of the best
    return _face(best, pixels)


@lru_cache(maxsize=64)
def _face(path: Path, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), pixels, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=None)
def _charmap(paths: tuple[Path, ...]) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    covered: set[int] = set()
    for path in paths:
        covered.update(FT2Font(str(path)).get_charmap())
    return frozenset(covered)


@drawn_apart
def printable(text: str) -> str:
    """`text` without the characters the fonts cannot draw in regular and bold alike (emoji, scripts no font
    covers, control and private-use characters), spaces collapsed: for a name someone typed, drawn as well as the
    fonts allow rather than refused. Invisible format characters (direction marks, joiners) stay; matplotlib lays
    them out without a box."""
    covered = _charmap(REGULAR) & _charmap(BOLD)
    kept = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) == "Cf" or ord(ch) in covered)
    return " ".join(kept.split())


@drawn_apart
def missing_glyphs(text: str, *, bold: bool = False, mono: bool = False) -> set[str]:
    """Characters of `text` no font of the chain can draw (whitespace and control/format characters ignored)."""
    covered = _charmap(MONO if mono else BOLD if bold else REGULAR)
    return {ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("C")
            and ord(ch) not in covered}
