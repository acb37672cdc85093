"""Translations through gettext catalogs (Babel), chosen once per update.

The language of a turn is the person's stored choice, else the choice made during onboarding, else
Telegram's `language_code` negotiated with Babel against the configured languages, else the default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_day_names
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from bot.config import PROJECT_ROOT

LOCALE_DIR = PROJECT_ROOT / "locale"
DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
FSI, PDI = "\u2068", "\u2069"  # first strong isolate … pop directional isolate (Unicode bidi, UAX #9)

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """What a dialogue needs to speak one language."""

    lang: str
    translations: NullTranslations

    def gettext(self, message: str, **values) -> str:
        text = self.translations.gettext(message)
        return text.format(**self._isolated(values)) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values) -> str:
        return self.translations.ngettext(singular, plural, n).format(**self._isolated(dict(values, n=n)))

    def isolate(self, value) -> str:
        """In a right-to-left language, a fragment that may run the other way (a Swedish course title, a code,
        a date, a number) wrapped in Unicode isolates, so it cannot reorder the sentence around it. A value
        of several lines is left as it is: isolates end at a line break."""
        text = str(value)
        if not self.rtl or not text or "\n" in text or text.startswith(FSI):
            return text
        return f"{FSI}{text}{PDI}"

    def _isolated(self, values: dict) -> dict:
        return {key: self.isolate(value) for key, value in values.items()} if self.rtl else values

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def date(self, value, format: str = "medium") -> str:
        return format_date(value, format=format, locale=self.locale)

    def datetime(self, value, format: str = "medium", tzinfo=None) -> str:
        return format_datetime(value, format=format, tzinfo=tzinfo, locale=self.locale)

    def day(self, value) -> str:
        """A date the locale's short way with the year: "2 feb. 2027", "Feb 2, 2027", "٢ فبراير ٢٠٢٧"."""
        return format_skeleton("yMMMd", value, locale=self.locale)

    def time(self, value) -> str:
        """A time of day the locale's short way: "07:00", "7:00 AM"."""
        return format_time(value, format="short", locale=self.locale)

    def weekdays(self, days) -> str:
        """ISO weekdays (1 = Monday) by their names in the locale; a run of three or more as "first–last"."""
        names = get_day_names("wide", context="stand-alone", locale=self.locale)  # 0 = Monday
        ordered, runs = sorted(days), []
        for day in ordered:
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        parts = []
        for run in runs:
            if len(run) >= 3:
                parts.append(f"{names[run[0] - 1]}–{names[run[-1] - 1]}")
            else:
                parts.extend(names[day - 1] for day in run)
        return format_list(parts, locale=self.locale)

    def number(self, value) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, share: float) -> str:
        """A share such as 0.5 as the locale writes a percentage ("50 %" in Swedish, "50%" in English)."""
        return format_percent(share, locale=self.locale)

    def decimal(self, value: float) -> str:
        """A level such as 2.5 with at most one decimal, in the locale's way ("2,5" in Swedish)."""
        return format_decimal(round(value, 1), format="0.#", locale=self.locale)

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES


class I18n:
    def __init__(self, languages: tuple[str, ...], default_language: str):
        self.languages = languages
        self.default_language = default_language
        self._translators = {lang: Translator(lang, _load(lang)) for lang in languages}

    def translator(self, lang: str | None) -> Translator:
        return self._translators.get(lang or "", self._translators[self.default_language])

    def negotiate(self, language_code: str | None) -> str | None:
        """Telegram's `language_code` (an IETF tag such as `sv-SE` or `pt-br`) to one of ours, or None."""
        if not language_code:
            return None
        try:
            wanted = Locale.parse(language_code.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            return None
        return wanted.language if wanted.language in self.languages else None

    def choose(self, *, stored: str | None = None, telegram_code: str | None = None) -> str:
        if stored in self.languages:
            return stored
        return self.negotiate(telegram_code) or self.default_language


@lru_cache(maxsize=None)
def language_name(lang: str, *, in_sentence: bool = False) -> str:
    """A language's name in its own script: "Svenska" on a button, "svenska" inside a Swedish sentence."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name if in_sentence else name[:1].upper() + name[1:]


def _load(lang: str) -> NullTranslations:
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        if lang != "en":
            log.warning("No compiled catalog for %s at %s; run `make i18n`. Showing English.", lang, mo)
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], DOMAIN)
