"""The project figures as a coordinator lives them, with the employees who make them in the same scenario:
totals against the targets, the progress chart, per organisation, another period, exports for the funder;
the optional gender question at onboarding, counted in totals only; and nobody else gets the figures."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.store.models import AuditEvent, Person, Role
from tests.auxil.conversation import RunningBot
from tests.auxil.journeys import assess_areas
from tests.auxil.workplaces import invite
from tests.conftest import make_config


@pytest.fixture
def project(sqlite_store):
    config = make_config(sqlite_store.url)
    config = dataclasses.replace(config, project=dataclasses.replace(
        config.project, name="Smart industri", targets={"organisations": 4, "people": 10, "analyses": 2}))
    bot = RunningBot(config, sqlite_store).start()
    yield bot
    bot.stop()


def _document(kompis, user) -> bytes:
    sent = [m for m in kompis.client.messages(user.id) if m.get("document")]
    return kompis.client.file(sent[-1]["document"]["file_id"])


def test_a_coordinator_follows_the_project_against_its_targets(project):
    kompis, store = project, project.store
    cora = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.coordinator), gender="I prefer not to say")
    cora.says(f"/start {invite(store, 'Gjuteriet AB', Role.coordinator)}")
    cora.sees("Nu hör du till Gjuteriet AB.")
    staff = [kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", team="Svets"), gender=g)
             for g in ("Woman", "Woman", "Woman", "Man")]
    kompis.onboarded_user("sv", invite=invite(store, "Gjuteriet AB"))  # did not answer the gender question
    kompis.onboarded_user("sv", invite=invite(store, "Annat AB"), gender="Woman")  # not Cora's organisation
    for person in staff[:3]:
        assess_areas(kompis, person, {"energy": [2, 2, 2]})
        person.sees("Här är ditt resultat.")

    cora.says("/stats")
    text = cora.sees("Projektets siffror för Smart industri, hela projektet")
    assert "Organisationer som nåtts: 2 av 4 (50\xa0%)" in text
    assert "Personer som anslutit: 5 av 10 (50\xa0%)" in text  # Annat AB and the coordinator not counted
    assert "Personer som gjort självskattningen: 3\n" in text
    assert "Personer som gått klart en kurs: 0" in text
    assert "Genomförda kompetensanalyser: 0 av 2 (0\xa0%)" in text
    assert "efter kön: kvinnor 3, män färre än 3, annat 0, inte angiven färre än 3." in text
    assert "en siffra som bygger på färre än 3 personer visas inte" in text
    assert len(cora.photos()) == 1  # the progress chart

    cora.presses("Per organisation")
    per_org = cora.shows("Per organisation, hela projektet")
    assert "Bruket AB: anslutna 4, självskattat 3, anmälda 0, klar med en kurs 0, analyser 0" in per_org
    assert "Gjuteriet AB: anslutna färre än 3, självskattat 0" in per_org and "Annat AB" not in per_org
    cora.presses("Tillbaka till summorna")
    cora.shows("Projektets siffror för Smart industri")
    cora.presses("Förra månaden")
    cora.shows("Organisationer som nåtts: 0 av 4 (0\xa0%)")
    cora.has_button("✓ Förra månaden")
    cora.presses("Hela projektet")
    cora.has_button("✓ Hela projektet")

    cora.presses("Exportera (Excel)")
    cora.sees("Projektets siffror som kalkylark")
    book = load_workbook(io.BytesIO(_document(kompis, cora)))
    assert book.sheetnames == ["Siffror", "Anmälningar efter läge", "Efter kön", "Om"]
    table = [[c.value for c in row] for row in book["Siffror"].iter_rows()]
    assert table[0][:3] == ["Organisation", "Organisationer som nåtts", "Personer som anslutit"]
    assert table[1][:4] == ["Bruket AB", 1, 4, 3] and table[2][:3] == ["Gjuteriet AB", 1, "färre än 3"]
    assert table[3][:3] == ["Totalt", 2, 5] and table[4][:3] == ["Mål", 4, 10] and table[5][1] == 0.5
    genders = [[c.value for c in row] for row in book["Efter kön"].iter_rows()]
    assert genders[1] == ["Personer som anslutit", 3, "färre än 3", 0, "färre än 3"]

    cora.presses("Exportera (CSV)")
    cora.sees("Projektets siffror som CSV")
    raw = _document(kompis, cora)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][:4] == ["Bruket AB", "1", "4", "3"] and rows[3][:3] == ["Totalt", "2", "5"]
    with store.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(
            AuditEvent.action.in_(["stats.viewed", "stats.exported"])))]
        assert actions.count("stats.exported") == 2 and actions.count("stats.viewed") >= 4
        genders_stored = sorted(p.gender or "-" for p in session.exec(select(Person)))
        assert genders_stored == ["-", "man", "unsaid", "woman", "woman", "woman", "woman"]


def test_the_gender_answer_is_optional_changeable_in_privacy_and_in_the_export(kompis):
    store = kompis.store
    anna = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB"))
    question = anna.transcript()
    assert "En frivillig fråga." in question and "Ingen ser ditt svar" in question
    anna.says("/privacy")
    anna.sees("Om du vill sparar Kompis också ditt kön")
    anna.presses("Mitt kön (frivilligt)")
    anna.shows("Vilket kön har du?")
    assert "Ta bort mitt svar" not in anna.buttons()  # nothing to remove yet
    anna.presses("Kvinna")
    anna.shows("Tack, noterat.")
    anna.says("/privacy")
    anna.presses("Mitt kön (frivilligt)")
    anna.has_button("✓ Kvinna")
    anna.presses("Ta bort mitt svar")
    anna.shows("Klart, ditt svar är borttaget.")
    with store.session() as session:
        assert session.exec(select(Person)).one().gender is None
    anna.presses_forged("onboarding:gender:robot")  # not an answer the bot offers
    anna.presses_forged("onboarding:gender:woman")
    anna.shows("Tack, noterat.")
    anna.says("/privacy")
    anna.presses("Visa mina uppgifter")
    anna.sees("Här är allt som Kompis har sparat om dig.")
    sent = [m for m in kompis.client.messages(anna.id) if m.get("document")]
    assert b'"gender": "woman"' in kompis.client.file(sent[-1]["document"]["file_id"])


def test_only_coordinators_get_the_figures(kompis):
    store = kompis.store
    invite(store, "Bruket AB", Role.coordinator)
    employee = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB"))
    manager = kompis.onboarded_user("sv", invite=invite(store, "Bruket AB", Role.manager, team="Svets"))
    for person in (employee, manager):
        person.says("/stats")
        person.sees("Projektets siffror är till för samordnare.")
        for forged in ("stats:show:project", "stats:xlsx:project", "stats:csv:month", "stats:orgs:year"):
            person.presses_forged(forged)
            person.sees_toast("Den knappen fungerar inte längre.")
    cora = kompis.onboarded_user("sv", invite=invite(store, "Annat AB", Role.coordinator))
    for forged in ("stats:show:forever", "stats:xlsx:", "stats:csv:../../etc"):
        cora.presses_forged(forged)
        cora.sees_toast("Den knappen fungerar inte längre.")
    assert not [m for m in kompis.client.messages(employee.id) + kompis.client.messages(cora.id) if m.get("document")]
