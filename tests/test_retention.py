"""The retention rule (bot/retention.py): people inactive for long are warned, then deleted unless they come back.

The store-level tests run on SQLite and PostgreSQL; the conversation runs through the real bot and the local Bot
API, with the reminder worker sending the warning.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot import retention
from bot.config import load_config
from bot.reminders.worker import ReminderWorker
from bot.store import chats, people
from bot.store.models import AuditEvent, ChatState, Membership, Nudge, Person, Role, utcnow
from tests.auxil.workplaces import invite

UTC = timezone.utc
TZ = ZoneInfo("Europe/Stockholm")


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert retention.months_before(datetime(2026, 11, 21, 9, tzinfo=UTC), 18) == datetime(2025, 5, 21, 9, tzinfo=UTC)
    assert retention.months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert retention.months_before(datetime(2024, 3, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert retention.months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)


def _person(session, user_id: int, *, last_seen: datetime | None, created: datetime, **fields) -> Person:
    person = Person(telegram_user_id=user_id, chat_id=user_id, language="sv", consent_at=created, created_at=created,
                    last_seen_at=last_seen, **fields)
    session.add(person)
    session.flush()
    return person


def invite_org(session) -> int:
    from bot.store.models import Organisation

    org = session.exec(select(Organisation)).first()
    if org is None:
        org = Organisation(name="Gjuteriet AB")
        session.add(org)
        session.flush()
    return org.id


def _sweep(store, config, now, **kwargs):
    with store.session() as session:
        return retention.sweep(session, config=config, now=now, **kwargs)


def _warnings(store) -> dict[int, Nudge]:
    with store.session() as session:
        return {n.person_id: n for n in session.exec(select(Nudge).where(Nudge.rule == retention.RULE))}


def test_inactive_people_are_warned_once_then_deleted_unless_they_came_back(store):
    config = load_config(env={})  # 18 months, warned 30 days before
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    long_ago = retention.months_before(now, 18) + timedelta(days=29)  # inside the warning period
    with store.session() as session:
        gone = _person(session, 1, last_seen=long_ago, created=long_ago - timedelta(days=100)).id
        back = _person(session, 2, last_seen=long_ago, created=long_ago).id
        never_seen = _person(session, 3, last_seen=None, created=long_ago).id  # joined, then nothing
        stopped = _person(session, 4, last_seen=long_ago, created=long_ago, reminders_stopped_at=long_ago).id
        recent = _person(session, 5, last_seen=now - timedelta(days=400), created=long_ago).id  # not yet
        session.add(ChatState(chat_id=1, dialogue="assess", step="question", data="{}"))
        for pid in (gone, back):
            session.add(Membership(person_id=pid, organisation_id=invite_org(session), role="employee"))

    assert _sweep(store, config, now, dry_run=True) == retention.Sweep(warned=4, deleted=0)
    assert _warnings(store) == {}  # a dry run changes nothing
    assert _sweep(store, config, now) == retention.Sweep(warned=4, deleted=0)
    warned = _warnings(store)
    assert set(warned) == {gone, back, never_seen, stopped} and recent not in warned
    assert all(n.state == "planned" and n.due_at == now for n in warned.values())
    payload = json.loads(warned[gone].payload)
    assert datetime.fromisoformat(payload["delete_after"]) == now + timedelta(days=30)
    assert _sweep(store, config, now + timedelta(hours=1)) == retention.Sweep()  # warned once

    # The worker dealt with three warnings; the fourth never went out (say the window stayed shut).
    with store.session() as session:
        for pid in (gone, back, stopped):
            row = session.get(Nudge, warned[pid].id)
            row.state, row.sent_at = "sent", now
            session.add(row)
        person = session.get(Person, back)
        person.last_seen_at = now + timedelta(days=3)  # wrote something after the warning
        session.add(person)

    assert _sweep(store, config, now + timedelta(days=29)) == retention.Sweep()  # not yet: 30 days' notice
    later = now + timedelta(days=30, hours=1)
    assert _sweep(store, config, later) == retention.Sweep(warned=0, deleted=2)
    with store.session() as session:
        left = set(session.exec(select(Person.id)))
        assert left == {back, never_seen, recent}  # never_seen: its warning was not sent yet
        assert session.get(ChatState, 1) is None
        assert session.exec(select(Membership).where(Membership.person_id == gone)).all() == []
        deleted = [e for e in session.exec(select(AuditEvent).where(AuditEvent.action == "person.deleted"))]
        assert len(deleted) == 2
        assert all(e.actor_person_id is None and json.loads(e.detail) == {"reason": "retention"} for e in deleted)

    # The one who came back is warned again only after a new inactive stretch.
    _sweep(store, config, later + timedelta(days=100))
    assert _warnings(store)[back].id == warned[back].id  # not again: back 3 days after the warning
    _sweep(store, config, now + timedelta(days=3 + 18 * 31))  # 18 months after that
    again = _warnings(store)[back] if back in _warnings(store) else None
    with store.session() as session:
        assert len(session.exec(select(Nudge).where(Nudge.person_id == back, Nudge.rule == retention.RULE)).all()) == 2
    assert again is not None


def run_round(kompis, now: datetime):
    worker = ReminderWorker(store=kompis.store, config=kompis.config, i18n=kompis.i18n, bot=kompis.application.bot,
                            name="w1", clock=lambda: now)
    return asyncio.run_coroutine_threadsafe(worker.run_round(), kompis._loop).result(timeout=30)


def _back_in_time(kompis, user, when: datetime) -> None:
    with kompis.store.session() as session:
        person = people.person_by_user(session, telegram_user_id=user.id)
        person.last_seen_at = person.created_at = person.consent_at = when
        session.add(person)


def test_the_warning_reaches_the_person_and_keep_my_data_keeps_it(kompis):
    code = invite(kompis.store, "Gjuteriet AB", Role.employee)
    kept = kompis.onboarded_user("sv", invite=code)
    quiet = kompis.onboarded_user("en", invite=code)
    quiet.says("/stop")  # reminders off: the warning about their own data still comes
    quiet.sees("reminders")
    now = utcnow()
    inactive = retention.months_before(now, kompis.config.retention_months) + timedelta(days=10)
    for user in (kept, quiet):
        _back_in_time(kompis, user, inactive)
    assert _sweep(kompis.store, kompis.config, now).warned == 2
    weekday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).astimezone(TZ).replace(hour=10, minute=0)
    assert run_round(kompis, weekday).sent == 2  # a Monday at 10: inside the window

    date = kompis.i18n.translator("sv").date(now + timedelta(days=30), "long")
    kept.sees(f"Du har inte använt Kompis på länge. Den {date} raderar Kompis allt")
    quiet.sees("You have not used Kompis for a long time.")
    assert kept.buttons() == ["Behåll mina uppgifter", "Radera mina uppgifter"]
    kept.presses("Behåll mina uppgifter")
    kept.sees("Bra, Kompis behåller dina uppgifter.")
    kept.sees_menu("Hjälp")

    assert _sweep(kompis.store, kompis.config, now + timedelta(days=31)).deleted == 1
    with kompis.store.session() as session:
        assert people.person_by_user(session, telegram_user_id=kept.id) is not None
        assert people.person_by_user(session, telegram_user_id=quiet.id) is None
        assert chats.load_state(session, chat_id=quiet.id).empty
    quiet.says("/menu")
    quiet.sees("Hi! I am Kompis")  # a stranger again


def test_the_privacy_text_names_the_retention_time_in_the_persons_language(kompis):
    anna = kompis.onboarded_user("sv")
    anna.says("/privacy")
    anna.sees("Om du inte använder Kompis på 18 månader raderas allt om dig. Du får ett meddelande innan dess.")
