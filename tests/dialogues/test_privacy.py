"""Privacy as a person uses it: what is stored, seeing one's own data, deleting it."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.store.models import AuditEvent, Membership, Person
from tests.auxil.conversation import event_text
from tests.dialogues.test_onboarding import make_invite


def test_see_and_delete_my_data(kompis):
    code = make_invite(kompis.store)
    eva = kompis.onboarded_user("en", invite=code)
    assert "You are now part of Bruket AB, team Svets." in [event_text(e) for e in eva.seen]
    eva.says("/privacy")
    eva.sees("Your answers are shown only to you.")
    eva.presses("Show my data")
    eva.sees("This is everything Kompis has saved about you.")
    [document] = [m for m in kompis.client.messages(eva.id) if m.get("document")]
    assert document["document"]["file_name"] == "kompis-my-data.json"
    exported = json.loads(kompis.client.file(document["document"]["file_id"]))
    assert exported["telegram_user_id"] == eva.id and exported["language"] == "en"
    assert exported["memberships"][0]["organisation"] == "Bruket AB"
    assert [a["action"] for a in exported["activity"]][:2] == ["consent.given", "invite.redeemed"]

    eva.says("/privacy")
    eva.presses("Delete my data")
    eva.sees("This cannot be undone.")
    eva.presses("No, keep my data")
    eva.sees("Main menu")
    eva.says("/privacy")
    eva.presses("Delete my data")
    eva.presses("Yes, delete everything")
    eva.sees("Everything Kompis knew about you is deleted.")
    with kompis.store.session() as session:
        assert session.exec(select(Person)).all() == [] and session.exec(select(Membership)).all() == []
        actions = [e.action for e in session.exec(select(AuditEvent))]
        assert actions[-1] == "person.deleted"
        assert all(e.actor_person_id is None for e in session.exec(select(AuditEvent)))
    eva.says("/menu")
    eva.sees("Hi! I am Kompis")  # a stranger again


def test_mydata_and_delete_commands(kompis):
    ola = kompis.onboarded_user("sv", invite=make_invite(kompis.store))
    ola.says("/mydata")
    ola.sees("Här är allt som Kompis har sparat om dig.")
    [document] = [m for m in kompis.client.messages(ola.id) if m.get("document")]
    assert json.loads(kompis.client.file(document["document"]["file_id"]))["telegram_user_id"] == ola.id
    ola.says("/delete")
    ola.sees("Vill du radera alla dina uppgifter?")
    ola.presses("Ja, radera allt")
    ola.sees("Allt som Kompis visste om dig är raderat.")
    with kompis.store.session() as session:
        assert session.exec(select(Person)).all() == []
        actions = [e.action for e in session.exec(select(AuditEvent))]
        assert "person.exported" in actions and actions[-1] == "person.deleted"
    stranger = kompis.user(language_code="sv")
    stranger.says("/delete")  # nothing stored: nothing to delete, and no crash
    stranger.sees("Just nu är inget om dig sparat.")


def _person_tables():
    """Every table with a column pointing at person.id, and that column."""
    from sqlmodel import SQLModel

    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "person" for fk in column.foreign_keys):
                yield table, column


def test_the_export_covers_every_table_that_points_at_a_person():
    from bot.store.people import EXPORTED

    assert {table.name for table, _ in _person_tables()} == set(EXPORTED)


def test_mydata_holds_everything_and_delete_leaves_nothing_that_points_at_the_person(kompis):
    from sqlalchemy import func

    from bot.store import followups, outbox, people
    from bot.store.models import ChatState, utcnow

    ola = kompis.onboarded_user("sv", invite=make_invite(kompis.store))
    ola.says("/assess")
    ola.presses("Operatör")
    ola.presses("Alla områden")
    ola.sees("1 / 34")
    ola.presses("3 På egen hand")
    ola.sees("2 / 34")  # mid-assessment: the chat's state holds where
    with kompis.store.session() as session:
        person = people.person_by_user(session, telegram_user_id=ola.id)
        outbox.plan(session, person_id=person.id, rule="assessment_unfinished", subject="assessment:x", step=1,
                    due_at=utcnow())
        followups.open_item(session, person_id=person.id, reason="asked_for_person")
        person_id = person.id
    ola.says("/mydata")
    ola.sees("Här är allt som Kompis har sparat om dig.")
    [document] = [m for m in kompis.client.messages(ola.id) if m.get("document")]
    data = json.loads(kompis.client.file(document["document"]["file_id"]))
    from bot.store.people import EXPORTED

    assert set(EXPORTED.values()) <= set(data)
    assert data["memberships"][0]["organisation"] and data["memberships"][0]["role"] == "employee"
    [assessment] = data["assessments"]
    assert list(assessment["answers"].values()) == [3] and assessment["job_role"] == "operator"
    assert [r["rule"] for r in data["reminders"]] == ["assessment_unfinished"]
    assert [f["why"] for f in data["follow_ups"]] == ["asked_for_person"]
    assert data["conversation"]["dialogue"] == "assess"
    assert data["last_seen_at"] and data["reminder_settings"] == {"quiet_hours": None, "shift": None}

    ola.says("/delete")
    ola.presses("Ja, radera allt")
    ola.sees("Allt som Kompis visste om dig är raderat.")
    with kompis.store.session() as session:
        for table, column in _person_tables():
            left = session.exec(select(func.count()).select_from(table).where(column == person_id)).one()
            assert left == 0, f"{table.name}.{column.name} still points at the deleted person"
        assert session.get(ChatState, ola.id) is None
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "person.deleted")).one().detail == "{}"
