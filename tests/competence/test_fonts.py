"""Every text a chart or the poster draws, in every language Kompis speaks, has a font that draws it: DejaVu Sans
for Latin, Cyrillic and Arabic script, Abyssinica SIL (shipped in data/fonts/) for Tigrinya's Ethiopic."""

from __future__ import annotations

import warnings

import pytest

from bot.competence import framework
from bot.competence.chart import ChartArea, ChartText, render_profile
from bot.fonts import missing_glyphs
from bot.i18n import I18n
from bot.poster import PosterText, render_poster_png
from bot.progress_chart import ProgressRow, render_progress
from dialogues.admin import POSTER_BODY, POSTER_HEADING, POSTER_SCAN
from dialogues.stats import FIGURE_LABELS

LANGUAGES = ("sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk")
DRAWN = ("Your level and the target for your role", "You", "Target", "Last time", "not assessed", "A month ago",
         "Team", "The team's level and target", "too few answers", "Progress towards the project's targets",
         "{value} of {target}", POSTER_HEADING, POSTER_BODY, POSTER_SCAN, *FIGURE_LABELS.values())


def drawn_texts(lang: str) -> list[str]:
    t = I18n(LANGUAGES, "sv").translator(lang)
    current = framework.current()
    texts = [t.gettext(message, value=1, target=2) for message in DRAWN]
    texts += [t.gettext(area.name) for area in current.areas] + [t.gettext(level.name) for level in current.levels]
    return texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_drawn_text_has_a_font(lang):
    missing = {text: "".join(sorted(missing_glyphs(text))) for text in drawn_texts(lang) if missing_glyphs(text)}
    assert missing == {}


@pytest.mark.parametrize("lang", ["ti", "fa", "uk"])
def test_charts_and_the_poster_draw_without_a_missing_glyph_warning(lang):
    texts = drawn_texts(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib only warns about a missing glyph, and draws a box
        render_profile([ChartArea(texts[-5], 2.0, 3, 1.0), ChartArea(texts[-6], None, 2)],
                       ChartText(texts[0], texts[1], texts[2], texts[3], texts[4], tuple(texts[-4:])),
                       rtl=lang == "fa")
        render_progress([ProgressRow(texts[-7], 0.4, texts[10])], texts[9], rtl=lang == "fa")
        render_poster_png(link="https://t.me/kompis_bot?start=abc", organisation="Bruket AB", dpi=60,
                          texts=[PosterText("sv", "Vad kan du?", "Kompis hjälper dig.", "Skanna koden."),
                                 PosterText(lang, texts[11], texts[12], texts[13])])


def test_scripts_no_font_draws_are_found():
    assert missing_glyphs("ሰላም Безпека سلام Säkerhet") == set()  # Ethiopic, Cyrillic, Arabic, Latin
    assert missing_glyphs("漢字") == set("漢字")  # no CJK font ships: a label like this is refused, not boxed
    assert missing_glyphs(" \t\n\u200f\u200d\u2068\u2069") == set()  # whitespace and invisible format characters
