"""The audit log: what happened, by whom. Never holds self-assessment answers or free text from users."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.store.models import AuditEvent


def record(session: Session, *, action: str, actor_person_id: int | None = None, **detail) -> AuditEvent:
    event = AuditEvent(action=action, actor_person_id=actor_person_id, detail=json.dumps(detail, sort_keys=True))
    session.add(event)
    return event


def events(session: Session, *, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.exec(query))
