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
