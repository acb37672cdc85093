"""The competence profile chart: a readable, deterministic JPEG in Swedish, English and Arabic, without warnings."""

from __future__ import annotations

import io
import warnings

import PIL.features
import pytest
from PIL import Image, ImageColor

from bot.competence.chart import OWN_COLOUR, TARGET_COLOUR, ChartArea, ChartText, render_profile
from bot.fonts import missing_glyphs
from bot.localapi.images import image_size

JPEG_MAGIC = b"\xff\xd8\xff"

LABELS = {
    "sv": ["Säkerhet och arbetsmiljö", "Energieffektivisering", "Kvalitet och avvikelsehantering",
           "Underhåll av maskiner", "Digitala verktyg", "Ständiga förbättringar", "Ritningsläsning och mätteknik",
           "Kommunikation i teamet", "Produktionsplanering", "Hållbarhet och cirkulär ekonomi"],
    "en": ["Safety and working environment", "Energy efficiency", "Quality and handling deviations",
           "Machine maintenance", "Digital tools", "Continuous improvement", "Reading drawings and measuring",
           "Communication in the team", "Production planning", "Sustainability and circular economy"],
    "ar": ["السلامة وبيئة العمل", "كفاءة الطاقة", "الجودة ومعالجة الانحرافات", "صيانة الآلات", "الأدوات الرقمية",
           "التحسين المستمر", "قراءة الرسومات والقياس", "التواصل داخل الفريق", "تخطيط الإنتاج",
           "الاستدامة والاقتصاد الدائري"],
}
TEXT = {
    "sv": ChartText("Din nivå och målet för operatörer", "Du", "Mål", "Förra gången", "ej bedömd",
                    ("Ny på det här", "Med stöd", "På egen hand", "Kan lära andra")),
    "en": ChartText("Your level and the target for operators", "You", "Target", "Last time", "not assessed",
                    ("New to this", "With support", "On my own", "Can teach others")),
    "ar": ChartText("مستواك والهدف للمشغلين", "أنت", "الهدف", "المرة السابقة", "لم يُقيَّم",
                    ("جديد على هذا", "بمساعدة", "بمفردي", "أستطيع تعليم الآخرين")),
}
# Two areas not assessed, five with a previous level; one at the top level, one at the bottom.
CURRENT = [2.5, 3.0, None, 1.75, 4.0, 2.0, None, 3.25, 1.0, 2.75]
TARGET = [4, 3, 3, 2, 3, 3, 2, 4, 2, 3]
PREVIOUS = [2.0, None, None, 1.25, 3.5, None, None, 3.0, None, 2.0]


def areas(lang: str, n: int = 10) -> list[ChartArea]:
    return [ChartArea(*row) for row in zip(LABELS[lang], CURRENT, TARGET, PREVIOUS)][:n]


def render(lang: str, n: int = 10) -> bytes:
    """Renders with every warning an error: a missing glyph ("Glyph ... missing from font(s)") must fail."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return render_profile(areas(lang, n), TEXT[lang], rtl=lang == "ar")


def image_dimensions(jpeg: bytes) -> tuple[int, int]:
    assert jpeg[:3] == JPEG_MAGIC
    return image_size(jpeg)


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_ten_areas_render_as_a_phone_sized_image(lang):
    width, height = image_dimensions(render(lang))
    assert width >= 900
    assert height >= width  # ten rows: taller than wide, one readable row each


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_height_grows_with_the_number_of_rows(lang):
    heights = [image_dimensions(render(lang, n))[1] for n in (1, 4, 10)]
    assert heights == sorted(set(heights))


def test_a_single_area_renders():
    width, height = image_dimensions(render("en", 1))
    assert width >= 900 and 0 < height < width


def test_no_areas_is_an_error():
    with pytest.raises(ValueError):
        render_profile([], TEXT["en"])


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_same_input_gives_the_same_bytes(lang):
    assert render(lang) == render(lang)


def test_different_input_gives_different_bytes():
    assert render("en") != render("en", 9)
    assert render_profile(areas("ar"), TEXT["ar"]) != render("ar")  # rtl mirrors the chart


def test_no_dates_or_software_in_the_metadata():
    image = Image.open(io.BytesIO(render("sv")))
    assert image.format == "JPEG" and set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density"}


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_the_jpeg_keeps_the_colours_and_the_white_page(lang):
    """JPEG is lossy: the bars must still be the chart's blue, the targets its orange, the page white."""
    image = Image.open(io.BytesIO(render(lang))).convert("RGB")
    width, height = image.size
    colours = image.getcolors(width * height)

    def near(colour: str, within: int = 6) -> int:
        wanted = ImageColor.getrgb(colour)
        return sum(n for n, rgb in colours if max(abs(a - b) for a, b in zip(rgb, wanted)) <= within)

    assert near(OWN_COLOUR) > 10 * 60 * 40  # ten bars, each at least 60 px long and 40 px high
    assert near(TARGET_COLOUR) > 10 * 10 * 60  # ten ticks of 10 × ~70 px, and the legend's
    assert near("#ffffff", 1) > width * height / 2
    assert all(image.getpixel(corner) == (255, 255, 255) for corner in ((0, 0), (width - 1, height - 1)))


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_the_font_draws_every_text_of_the_chart(lang):
    text = TEXT[lang]
    strings = [*LABELS[lang], text.title, text.own, text.target, text.previous, text.not_assessed, *text.levels]
    assert set().union(*map(missing_glyphs, strings)) == set()


def test_missing_glyphs_finds_scripts_no_font_has():
    assert missing_glyphs("漢字") == set("漢字")  # no CJK font ships with Kompis
    assert missing_glyphs("Säkerhet 漢字") == set("漢字")
    assert missing_glyphs("Безпека праці ሰላም") == set()  # Cyrillic (Ukrainian), Ethiopic (Tigrinya) are covered
    assert missing_glyphs(" \t\n\u200f\u200d") == set()  # whitespace and invisible format characters


def test_a_label_the_font_cannot_draw_warns():
    # The reason missing_glyphs exists: matplotlib only warns, and would draw empty boxes.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="missing from font"):
            render_profile([ChartArea("漢字", 2.0, 3)], TEXT["en"])


def test_pillow_shapes_text_with_libraqm():
    # Without libraqm Pillow would draw Arabic and Persian letters unjoined and left to right.
    assert PIL.features.check("raqm")


def test_dollar_signs_are_not_mathtext():
    # As mathtext, "$\\bogus{$" would raise ValueError: translated text must be drawn as it is.
    text = ChartText("Costs in $\\bogus{$", *["$\\bogus{$"] * 4, ("$1", "$2", "$3", "$4"))
    render_profile([ChartArea("Energy $\\bogus{$ per hour", 2.0, 3, 1.0), ChartArea("$", None, 1)], text)
