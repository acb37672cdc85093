"""Plain regression tests for what the fuzz tests (test_fuzz_updates.py) found."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.exports import xlsx
from bot.fonts import printable
from bot.store.models import Broadcast, Organisation, Role, Team
from tests.auxil.conversation import RunningBot
from tests.auxil.workplaces import invite
from tests.conftest import make_config


@pytest.fixture
def kompis_on_both(store):
    """The real bot on a fresh store of each kind (the `kompis` fixture is SQLite only)."""
    bot = RunningBot(make_config(store.url), store).start()
    yield bot
    bot.stop()


def test_a_nul_in_what_people_write_is_dropped_not_a_failed_turn(kompis_on_both):
    """PostgreSQL cannot store NUL in text: a name or an offer holding one failed the whole turn there
    ("Sorry, something went wrong", an ERROR in the log). The bot reads text without it, on both databases."""
    kompis = kompis_on_both
    boss = kompis.onboarded_user("en", invite=invite(kompis.store, role=Role.coordinator))
    kompis.onboarded_user("sv", invite=invite(kompis.store))  # someone to make an offer to
    boss.says("/organisations")
    boss.presses("New organisation")
    boss.says("Nul\x00verket AB")
    boss.sees("Created: Nulverket AB. You are its coordinator.")
    boss.presses("New team")
    boss.says("\x00Svets\x00")
    boss.sees("Team Svets is there.")
    boss.says("/broadcast")
    boss.presses("An offer in my own words")
    boss.says("Kurs i svetsning\x00 på fredag")
    boss.presses("Preview and send")
    boss.sees("Kurs i svetsning på fredag")
    boss.presses("Send to 1 people")
    boss.sees("sent")
    boss.says("/start\x00")
    boss.sees("Welcome back!")
    boss.says("\x00")
    boss.sees("I can only read text and button presses.")
    with kompis.store.session() as session:
        assert "Nulverket AB" in [o.name for o in session.exec(select(Organisation))]
        assert "Svets" in [t.name for t in session.exec(select(Team))]
        assert [b.own_text for b in session.exec(select(Broadcast))] == ["Kurs i svetsning på fredag"]


def test_an_organisation_name_no_font_draws_still_gets_its_poster(kompis):
    """A coordinator may name an organisation with an emoji or a script no font of the poster has: asking for
    its poster failed the turn ("cannot print the organisation name"). The name is printed without those."""
    boss = kompis.onboarded_user("en", invite=invite(kompis.store, role=Role.coordinator))
    boss.says("/organisations")
    boss.presses("New organisation")
    boss.says("Bruket 🙂 漢字 AB")
    boss.sees("Created: Bruket 🙂 漢字 AB. You are its coordinator.")
    boss.presses("Poster (PDF)")
    boss.sees("A poster for Bruket 🙂 漢字 AB: print it on A4.")
    [poster] = [m for m in kompis.client.messages(boss.id) if m.get("document")]
    assert kompis.client.file(poster["document"]["file_id"]).startswith(b"%PDF")


def test_printable_keeps_what_the_fonts_draw():
    assert printable("Bruket 🙂 漢字 AB") == "Bruket AB"
    assert printable("شركة  النور \u200f ሰላም Безпека") == "شركة النور \u200f ሰላም Безпека"  # Arabic, Ethiopic, Cyrillic
    assert printable("A\x01\x7f\ue000\u0378B") == "AB"  # control, private use, unassigned: matplotlib boxes them
    assert printable("🙂") == ""


def test_an_organisation_name_with_control_characters_still_exports_to_excel(kompis):
    """Control characters typed into an organisation's name made the project figures' Excel export fail
    (openpyxl: "cannot be used in worksheets"). The file leaves them out."""
    boss = kompis.onboarded_user("en", invite=invite(kompis.store, role=Role.coordinator))
    boss.says("/organisations")
    boss.presses("New organisation")
    boss.says("Ring\x07\x15 AB")
    boss.sees("You are its coordinator.")
    boss.says("/stats")
    boss.presses("Export (Excel)")
    boss.sees("spreadsheet")
    [sheet] = [m for m in kompis.client.messages(boss.id) if m.get("document")]
    book = load_workbook(io.BytesIO(kompis.client.file(sheet["document"]["file_id"])))
    names = [row[0].value for row in book.worksheets[0].iter_rows()]
    assert "Ring AB" in names


def test_xlsx_leaves_out_what_a_worksheet_cannot_hold():
    book = load_workbook(io.BytesIO(xlsx({"Figures": [["Name", "n"], ["A\x00\x07\x1b\x15B\tC\n", 3], [None, 0]]})))
    assert [[c.value for c in row] for row in book["Figures"].iter_rows()] == [["Name", "n"], ["AB\tC\n", 3], [None, 0]]
