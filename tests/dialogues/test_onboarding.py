"""Onboarding as a user lives it: /start, language, consent, workplace from the invite, menu."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.store import invites, organisations
from tests.auxil.conversation import event_text
from bot.store.models import AuditEvent, ChatState, Membership, Person, Role, utcnow


def make_invite(store, *, days=30, max_uses=10, team="Svets", role=Role.employee):
    with store.session() as session:
        org = organisations.create_organisation(session, name="Bruket AB")
        team_row = organisations.team_in(session, organisation=org, name=team, create=True) if team else None
        invite = invites.create_invite(session, organisation=org, team=team_row, role=role, valid_days=days,
                                       max_uses=max_uses)
        return invite.code


def people(store):
    with store.session() as session:
        return list(session.exec(select(Person)))


def test_swedish_onboarding_with_invite(kompis):
    code = make_invite(kompis.store)
    anna = kompis.user(language_code="sv")
    anna.says(f"/start {code}")
    anna.sees("Hej! Jag heter Kompis")
    assert anna.buttons() == ["✓ Svenska", "English", "العربية", "Suomi", "Polski", "فارسی", "Soomaali", "Bosanski",
                              "ትግርኛ", "Українська"]  # each in its own script; preselected from Telegram's language_code
    anna.presses("Svenska")
    consent = anna.sees("Innan vi börjar")
    assert "Bara du ser dina svar" in consent
    assert people(kompis.store) == []  # nothing stored before consent
    anna.presses("Ja, det är okej")
    anna.sees("Tack! Välkommen till Kompis.")
    anna.sees("Nu hör du till Bruket AB, lag Svets.")
    anna.sees("Huvudmeny. Du hör till: Bruket AB, lag Svets.")
    [person] = people(kompis.store)
    assert person.language == "sv" and person.telegram_user_id == anna.id and person.consent_at is not None
    with kompis.store.session() as session:
        [membership] = session.exec(select(Membership)).all()
        assert membership.role == "employee" and membership.person_id == person.id
        assert session.get(ChatState, anna.id) is None  # onboarding done: no dialogue state left behind


def test_english_onboarding_picks_english_from_telegram(kompis):
    john = kompis.user(language_code="en-GB")
    john.says("/start")
    john.sees("Hi! I am Kompis")
    assert john.buttons()[0] == "✓ English"
    john.presses("English")
    john.sees("Before we start, please read this.")
    john.presses("Yes, that is OK")
    john.sees("Main menu. What do you want to do?")
    assert people(kompis.store)[0].language == "en"


def test_unknown_language_code_falls_back_to_swedish(kompis):
    user = kompis.user(language_code="de")
    user.says("/start")
    user.sees("Hej! Jag heter Kompis")
    assert user.buttons()[0] == "✓ Svenska"


def test_choosing_another_language_than_telegrams(kompis):
    anna = kompis.user(language_code="sv")
    anna.says("/start")
    anna.presses("English")
    anna.sees("Before we start")
    anna.presses("Yes, that is OK")
    anna.sees("Main menu")
    assert people(kompis.store)[0].language == "en"


@pytest.mark.parametrize("lang, expected", [
    ("sv", "Jag känner inte igen den länken"),
    ("en", "I do not recognise that invite link"),
])
def test_wrong_invite_code(kompis, lang, expected):
    user = kompis.user(language_code=lang)
    user.says("/start NotARealCode123")
    user.sees(expected)
    user.presses("Svenska" if lang == "sv" else "English")
    user.presses("Ja, det är okej" if lang == "sv" else "Yes, that is OK")
    user.sees("Huvudmeny. Vad vill du göra?" if lang == "sv" else "Main menu. What do you want to do?")
    with kompis.store.session() as session:
        assert session.exec(select(Membership)).all() == []


def test_expired_invite(kompis):
    code = make_invite(kompis.store)
    with kompis.store.session() as session:
        invite = session.exec(select(invites.Invite).where(invites.Invite.code == code)).one()
        invite.expires_at = utcnow() - timedelta(minutes=1)
        session.add(invite)
    user = kompis.user(language_code="sv")
    user.says(f"/start {code}")
    user.sees("Den länken gäller inte längre.")
    user.sees("Du kan ändå börja nu")


def test_used_up_and_revoked_invites(kompis):
    code = make_invite(kompis.store, max_uses=1)
    first, second = kompis.user(language_code="en"), kompis.user(language_code="en")
    for user in (first, second):
        user.says(f"/start {code}")
        user.presses("English")
    first.presses("Yes, that is OK")
    first.sees("You are now part of Bruket AB, team Svets.")
    second.presses("Yes, that is OK")  # the last use went to the first person in between
    second.sees("That invite link has been used as many times as it may.")
    second.sees("Main menu. What do you want to do?")
    with kompis.store.session() as session:
        invites.revoke_invite(session, code=code)
    third = kompis.user(language_code="en")
    third.says(f"/start {code}")
    third.sees("That invite link is no longer valid.")


def test_refusing_consent_stores_nothing_but_the_refusal(kompis):
    code = make_invite(kompis.store)
    user = kompis.user(language_code="sv")
    user.says(f"/start {code}")
    user.presses("Svenska")
    user.presses("Nej tack")
    user.sees("Okej. Inget om dig sparas.")
    assert people(kompis.store) == []
    with kompis.store.session() as session:
        state = session.get(ChatState, user.id)
        assert (state.dialogue, state.step, state.data) == ("onboarding", "refused", "{}")
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "consent.refused")).all()
        assert len(refusals) == 1 and refusals[0].actor_person_id is None and str(user.id) not in refusals[0].detail
    user.says("/menu")
    user.sees("Du sa nej, så inget om dig sparas.")
    user.says("/start")  # changing one's mind
    user.presses("Svenska")
    user.presses("Ja, det är okej")
    user.sees("Huvudmeny")
    assert len(people(kompis.store)) == 1


def test_changing_language_afterwards(kompis):
    anna = kompis.onboarded_user("sv")
    anna.says("/language")
    anna.sees("Vilket språk vill du ha?")
    anna.presses("English")
    anna.sees("Done. I will write in English from now on.")
    anna.sees("Main menu")
    anna.says("/help")
    anna.sees("Kompis helps you see what you know")
    anna.presses("Main menu")
    anna.sees("Main menu")
    assert people(kompis.store)[0].language == "en"


def test_changing_language_during_onboarding(kompis):
    user = kompis.user(language_code="sv")
    user.says("/start")
    user.presses("Svenska")
    user.sees("Innan vi börjar")
    user.says("/language")
    user.presses("English")
    user.sees("Before we start")  # the consent step again, now in English
    user.presses("Yes, that is OK")
    user.sees("Main menu")
    assert people(kompis.store)[0].language == "en"


def test_commands_before_consent_lead_back_to_onboarding(kompis):
    user = kompis.user(language_code="sv")
    user.says("/menu")
    user.sees("Hej! Jag heter Kompis")
    user.says("/privacy")
    user.sees("Just nu är inget om dig sparat.")
    user.says("/help")
    user.sees("Kompis hjälper dig")
    user.presses("Fortsätt")
    user.sees("Hej! Jag heter Kompis")


def test_invite_after_joining_adds_membership(kompis):
    code = make_invite(kompis.store, team="Montering", role=Role.manager)
    anna = kompis.onboarded_user("sv")
    assert "Huvudmeny. Vad vill du göra?" in [event_text(e) for e in anna.seen]  # no workplace yet
    anna.says(f"/start {code}")
    anna.sees("Nu hör du till Bruket AB, lag Montering.")
    anna.sees("Du hör till: Bruket AB, lag Montering.")
    with kompis.store.session() as session:
        assert session.exec(select(Membership.role)).all() == ["manager"]
