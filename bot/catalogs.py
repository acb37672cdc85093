"""Catalog maintenance and the completeness check that the test suite runs.

English is the source language: its catalog is filled from the message ids. Every other configured
language must translate every message, without fuzzy entries, with the same placeholders as the id.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALE_DIR

SOURCE_LANGUAGE = "en"
TELEGRAM_MESSAGE_LIMIT = 4096
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Problem:
    lang: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"[{self.lang}] {self.what}: {self.msgid[:70]!r}"


def catalog_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def placeholders(text: str) -> set[str]:
    """The {names} a message is formatted with; a translation must use the same ones."""
    try:
        return {field for _, field, _, _ in _FORMATTER.parse(text) if field is not None}
    except ValueError:  # unbalanced braces: report as a placeholder of its own
        return {"<unbalanced braces>"}


def check(languages: tuple[str, ...], locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    template = read_catalog(locale_dir / f"{DOMAIN}.pot")
    ids = [m.id for m in template if m.id and isinstance(m.id, str)]
    problems: list[Problem] = []
    for lang in languages:
        path = catalog_path(lang, locale_dir)
        if not path.exists():
            problems.append(Problem(lang, str(path), "catalog missing"))
            continue
        catalog = read_catalog(path)
        for msgid in ids:
            message = catalog.get(msgid)
            if message is None or not message.string:
                problems.append(Problem(lang, msgid, "not translated"))
                continue
            if message.fuzzy:
                problems.append(Problem(lang, msgid, "fuzzy"))
            if placeholders(message.string) != placeholders(msgid):
                problems.append(Problem(lang, msgid, f"placeholders differ ({sorted(placeholders(message.string))})"))
            if len(message.string) > TELEGRAM_MESSAGE_LIMIT:
                problems.append(Problem(lang, msgid, "longer than a Telegram message"))
        if re.search(r"FULL NAME|YEAR-MO-DA", catalog.last_translator or ""):
            problems.append(Problem(lang, str(path), "header does not say who translated it"))
    return problems


def fill_source_language(lang: str = SOURCE_LANGUAGE) -> int:
    """English translations are the ids themselves; returns how many entries were filled."""
    path = catalog_path(lang)
    catalog = read_catalog(path)
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and (not message.string or message.fuzzy):
            message.string = message.id
            message.flags.discard("fuzzy")
            filled += 1
    catalog.last_translator = "Kompis developers (English is the source language)"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return filled


def main(argv: list[str]) -> int:
    from bot.config import load_config

    if argv[1:] == ["fill-source"]:
        print(f"{fill_source_language()} English entries filled from their ids")
        return 0
    if argv[1:] == ["check"]:
        problems = check(load_config().languages)
        for problem in problems:
            print(problem)
        print("catalogs complete" if not problems else f"{len(problems)} catalog problems")
        return 1 if problems else 0
    print("usage: python -m bot.catalogs fill-source|check")
    return 2


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
