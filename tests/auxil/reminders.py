"""Many people with a reminder due now, inserted in bulk: for the worker process tests and the benchmark."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import select

from bot.localapi import SyncLocalApiClient
from bot.store.db import Store
from bot.store.models import Assessment, Nudge, Person, utcnow

FIRST_USER = 700_000


def due_reminders(store: Store, client: SyncLocalApiClient, count: int, first_user: int = FIRST_USER) -> None:
    """`count` people who started the bot, each with an unfinished assessment and one reminder due now."""
    for n in range(count):  # a person must have written to the bot before it may write to them
        client.send_text({"id": first_user + n, "first_name": f"P{n}", "is_bot": False}, "/start")
    now = utcnow()
    paused = now - timedelta(days=3)
    stamp = paused.strftime("%Y%m%d%H%M")
    with store.session() as session:
        session.execute(insert(Person), [
            {"telegram_user_id": first_user + n, "chat_id": first_user + n, "language": "sv", "consent_at": now,
             "created_at": now} for n in range(count)])
        ids = list(session.exec(select(Person.id).where(Person.telegram_user_id >= first_user).order_by(Person.id)))
        session.execute(insert(Assessment), [
            {"person_id": pid, "framework_version": 1, "areas": '["energy"]', "position": 1, "started_at": paused,
             "updated_at": paused} for pid in ids])
        assessments = dict(session.exec(select(Assessment.person_id, Assessment.id)
                                        .where(Assessment.person_id.in_(ids))).all())
        session.execute(insert(Nudge), [
            {"person_id": pid, "rule": "assessment_unfinished", "subject": f"assessment:{assessments[pid]}:{stamp}",
             "step": 1, "variant": "a", "key": f"assessment_unfinished:{assessments[pid]}:{stamp}:1",
             "payload": json.dumps({"assessment": assessments[pid]}), "due_at": now - timedelta(hours=1),
             "state": "planned", "attempts": 0, "created_at": now} for pid in ids])
