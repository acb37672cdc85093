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
# The longest text a placeholder is filled with, for checking a message's length after formatting. Names and
# titles are bounded by their database columns; blocks of lines by the code that builds them (a list shows at
# most so many entries); anything else (numbers, dates, short labels) by DEFAULT_VALUE_LENGTH.
DEFAULT_VALUE_LENGTH = 40
VALUE_LENGTHS = {
    "title": 300, "organisation": 200, "team": 200, "name": 200, "project": 200, "provider": 200, "workplace": 420,
    "town": 100, "place": 100, "url": 500, "link": 120, "words": 200, "topics": 200, "what": 300, "why": 200,
    "statement": 300, "advice": 300, "description": 1000, "levels": 300, "gaps": 400, "places": 300,
    "pending": 800, "states": 400, "genders": 300, "teams": 1000, "areas": 1300, "changes": 1300, "profile": 1500,
    "figures": 800, "what_we_store": 1300, "courses": 2200, "links": 2000, "lines": 2600, "items": 2600,
}


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


def formatted_length(text: str) -> int:
    """The longest the message can be once its placeholders are filled (see VALUE_LENGTHS)."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        return len(text)
    return sum(len(literal) + (VALUE_LENGTHS.get(field, DEFAULT_VALUE_LENGTH) if field is not None else 0)
               for literal, field, _, _ in parts)


def check(languages: tuple[str, ...], locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    template = read_catalog(locale_dir / f"{DOMAIN}.pot")
    ids = [m.id for m in template if m.id]
    problems: list[Problem] = [  # "50 % of" reads as a %-format to gettext tools, which then refuse to compile
        Problem("pot", _first(m.id), "reads as a %-format ('% o', '% i' …); reword it")
        for m in template if m.id and "python-format" in m.flags]
    for lang in languages:
        path = catalog_path(lang, locale_dir)
        if not path.exists():
            problems.append(Problem(lang, str(path), "catalog missing"))
            continue
        catalog = read_catalog(path)
        for msgid in ids:
            message = catalog.get(msgid)
            problems.extend(Problem(lang, _first(msgid), what) for what in _message_problems(message, catalog))
        if re.search(r"FULL NAME|YEAR-MO-DA", catalog.last_translator or ""):
            problems.append(Problem(lang, str(path), "header does not say who translated it"))
    return problems


def _first(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _message_problems(message, catalog: Catalog) -> list[str]:
    """What is wrong with one translation. A plural message needs every form of the language's plural
    rule; a form may leave out {n} ("one minute"), but may use no placeholder the ids do not have."""
    if message is None or not message.string or not all(message.string if message.pluralizable else [True]):
        return ["not translated"]
    found = ["fuzzy"] if message.fuzzy else []
    if message.pluralizable:
        forms, allowed = message.string, placeholders(message.id[0]) | placeholders(message.id[1])
        if len(forms) != catalog.num_plurals:
            found.append(f"has {len(forms)} plural forms, the language has {catalog.num_plurals}")
        if any(not placeholders(form) <= allowed for form in forms):
            found.append("a plural form has placeholders the ids do not have")
    else:
        forms = (message.string,)
        if placeholders(message.string) != placeholders(message.id):
            found.append(f"placeholders differ ({sorted(placeholders(message.string))})")
    if any(formatted_length(form) > TELEGRAM_MESSAGE_LIMIT for form in forms):
        found.append("can be longer than a Telegram message once formatted")
    return found


# In the competence data files (data/competence/): the keys whose text a person reads, and a note for translators.
_DATA_TEXTS = {
    "name": "A name in the competence data (area, level, role or company goal); short, for a button.",
    "description": "What a level of the self-assessment means, said by the person: one line.",
    "gap": "Advice shown when this area is one of the person's biggest gaps: one plain sentence.",
    "text": "A self-assessment statement: what the person does at work. Plain words, first person.",
}


def extract_yaml(fileobj, keywords, comment_tags, options):
    """Babel extractor for the competence data files (see babel.cfg): yields every text a person reads."""
    import yaml

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name in _DATA_TEXTS and isinstance(value, yaml.ScalarNode):
                    yield value.start_mark.line + 1, None, value.value, [_DATA_TEXTS[name]]
                elif name == "roles" and isinstance(value, yaml.MappingNode):  # goals.yml: role key → name
                    for _role, label in value.value:
                        yield label.start_mark.line + 1, None, label.value, [_DATA_TEXTS["name"]]
                else:
                    yield from walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from walk(item)

    yield from walk(yaml.compose(fileobj.read().decode("utf-8")))


def fill_source_language(lang: str = SOURCE_LANGUAGE) -> int:
    """English translations are the ids themselves; returns how many entries were filled."""
    path = catalog_path(lang)
    catalog = read_catalog(path)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable and (not all(message.string) or message.fuzzy):
            message.string = tuple(message.id)  # English: the singular and the plural id
        elif not message.pluralizable and (not message.string or message.fuzzy):
            message.string = message.id
        else:
            continue
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
    if argv[1:2] == ["check"]:  # the configured languages, or those named: check fi pl
        problems = check(tuple(argv[2:]) or load_config().languages)
        for problem in problems:
            print(problem)
        print("catalogs complete" if not problems else f"{len(problems)} catalog problems")
        return 1 if problems else 0
    print("usage: python -m bot.catalogs fill-source | check [LANG ...]")
    return 2


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
