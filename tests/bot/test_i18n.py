"""Speaking a language is more than its catalog: dates, times, weekday names and numbers the locale's way, and in
Arabic and Persian every value in a sentence isolated, so that a Swedish title or a number keeps its place."""

from __future__ import annotations

from datetime import date, time

from bot.i18n import FSI, PDI, I18n

I18N = I18n(("sv", "en", "ar", "fi", "pl", "fa", "so", "bs", "ti", "uk"), "sv")


def test_values_in_right_to_left_sentences_are_isolated():
    ar, fa, sv = (I18N.translator(lang) for lang in ("ar", "fa", "sv"))
    noted = ar.gettext("Noted: “{title}”.", title="Svetsning MIG/MAG 2")
    assert f"{FSI}Svetsning MIG/MAG 2{PDI}" in noted
    assert f"{FSI}Svetsning MIG/MAG 2{PDI}" in fa.gettext("Noted: “{title}”.", title="Svetsning MIG/MAG 2")
    assert FSI not in sv.gettext("Noted: “{title}”.", title="Svetsning")  # left to right: nothing to isolate
    assert ar.isolate("rad ett\nrad två") == "rad ett\nrad två"  # isolates end at a line break: left as it is
    assert ar.isolate(ar.isolate("12")) == f"{FSI}12{PDI}"  # never twice


def test_weekdays_times_and_dates_in_the_locale():
    sv, fi, ar, en = (I18N.translator(lang) for lang in ("sv", "fi", "ar", "en"))
    assert sv.weekdays({1, 2, 3, 4, 5}) == "måndag–fredag"
    assert sv.weekdays({1, 3, 6, 7}) == "måndag, onsdag, lördag och söndag"
    assert fi.weekdays({6, 7}) == "lauantai ja sunnuntai"
    assert ar.weekdays({1, 2, 3, 4, 5}) == "الاثنين–الجمعة"
    assert sv.time(time(7)) == "07:00" and en.time(time(7)) == "7:00\u202fAM"
    assert sv.day(date(2027, 2, 2)) == "2 feb. 2027" and sv.decimal(2.5) == "2,5"
