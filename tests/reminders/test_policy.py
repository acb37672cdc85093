"""Delivery policy: Swedish holidays, windows, quiet hours, shifts, DST, weekly caps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.policy import (
    EVERY_DAY,
    NIGHTS_WINDOW,
    STOCKHOLM,
    WEEKDAYS,
    NeverOpens,
    PersonTimes,
    WeeklyCap,
    Window,
    easter_sunday,
    is_open,
    next_opening,
    swedish_public_holidays,
)

DEFAULT = Window()
UTC = timezone.utc


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def opens(moment: datetime, window: Window = DEFAULT, person: PersonTimes | None = None) -> datetime:
    """next_opening, checked to be UTC and open, as a Stockholm wall-clock datetime."""
    result = next_opening(moment, window, person)
    assert result.tzinfo is UTC and result >= moment and is_open(result, window, person)
    return result.astimezone(STOCKHOLM)


# --- holidays ------------------------------------------------------------------------------------------------

HOLIDAYS_2026 = {
    date(2026, 1, 1): "nyårsdagen", date(2026, 1, 6): "trettondedag jul", date(2026, 4, 3): "långfredagen",
    date(2026, 4, 4): "påskafton", date(2026, 4, 5): "påskdagen", date(2026, 4, 6): "annandag påsk",
    date(2026, 5, 1): "första maj", date(2026, 5, 14): "Kristi himmelsfärdsdag", date(2026, 5, 23): "pingstafton",
    date(2026, 5, 24): "pingstdagen", date(2026, 6, 6): "nationaldagen", date(2026, 6, 19): "midsommarafton",
    date(2026, 6, 20): "midsommardagen", date(2026, 10, 31): "alla helgons dag", date(2026, 12, 24): "julafton",
    date(2026, 12, 25): "juldagen", date(2026, 12, 26): "annandag jul", date(2026, 12, 31): "nyårsafton",
}


def test_holidays_2026_complete():
    assert swedish_public_holidays(2026) == HOLIDAYS_2026


@pytest.mark.parametrize(("day", "name"), [
    (date(2027, 3, 26), "långfredagen"), (date(2027, 3, 27), "påskafton"), (date(2027, 3, 28), "påskdagen"),
    (date(2027, 3, 29), "annandag påsk"), (date(2027, 5, 6), "Kristi himmelsfärdsdag"),
    (date(2027, 5, 15), "pingstafton"), (date(2027, 5, 16), "pingstdagen"), (date(2027, 6, 25), "midsommarafton"),
    (date(2027, 6, 26), "midsommardagen"), (date(2027, 11, 6), "alla helgons dag"),
    (date(2027, 1, 6), "trettondedag jul"),
])
def test_holidays_2027(day, name):
    holidays = swedish_public_holidays(2027)
    assert holidays[day] == name
    assert len(holidays) == 18 and all(d.year == 2027 for d in holidays)


def test_holidays_have_no_annandag_pingst_and_no_ordinary_sundays():
    holidays = swedish_public_holidays(2026)
    assert date(2026, 5, 25) not in holidays  # annandag pingst: abolished 2005 for nationaldagen
    assert date(2026, 1, 11) not in holidays  # an ordinary Sunday: handled by the window's days


def test_coinciding_holidays_keep_both_names():
    assert swedish_public_holidays(2008)[date(2008, 5, 1)] == "första maj och Kristi himmelsfärdsdag"
    assert swedish_public_holidays(2049)[date(2049, 6, 6)] == "pingstdagen och nationaldagen"
    assert len(swedish_public_holidays(2049)) == 17


@pytest.mark.parametrize(("year", "easter"), [
    (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22)),
])
def test_easter(year, easter):
    assert easter_sunday(year) == easter


@pytest.mark.parametrize("year", range(2020, 2060))
def test_movable_feasts_fall_on_the_right_weekdays(year):
    by_name = {name: day for day, names in swedish_public_holidays(year).items() for name in names.split(" och ")}
    assert len(by_name) == 18
    assert by_name["midsommarafton"].isoweekday() == 5 and 19 <= by_name["midsommarafton"].day <= 25
    assert by_name["midsommardagen"] == by_name["midsommarafton"] + timedelta(days=1)
    assert by_name["alla helgons dag"].isoweekday() == 6
    assert date(year, 10, 31) <= by_name["alla helgons dag"] <= date(year, 11, 6)
    assert by_name["Kristi himmelsfärdsdag"].isoweekday() == 4 and by_name["pingstdagen"].isoweekday() == 7


# --- the default window ----------------------------------------------------------------------------------------

def test_saturday_waits_for_monday_morning():
    assert opens(local(2026, 1, 10, 12, 0)) == local(2026, 1, 12, 7, 0)


def test_window_start_inclusive_end_exclusive():
    assert is_open(local(2026, 1, 9, 19, 59), DEFAULT)
    assert is_open(local(2026, 1, 9, 19, 59, 59, 999999), DEFAULT)
    assert not is_open(local(2026, 1, 9, 20, 0), DEFAULT)
    assert opens(local(2026, 1, 9, 20, 0)) == local(2026, 1, 12, 7, 0)
    assert is_open(local(2026, 1, 12, 7, 0), DEFAULT)
    assert opens(local(2026, 1, 12, 6, 59)) == local(2026, 1, 12, 7, 0)


def test_open_moment_is_returned_as_is_in_utc_whatever_the_input_zone():
    moment = datetime(2026, 1, 12, 4, 0, tzinfo=ZoneInfo("America/New_York"))  # 10:00 in Stockholm
    result = next_opening(moment, DEFAULT)
    assert result == moment and result.tzinfo is UTC and result == utc(2026, 1, 12, 9, 0)


def test_naive_moment_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_opening(datetime(2026, 1, 12, 10, 0), DEFAULT)


def test_christmas_eve_2026_waits_until_monday_28th():
    assert opens(local(2026, 12, 24, 10, 0)) == local(2026, 12, 28, 7, 0)
    assert opens(local(2026, 12, 23, 20, 0)) == local(2026, 12, 28, 7, 0)


def test_years_end_and_trettondedagen():
    assert opens(local(2026, 12, 30, 20, 0)) == local(2027, 1, 4, 7, 0)  # nyårsafton, nyårsdagen, weekend
    assert opens(local(2027, 1, 5, 20, 0)) == local(2027, 1, 7, 7, 0)  # 6 Jan 2027 is a Wednesday


def test_first_of_may_and_easter():
    assert opens(local(2026, 4, 30, 20, 0)) == local(2026, 5, 4, 7, 0)  # Friday 1 May, then a weekend
    assert opens(local(2026, 4, 2, 20, 0)) == local(2026, 4, 7, 7, 0)  # långfredagen to annandag påsk
    assert opens(local(2026, 5, 13, 20, 0)) == local(2026, 5, 15, 7, 0)  # Kristi himmelsfärd, Thursday


def test_holidays_can_be_kept_open():
    assert is_open(local(2026, 12, 24, 10, 0), Window(skip_holidays=False))


# --- daylight saving time ----------------------------------------------------------------------------------

def test_spring_forward_skipped_hour():
    # 2026-03-29 02:00 CET jumps to 03:00 CEST; 01:30 UTC is 03:30 CEST, the "02:30" that never shows.
    every_day = Window.parse("mon-sun")
    assert opens(utc(2026, 3, 29, 1, 30), every_day) == local(2026, 3, 29, 7, 0)
    assert next_opening(utc(2026, 3, 29, 1, 30), every_day) == utc(2026, 3, 29, 5, 0)
    assert next_opening(local(2026, 3, 29, 2, 30), DEFAULT) == utc(2026, 3, 30, 5, 0)  # Monday 07:00 CEST
    assert next_opening(local(2026, 3, 27, 20, 0), DEFAULT) == utc(2026, 3, 30, 5, 0)
    assert next_opening(local(2026, 3, 26, 20, 0), DEFAULT) == utc(2026, 3, 27, 6, 0)  # still CET


def test_window_starting_in_the_skipped_hour_opens_when_the_clock_passes_it():
    early = Window.parse("mon-sun", "02:30", "05:00")
    assert next_opening(utc(2026, 3, 29, 0, 30), early) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    only_gap = Window.parse("mon-sun", "02:00", "02:30")  # never on the wall clock that night
    assert next_opening(utc(2026, 3, 29, 0, 0), only_gap) == local(2026, 3, 30, 2, 0)


def test_fall_back_repeated_hour():
    # 2026-10-25 03:00 CEST goes back to 02:00 CET: 02:00-03:00 happens twice.
    night = Window.parse("mon-sun", "22:00", "06:00")
    assert is_open(utc(2026, 10, 25, 0, 30), night)  # 02:30 CEST
    assert is_open(utc(2026, 10, 25, 1, 30), night)  # 02:30 CET
    assert is_open(utc(2026, 10, 25, 4, 59), night)  # 05:59 CET
    assert next_opening(utc(2026, 10, 25, 5, 0), night) == utc(2026, 10, 25, 21, 0)  # 22:00 CET
    quiet = PersonTimes(time(2), time(3))  # both 02:00-03:00 hours are quiet
    assert next_opening(utc(2026, 10, 25, 0, 0), night, quiet) == utc(2026, 10, 25, 2, 0)
    ends_half_past_two = Window.parse("mon-sun", "22:00", "02:30")  # the second 02:00-02:30 reopens
    assert next_opening(utc(2026, 10, 25, 0, 30), ends_half_past_two) == utc(2026, 10, 25, 1, 0)
    assert next_opening(local(2026, 10, 23, 20, 0), DEFAULT) == utc(2026, 10, 26, 6, 0)  # Monday 07:00 CET


def test_ambiguous_local_moment_in_either_fold():
    night = Window.parse("mon-sun", "22:00", "06:00")
    assert is_open(local(2026, 10, 25, 2, 30, fold=0), night) and is_open(local(2026, 10, 25, 2, 30, fold=1), night)


# --- quiet hours and shifts ----------------------------------------------------------------------------------

def test_quiet_hours_at_lunch():
    lunch = PersonTimes(time(12), time(13))
    assert opens(local(2026, 1, 12, 12, 10), person=lunch) == local(2026, 1, 12, 13, 0)
    assert opens(local(2026, 1, 12, 12, 0), person=lunch) == local(2026, 1, 12, 13, 0)
    assert is_open(local(2026, 1, 12, 11, 59), DEFAULT, lunch)


def test_wrapping_quiet_hours():
    sleep = PersonTimes(time(21), time(7, 30))
    assert opens(local(2026, 1, 12, 7, 0), person=sleep) == local(2026, 1, 12, 7, 30)
    assert opens(local(2026, 1, 12, 3, 0), person=sleep) == local(2026, 1, 12, 7, 30)
    assert opens(local(2026, 1, 9, 20, 0), person=sleep) == local(2026, 1, 12, 7, 30)


def test_nights_shift_uses_the_afternoon_window():
    nights = PersonTimes(shift="nights")
    assert NIGHTS_WINDOW.days == WEEKDAYS and (NIGHTS_WINDOW.start, NIGHTS_WINDOW.end) == (time(16), time(21))
    assert opens(local(2026, 1, 12, 10, 0), person=nights) == local(2026, 1, 12, 16, 0)
    assert is_open(local(2026, 1, 12, 20, 30), DEFAULT, nights)
    assert opens(local(2026, 1, 12, 21, 0), person=nights) == local(2026, 1, 13, 16, 0)
    assert opens(local(2026, 1, 9, 21, 0), person=nights) == local(2026, 1, 12, 16, 0)
    assert opens(local(2026, 12, 23, 21, 0), person=nights) == local(2026, 12, 28, 16, 0)


def test_shifts_open_on_a_sunday_but_not_on_holidays():
    shifts = PersonTimes(shift="shifts")
    assert is_open(local(2026, 1, 11, 10, 0), DEFAULT, shifts)  # an ordinary Sunday
    assert is_open(local(2026, 1, 11, 20, 30), DEFAULT, shifts)
    assert opens(local(2026, 1, 11, 6, 0), person=shifts) == local(2026, 1, 11, 7, 0)
    assert opens(local(2026, 1, 11, 21, 0), person=shifts) == local(2026, 1, 12, 7, 0)
    assert opens(local(2026, 4, 5, 10, 0), person=shifts) == local(2026, 4, 7, 7, 0)  # påskdagen, annandag
    late_sleeper = PersonTimes(time(22), time(9), shift="shifts")
    assert opens(local(2026, 1, 11, 7, 0), person=late_sleeper) == local(2026, 1, 11, 9, 0)


def test_wrapping_night_window_belongs_to_the_day_it_starts():
    monday_nights = Window.parse("mon", "22:00", "06:00")
    assert monday_nights.days == {1}
    assert is_open(local(2026, 1, 13, 2, 0), monday_nights)  # Tuesday 02:00: Monday's night
    assert opens(local(2026, 1, 12, 21, 59), monday_nights) == local(2026, 1, 12, 22, 0)
    assert opens(local(2026, 1, 13, 6, 0), monday_nights) == local(2026, 1, 19, 22, 0)
    assert opens(local(2026, 1, 13, 22, 0), monday_nights) == local(2026, 1, 19, 22, 0)
    assert opens(local(2026, 1, 12, 2, 0), monday_nights) == local(2026, 1, 12, 22, 0)  # Sunday's night: closed


def test_wrapping_night_window_and_holidays():
    nights = Window.parse("mon-sun", "22:00", "06:00")
    assert is_open(local(2026, 12, 24, 2, 0), nights)  # started on the 23rd
    assert opens(local(2026, 12, 25, 2, 0), nights) == local(2026, 12, 27, 22, 0)  # 24-26 are holidays


def test_window_never_opens():
    lunch_only = Window.parse("mon-fri", "12:00", "13:00")
    person = PersonTimes(time(11), time(14))
    with pytest.raises(ValueError, match="window never opens"):
        next_opening(local(2026, 1, 12, 8, 0), lunch_only, person)
    with pytest.raises(NeverOpens):
        next_opening(local(2026, 1, 12, 8, 0), lunch_only, person)
    assert not is_open(local(2026, 1, 12, 12, 0), lunch_only, person)


def test_person_times_validation():
    with pytest.raises(ValueError, match="shift"):
        PersonTimes(shift="evening")
    with pytest.raises(ValueError, match="both"):
        PersonTimes(quiet_start=time(21))
    with pytest.raises(ValueError, match="differ"):
        PersonTimes(time(21), time(21))
    assert PersonTimes(shift="day").window_for(DEFAULT) is DEFAULT


# --- parsing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "days"), [
    ("mon-fri", WEEKDAYS), ("mon,wed,fri", {1, 3, 5}), ("mon-sun", EVERY_DAY), ("MON - FRI", WEEKDAYS),
    ("sat,sun", {6, 7}), ("mon-wed,fri", {1, 2, 3, 5}), ("fri-mon", {5, 6, 7, 1}), ("sun", {7}),
])
def test_parse_days(spec, days):
    assert Window.parse(spec).days == days


def test_parse_times_and_defaults():
    assert Window.parse() == Window() == Window(WEEKDAYS, time(7), time(20), True)
    assert Window.parse("mon-fri", "7:05", "23:59") == Window(WEEKDAYS, time(7, 5), time(23, 59))
    assert Window.parse(skip_holidays=False).skip_holidays is False


@pytest.mark.parametrize("spec", ["monday-friday", "mon-", "", "mon-tue-wed", "mån-fre", "1-5", "mon;fri"])
def test_parse_bad_days(spec):
    with pytest.raises(ValueError, match="Cannot read weekdays"):
        Window.parse(spec)


@pytest.mark.parametrize("text", ["24:00", "07:60", "7", "07.00", "0700", "", "07:00:00", "-1:00", "seven"])
def test_parse_bad_times(text):
    with pytest.raises(ValueError, match="Cannot read time"):
        Window.parse("mon-fri", text, "20:00")
    with pytest.raises(ValueError, match="Cannot read time"):
        Window.parse("mon-fri", "07:00", text)


def test_window_validation():
    with pytest.raises(ValueError, match="must differ"):
        Window.parse("mon-fri", "08:00", "08:00")
    with pytest.raises(ValueError, match="weekdays"):
        Window(days=frozenset())
    with pytest.raises(ValueError, match="weekdays"):
        Window(days=frozenset({0, 1}))
    assert Window(days={1, 2}).days == frozenset({1, 2})


# --- weekly cap -----------------------------------------------------------------------------------------------

def test_week_start_across_spring_forward():
    cap = WeeklyCap(3)
    sunday = local(2026, 3, 29, 12, 0)
    assert cap.week_start(sunday) == utc(2026, 3, 22, 23, 0)  # Monday 23 March 00:00 CET
    assert cap.next_week(sunday) == utc(2026, 3, 29, 22, 0)  # Monday 30 March 00:00 CEST
    assert cap.next_week(sunday) - cap.week_start(sunday) == timedelta(hours=167)
    assert cap.week_start(utc(2026, 3, 29, 22, 30)) == utc(2026, 3, 29, 22, 0)  # already Monday locally
    assert cap.week_start(utc(2026, 3, 29, 21, 59)) == utc(2026, 3, 22, 23, 0)


def test_week_start_across_fall_back_and_new_year():
    cap = WeeklyCap(3)
    sunday = local(2026, 10, 25, 12, 0)
    assert cap.week_start(sunday) == utc(2026, 10, 18, 22, 0)
    assert cap.next_week(sunday) == utc(2026, 10, 25, 23, 0)
    assert cap.next_week(sunday) - cap.week_start(sunday) == timedelta(hours=169)
    assert cap.week_start(local(2027, 1, 1, 9, 0)) == local(2026, 12, 28, 0, 0)  # ISO week 53 of 2026
    assert cap.week_start(local(2026, 1, 12, 0, 0)).tzinfo is UTC


def test_weekly_cap_limit():
    assert WeeklyCap(2).allows(1) and not WeeklyCap(2).allows(2) and not WeeklyCap(0).allows(0)
    with pytest.raises(ValueError):
        WeeklyCap(-1)


# --- properties -------------------------------------------------------------------------------------------------

def _default_allows(moment: datetime) -> bool:
    wall = moment.astimezone(STOCKHOLM)
    return (wall.isoweekday() <= 5 and wall.date() not in swedish_public_holidays(wall.year)
            and time(7) <= wall.time() < time(20))


def test_every_hour_of_2026_default_window():
    moment = utc(2026, 1, 1, 0, 0)
    while moment.year == 2026:
        result = next_opening(moment, DEFAULT)
        assert result >= moment and is_open(result, DEFAULT) and _default_allows(result), moment
        if _default_allows(moment):
            assert result == moment
        else:
            assert result.astimezone(STOCKHOLM).time() == time(7, 0), moment
            assert result - moment < timedelta(days=6)
        moment += timedelta(hours=1)


def _brute_force_open(instant: datetime, window: Window, person: PersonTimes) -> bool:
    """An independent reading of the rules, instant by instant, on the local wall clock."""
    wall = instant.astimezone(STOCKHOLM)
    t = wall.time()
    start_day = wall.date() - timedelta(days=1) if window.end < window.start and t < window.end else wall.date()
    if window.start < window.end:
        in_window = window.start <= t < window.end
    else:
        in_window = t >= window.start or t < window.end
    allowed = start_day.isoweekday() in window.days and start_day not in swedish_public_holidays(start_day.year)
    qs, qe = person.quiet_start, person.quiet_end
    quiet = (qs <= t < qe) if qs < qe else (t >= qs or t < qe)
    return in_window and allowed and not quiet


@pytest.mark.parametrize(("window", "person"), [
    (DEFAULT, PersonTimes(time(12), time(13, 30))),
    (Window.parse("mon-fri", "22:00", "06:00"), PersonTimes(time(23), time(0, 30))),
    (Window.parse("sun,tue,thu", "06:30", "18:00"), PersonTimes(time(17), time(7))),
])
def test_matches_a_brute_force_search_through_2026(window, person):
    """From a moment every 7 h 13 min, next_opening equals the first open instant on a 15-minute grid."""
    moment = utc(2025, 12, 20, 0, 1)
    while moment.year < 2027:
        result = next_opening(moment, window, person)
        if _brute_force_open(moment, window, person):
            assert result == moment
        else:
            probe = moment.replace(minute=moment.minute - moment.minute % 15) + timedelta(minutes=15)
            while not _brute_force_open(probe, window, person):
                probe += timedelta(minutes=15)
            assert result == probe, moment
        moment += timedelta(hours=7, minutes=13)
