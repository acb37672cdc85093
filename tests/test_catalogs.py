"""Every configured language's catalog is complete, not fuzzy, and keeps the id's placeholders;
and the template holds every message the code uses."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import write_po

from bot.catalogs import check, read_catalog
from bot.config import load_config
from bot.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[1]


def test_catalogs_of_configured_languages_are_complete():
    problems = check(load_config(env={}).languages)
    assert not problems, "\n".join(map(str, problems))


def test_template_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "--no-location",
                    "-o", str(fresh), "bot", "dialogues", "data"], cwd=ROOT, check=True, capture_output=True)
    in_code = {m.id for m in read_catalog(fresh) if m.id}
    in_template = {m.id for m in read_catalog(LOCALE_DIR / "messages.pot") if m.id}
    assert in_code == in_template, f"run `make i18n`; new: {in_code - in_template}, gone: {in_template - in_code}"


def _broken_copy(tmp_path, change):
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target)
    path = target / "sv" / "LC_MESSAGES" / "messages.po"
    catalog = read_catalog(path)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    return target


def test_check_finds_missing_fuzzy_and_wrong_placeholders(tmp_path):
    def damage(catalog):
        catalog.get("Welcome back!").string = ""
        catalog.get("Main menu").flags.add("fuzzy")
        catalog.get("You are now part of {organisation}.").string = "Nu hör du till {företag}."

    problems = {(p.msgid, p.what.split(" (")[0]) for p in check(("sv",), _broken_copy(tmp_path, damage))}
    assert problems == {("Welcome back!", "not translated"), ("Main menu", "fuzzy"),
                        ("You are now part of {organisation}.", "placeholders differ")}


def test_check_finds_a_missing_catalog(tmp_path):
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target)
    assert [p.what for p in check(("sv", "de"), target)] == ["catalog missing"]


def test_check_finds_a_message_too_long_for_telegram_once_formatted(tmp_path):
    message = "Per organisation, {period} ({span}):\n\n{lines}"

    def damage(catalog):  # 1 600 characters of text around a block of up to 2 600: over 4 096 once filled in
        catalog.get(message).string = "Per organisation, {period} ({span}):\n\n{lines}\n" + "Ord " * 400

    problems = [(p.msgid, p.what) for p in check(("sv",), _broken_copy(tmp_path, damage))]
    assert problems == [(message, "can be longer than a Telegram message once formatted")]
