"""The invite poster: a one-page A4 PDF whose printed QR code encodes the invite link, texts in Swedish,
English and Arabic (right-to-left) without missing-glyph warnings, and unprintable scripts refused."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pytest
import segno
from matplotlib.image import imread

from bot.poster import PosterText, qr_box, render_poster, render_poster_png

LINK = "https://t.me/KompisBot?start=inv_7Fq2xK9pLm"
ORG = "Bruksverken AB – Hallstahammar"
SV = PosterText("sv", "Vad kan du – och vad vill du lära dig?",
                "Kompis hjälper dig att se vad du redan kan i jobbet och vad du vill bli bättre på. "
                "Det tar fem minuter och dina svar är dina egna.",
                "Skanna koden med mobilen och starta Kompis i Telegram.")
EN = PosterText("en", "What can you do – and what do you want to learn?",
                "Kompis helps you see what you already know at work and what you want to get better at. "
                "It takes five minutes and your answers are your own.",
                "Scan the code with your phone and start Kompis in Telegram.")
AR = PosterText("ar", "ماذا تستطيع أن تفعل – وماذا تريد أن تتعلم؟",
                "يساعدك كومبيس على معرفة ما تجيده في عملك وما تريد أن تتحسن فيه. "
                "يستغرق الأمر خمس دقائق وإجاباتك ملك لك.",
                "امسح الرمز بهاتفك وابدأ كومبيس في تيليغرام.")
TI = PosterText("ti", "እንታይ ክትገብር ትኽእል?", "ኮምፒስ ኣብ ስራሕካ እትፈልጦ ንምርኣይ ይሕግዘካ።", "ነቲ ኮድ ብሞባይልካ ስካን ግበሮ።")
TEXTS = [SV, EN, AR]


def page(png: bytes) -> np.ndarray:
    """Luminance 0 (black) .. 1 (white) per pixel."""
    rgb = imread(io.BytesIO(png))[..., :3]
    return rgb.mean(axis=2)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Glyph 4608 (\N{...}) missing from font(s) DejaVu Sans."
        data = render_poster(link=LINK, organisation=ORG, texts=TEXTS)
    with open("/tmp/poster.pdf", "wb") as f:
        f.write(data)
    return data


def test_pdf_is_one_a4_page_holding_the_page_image(pdf):
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    assert len(pdf) < 3_000_000
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]*)\]", pdf).group(1).split()]
    assert box == pytest.approx([0, 0, 595.276, 841.890], abs=0.01)  # A4 in points
    # The page is one 300 dpi image, so the Arabic is shaped by Agg rather than left to the PDF backend.
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 1
    assert re.search(rb"/Width 2480\b", pdf)


def test_output_is_deterministic(pdf):
    assert render_poster(link=LINK, organisation=ORG, texts=TEXTS) == pdf
    assert render_poster_png(link=LINK, organisation=ORG, texts=TEXTS) == \
        render_poster_png(link=LINK, organisation=ORG, texts=TEXTS)


@pytest.mark.parametrize("dpi", [100, 150])
def test_printed_qr_code_encodes_the_link(dpi):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_poster_png(link=LINK, organisation=ORG, texts=TEXTS, dpi=dpi)
    if dpi == 150:
        with open("/tmp/poster.png", "wb") as f:
            f.write(png)
    lum = page(png)
    assert lum.shape[:2] == (int(297 / 25.4 * dpi), int(210 / 25.4 * dpi))
    matrix = np.asarray(segno.make(LINK, error="m").matrix, dtype=bool)
    n = len(matrix)
    left, top, m = qr_box(LINK, dpi)
    assert n * m / dpi * 25.4 >= 80  # symbol at least 8 cm wide
    symbol = lum[top:top + n * m, left:left + n * m]
    assert set(np.unique(symbol)) <= {0.0, 1.0}  # sharp modules, no resampling blur
    centres = symbol[m // 2::m, m // 2::m]
    assert centres.shape == (n, n)
    assert np.array_equal(centres < 0.5, matrix)
    # Every pixel of each module, not just its centre, and a white 4-module quiet zone all round.
    assert np.array_equal(symbol < 0.5, np.kron(matrix, np.ones((m, m), dtype=bool)))
    q = 4 * m
    quiet = lum[top - q:top + n * m + q, left - q:left + n * m + q].copy()
    quiet[q:-q, q:-q] = 1.0
    assert quiet.min() == 1.0


def ink_bands(lum: np.ndarray, start: int) -> list[tuple[int, int]]:
    """(leftmost, rightmost) ink column of each run of rows with dark pixels, from row `start` down."""
    rows = (lum[start:] < 0.5).any(axis=1)
    bands, begin = [], None
    for i, has_ink in enumerate(np.append(rows, False)):
        if has_ink and begin is None:
            begin = i
        elif not has_ink and begin is not None:
            cols = np.nonzero((lum[start + begin:start + i] < 0.5).any(axis=0))[0]
            bands.append((int(cols[0]), int(cols[-1])))
            begin = None
    return bands


@pytest.mark.parametrize("text, rtl", [(EN, False), (AR, True)])
def test_each_language_block_runs_in_its_own_direction(text, rtl):
    dpi = 100
    lum = page(render_poster_png(link=LINK, organisation=ORG, texts=[SV, text], dpi=dpi))
    _, top, m = qr_box(LINK, dpi)
    n = len(segno.make(LINK, error="m").matrix)
    bands = ink_bands(lum, top + (n + 4) * m)
    _link, heading, *lines = bands
    assert len(lines) >= 3  # body (wrapped) and the scan line
    mm = dpi / 25.4
    for lo, hi in [heading, *lines]:
        if rtl:
            assert abs(hi - 195 * mm) <= 2 * mm  # every line flush with the right margin
        else:
            assert abs(lo - 15 * mm) <= 2 * mm   # every line flush with the left margin
    short = heading[0] - 15 * mm if rtl else 195 * mm - heading[1]
    assert short > 30 * mm  # the heading does not fill the line, so its alignment is visible


def test_script_no_font_draws_is_refused_up_front():
    chinese = PosterText("zh", "你能做什么？", "Kompis 帮助你。", "扫描二维码。")  # no CJK font ships with Kompis
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_poster_png(link=LINK, organisation="ሰላም AB", texts=[SV, TI], dpi=60)  # Ethiopic: drawn
        with pytest.raises(ValueError, match=r"'zh'.*no glyphs"):
            render_poster(link=LINK, organisation=ORG, texts=[SV, EN, chinese])
        with pytest.raises(ValueError, match="organisation"):
            render_poster_png(link=LINK, organisation="漢字 AB", texts=[SV])


def test_nothing_to_print_or_too_much_is_refused():
    with pytest.raises(ValueError, match="at least one text"):
        render_poster(link=LINK, organisation=ORG, texts=[])
    with pytest.raises(ValueError, match="invite link"):
        render_poster(link=" ", organisation=ORG, texts=[SV])
    wordy = PosterText("en", EN.heading, " ".join([EN.body] * 4), EN.scan)
    with pytest.raises(ValueError, match="too much text"):
        render_poster_png(link=LINK, organisation=ORG, texts=[SV] + [wordy] * 6)
