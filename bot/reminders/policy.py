"""When a reminder may be delivered: a weekly window in Stockholm wall-clock time, minus Swedish holidays and the
person's own quiet hours. Pure functions: the current time is always passed in, never read from the clock.

The open set is defined per instant by its local wall clock: an instant is open when its local time lies in
[start, end) of a window that starts on an allowed day (a window with end < start wraps past midnight and belongs
to the day it starts), and not in [quiet_start, quiet_end) (which may wrap too). DST follows from this: in the
skipped spring hour a window starting 02:30 opens at 03:00; in the repeated autumn hour both occurrences count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEARCH_DAYS = 400  # next_opening gives up after this many local days
WEEKDAYS = frozenset(range(1, 6))
EVERY_DAY = frozenset(range(1, 8))
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class NeverOpens(ValueError):
    """The window (minus holidays and quiet hours) has no open instant within SEARCH_DAYS."""


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm: Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # the algorithm's own names, kept
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_weekday_from(year: int, month: int, day: int, isoweekday: int) -> date:
    start = date(year, month, day)
    return start + timedelta(days=(isoweekday - start.isoweekday()) % 7)


def swedish_public_holidays(year: int) -> dict[date, str]:
    """Allmänna helgdagar (Lag 1989:253) but ordinary Sundays, plus the eves workplaces take off. Days that
    coincide (Kristi himmelsfärd on 1 May, pingstdagen on 6 June) get both names joined by " och "."""
    easter, day = easter_sunday(year), timedelta(days=1)
    named = [
        (date(year, 1, 1), "nyårsdagen"), (date(year, 1, 6), "trettondedag jul"),
        (easter - 2 * day, "långfredagen"), (easter - day, "påskafton"), (easter, "påskdagen"),
        (easter + day, "annandag påsk"), (date(year, 5, 1), "första maj"),
        (easter + 39 * day, "Kristi himmelsfärdsdag"), (easter + 48 * day, "pingstafton"),
        (easter + 49 * day, "pingstdagen"), (date(year, 6, 6), "nationaldagen"),
        (_first_weekday_from(year, 6, 19, 5), "midsommarafton"),  # the Friday 19-25 June
        (_first_weekday_from(year, 6, 20, 6), "midsommardagen"),  # the Saturday 20-26 June
        (_first_weekday_from(year, 10, 31, 6), "alla helgons dag"),  # the Saturday 31 Oct - 6 Nov
        (date(year, 12, 24), "julafton"),
        (date(year, 12, 25), "juldagen"), (date(year, 12, 26), "annandag jul"), (date(year, 12, 31), "nyårsafton"),
    ]
    holidays: dict[date, str] = {}
    for when, name in sorted(named, key=lambda pair: pair[0]):
        holidays[when] = f"{holidays[when]} och {name}" if when in holidays else name
    return holidays


@lru_cache(maxsize=64)
def _holiday_dates(year: int) -> frozenset[date]:
    return frozenset(swedish_public_holidays(year))


def _parse_days(spec: str) -> frozenset[int]:
    days: set[int] = set()
    for part in str(spec).lower().replace(" ", "").split(","):
        names = part.split("-")
        if len(names) > 2 or any(name not in _DAY_NAMES for name in names):
            raise ValueError(f"Cannot read weekdays {spec!r}: write e.g. 'mon-fri', 'mon,wed,fri' or 'mon-sun'.")
        first, last = _DAY_NAMES.index(names[0]), _DAY_NAMES.index(names[-1])
        days.update(d % 7 + 1 for d in range(first, first + (last - first) % 7 + 1))  # 'fri-mon' wraps the week
    return frozenset(days)


def _parse_hhmm(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"Cannot read time {text!r}: write it as HH:MM on a 24-hour clock, e.g. '07:00'.")
    return time(int(match[1]), int(match[2]))


def _inside(t: time, start: time, end: time) -> bool:
    """Whether wall time t is in [start, end), wrapping midnight when end < start."""
    return start <= t < end if start < end else (t >= start or t < end)


@dataclass(frozen=True)
class Window:
    """Delivery window: ISO weekdays (1=Mon..7=Sun) on which it starts, local [start, end), holidays skipped."""

    days: frozenset[int] = WEEKDAYS
    start: time = time(7)
    end: time = time(20)
    skip_holidays: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", frozenset(self.days))
        if not self.days or not self.days <= EVERY_DAY:
            raise ValueError("A window's days must be a non-empty set of ISO weekdays 1 (Monday) to 7 (Sunday).")
        if self.start == self.end:
            raise ValueError("A window's start and end must differ (equal times give no delivery time).")

    @classmethod
    def parse(
        cls, days: str = "mon-fri", start: str = "07:00", end: str = "20:00", skip_holidays: bool = True
    ) -> Window:
        """Read config strings: days like 'mon-fri', 'mon,wed,fri', 'mon-sun'; times as 'HH:MM'."""
        return cls(_parse_days(days), _parse_hhmm(start), _parse_hhmm(end), skip_holidays)

    def starts_on(self, day: date) -> bool:
        """Whether a window starts on this local date (allowed weekday and, if skipped, not a holiday)."""
        return day.isoweekday() in self.days and not (self.skip_holidays and day in _holiday_dates(day.year))

    def contains(self, local: datetime) -> bool:
        """Whether a wall-clock datetime is inside; the after-midnight part of a wrapping window is the day before's."""
        t, day = local.time(), local.date()
        if self.end < self.start and t < self.end:
            day -= timedelta(days=1)
        return _inside(t, self.start, self.end) and self.starts_on(day)


# Night workers sleep roughly 07:00-15:00 after a 22:00-06:00 shift; late afternoon to early evening is their
# awake, off-duty time, and 21:00 leaves an hour before they leave for work.
NIGHTS_WINDOW = Window(WEEKDAYS, time(16), time(21))
# Irregular shifts: any day may be a day off, so widen to every day and let the person's quiet hours cut out sleep.
SHIFTS_WINDOW = Window(EVERY_DAY, time(7), time(21), skip_holidays=True)


@dataclass(frozen=True)
class PersonTimes:
    """A person's own quiet hours (local [quiet_start, quiet_end), may wrap midnight) and shift pattern."""

    quiet_start: time | None = None
    quiet_end: time | None = None
    shift: str | None = None

    def __post_init__(self) -> None:
        if self.shift not in (None, "day", "nights", "shifts"):
            raise ValueError(f"Unknown shift {self.shift!r}: use None, 'day', 'nights' or 'shifts'.")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("Quiet hours need both a start and an end, or neither.")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("Quiet hours' start and end must differ.")

    def window_for(self, window: Window) -> Window:
        """The window that applies to this person: the night or shift window replaces the configured one."""
        return {"nights": NIGHTS_WINDOW, "shifts": SHIFTS_WINDOW}.get(self.shift, window)

    def is_quiet(self, local: datetime) -> bool:
        return self.quiet_start is not None and _inside(local.time(), self.quiet_start, self.quiet_end)


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("The moment must be a timezone-aware datetime.")
    return moment.astimezone(timezone.utc)


def _utc(day: date, t: time, tz: ZoneInfo, fold: int = 0) -> datetime:
    return datetime.combine(day, t, tzinfo=tz).replace(fold=fold).astimezone(timezone.utc)


def _transition(day: date, tz: ZoneInfo) -> datetime | None:
    """The instant (to the second) the UTC offset changes during this local day, if it does."""
    midnight = _utc(day, time(0), tz)
    low, high = 0, int((_utc(day + timedelta(days=1), time(0), tz) - midnight).total_seconds())

    def offset(seconds: int) -> timedelta | None:
        return (midnight + timedelta(seconds=seconds)).astimezone(tz).utcoffset()

    before = offset(low)
    if offset(high) == before:
        return None
    while high - low > 1:  # bisect: the old offset holds at low, the new one at high
        mid = (low + high) // 2
        low, high = (mid, high) if offset(mid) == before else (low, mid)
    return midnight + timedelta(seconds=high)


def next_opening(moment: datetime, window: Window, person: PersonTimes | None = None,
                 tz: ZoneInfo = STOCKHOLM) -> datetime:
    """The earliest instant >= moment (aware, any tz) at which a reminder may be delivered, in UTC.

    Candidates are the moment itself, every window start and quiet-hours end (both folds), and DST transitions:
    every open stretch begins at one of these. Raises NeverOpens (a ValueError) after SEARCH_DAYS local days."""
    person = person or PersonTimes()
    active = person.window_for(window)
    bounds = [active.start] + ([person.quiet_end] if person.quiet_end is not None else [])

    def is_free(instant: datetime) -> bool:
        local = instant.astimezone(tz)
        return active.contains(local) and not person.is_quiet(local)

    start = _aware_utc(moment)
    if is_free(start):
        return start
    first_day = start.astimezone(tz).date()
    for offset in range(SEARCH_DAYS + 1):
        day = first_day + timedelta(days=offset)
        candidates = {_utc(day, t, tz, fold) for t in bounds for fold in (0, 1)} | {_transition(day, tz)}
        for candidate in sorted(c for c in candidates if c is not None and c > start):
            if is_free(candidate):
                return candidate
    raise NeverOpens("window never opens")


def is_open(moment: datetime, window: Window, person: PersonTimes | None = None, tz: ZoneInfo = STOCKHOLM) -> bool:
    """Whether a reminder may be delivered exactly at this moment."""
    try:
        # compare in UTC: an ambiguous local moment never equals an instant in another zone (PEP 495)
        return next_opening(moment, window, person, tz) == _aware_utc(moment)
    except NeverOpens:
        return False


@dataclass(frozen=True)
class WeeklyCap:
    """At most `limit` reminders per ISO week of local time (Monday 00:00 to Monday 00:00, Stockholm)."""

    limit: int

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError("A weekly cap's limit must be zero or more.")

    def week_start(self, moment: datetime, tz: ZoneInfo = STOCKHOLM) -> datetime:
        """Monday 00:00 local of the moment's local ISO week, as UTC."""
        local = _aware_utc(moment).astimezone(tz)
        return _utc(local.date() - timedelta(days=local.isoweekday() - 1), time(0), tz)

    def next_week(self, moment: datetime, tz: ZoneInfo = STOCKHOLM) -> datetime:
        """Monday 00:00 local of the following ISO week, as UTC (when the count starts over)."""
        monday = self.week_start(moment, tz).astimezone(tz).date()
        return _utc(monday + timedelta(days=7), time(0), tz)

    def allows(self, sent_this_week: int) -> bool:
        """Whether one more reminder fits, given how many were sent since week_start."""
        return sent_this_week < self.limit
