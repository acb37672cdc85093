"""The reminder outbox in the shared store: planning (once per key), claiming under a lease (several workers on
PostgreSQL with `FOR UPDATE SKIP LOCKED`; one at a time on SQLite, whose writers take turns), and marking.

A row goes planned → claimed → sending → sent, or to skipped / failed / cancelled with a reason. `sending` is
committed before the Bot API is called: a worker killed mid-send leaves that one row `sending`, which is never
sent again (at most once); its other claimed rows are taken over when the lease runs out.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from bot.store.db import insert_ignore
from bot.store.models import Nudge, utcnow

OPEN = ("planned", "claimed")  # still to be sent


# Rules that are notices about the person's own data, not nudges: they go out even to someone who stopped
# reminders, do not count towards the weekly cap or the unanswered-in-a-row hand-over, and "stop" leaves them.
NOTICES = frozenset({"retention_warning"})


_PLANNED = ("person_id", "rule", "subject", "step", "variant", "key", "payload", "due_at", "state", "attempts",
            "created_at")  # the columns a planned reminder is inserted with


def key_of(rule: str, subject: str, step: int) -> str:
    return f"{rule}:{subject}:{step}"[:140]


def plan(session: Session, *, person_id: int, rule: str, subject: str, step: int, due_at: datetime,
         variant: str = "a", payload: dict | None = None) -> bool:
    """Plan one reminder; False when it was planned before (the key is taken), so planning can run any time."""
    row = session.execute(insert_ignore(session, Nudge, _PLANNED), dict(
        person_id=person_id, rule=rule, subject=subject[:60], step=step, variant=variant,
        key=key_of(rule, subject, step), payload=json.dumps(payload or {}, ensure_ascii=False), due_at=due_at,
        state="planned", attempts=0, created_at=utcnow()))
    return row.first() is not None


def plan_many(session: Session, rows: list[dict]) -> list[dict]:
    """Plan many reminders in a few statements: the keys already planned are read once and left out, the rest is
    inserted in one executemany (ON CONFLICT DO NOTHING covers another process planning at the same moment).
    Each row has person_id, rule, subject, step, due_at, variant and payload (a dict)."""
    if not rows:
        return []
    for row in rows:
        row["key"] = key_of(row["rule"], row["subject"], row["step"])
    existing = planned_keys(session, [row["key"] for row in rows])
    now = utcnow()
    new = [{**row, "subject": row["subject"][:60], "payload": json.dumps(row.get("payload") or {}, ensure_ascii=False),
            "state": "planned", "attempts": 0, "created_at": now} for row in rows if row["key"] not in existing]
    unique = list({row["key"]: row for row in new}.values())
    for start in range(0, len(unique), 5000):
        session.execute(insert_ignore(session, Nudge, _PLANNED, returning=False), unique[start:start + 5000])
    return unique  # the rows that were new when read (another process may have planned one meanwhile)


def planned_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these keys are in the outbox already (read through the unique index, 5 000 at a time)."""
    wanted = list(set(keys))
    existing: set[str] = set()
    for start in range(0, len(wanted), 5000):
        existing.update(session.exec(select(Nudge.key).where(col(Nudge.key).in_(wanted[start:start + 5000]))))
    return existing


def claim(session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Nudge]:
    """Due rows for this worker: planned ones, and claimed ones whose lease ran out (their worker died)."""
    due = or_(and_(Nudge.state == "planned", Nudge.due_at <= now),
              and_(Nudge.state == "claimed", Nudge.lease_until < now))
    query = select(Nudge.id).where(due).order_by(Nudge.due_at, Nudge.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query))
    if not ids:
        return []
    session.execute(update(Nudge).where(col(Nudge.id).in_(ids)).values(
        state="claimed", claimed_by=worker[:60], lease_until=now + lease, attempts=Nudge.attempts + 1))
    session.expire_all()
    return list(session.exec(select(Nudge).where(col(Nudge.id).in_(ids)).order_by(Nudge.due_at, Nudge.id)))


def mark(session: Session, *, nudge_id: int, worker: str, state: str, reason: str | None = None,
         message_id: int | None = None, due_at: datetime | None = None, at: datetime | None = None) -> bool:
    """Move a row this worker holds on; False when it no longer holds it (the lease ran out and another took it)."""
    values: dict = {"state": state}
    if reason is not None:
        values["reason"] = reason[:200]
    if state == "sent":
        values.update(sent_at=at or utcnow(), message_id=message_id, lease_until=None)
    if state == "planned":  # back to the queue, e.g. outside the sending window: later, with no owner
        values.update(claimed_by=None, lease_until=None, due_at=due_at)
    changed = session.execute(update(Nudge).where(
        Nudge.id == nudge_id, Nudge.claimed_by == worker[:60], col(Nudge.state).in_(("claimed", "sending")))
        .values(**values)).rowcount
    return changed == 1


def sent_since(session: Session, *, person_id: int, since: datetime) -> int:
    """Reminders sent to a person since a moment: the weekly cap counts these across all rules."""
    return session.exec(select(func.count()).select_from(Nudge).where(
        Nudge.person_id == person_id, Nudge.state == "sent", Nudge.sent_at >= since,
        col(Nudge.rule).notin_(NOTICES))).one()


def cancel_open(session: Session, *, person_id: int, rule: str | None = None, subject: str | None = None,
                reason: str) -> int:
    """Cancel what is still to be sent: for a person (stop), a rule, or one subject (the task was done)."""
    conditions = [Nudge.person_id == person_id, col(Nudge.state).in_(OPEN)]
    if rule is not None:
        conditions.append(Nudge.rule == rule)
    else:
        conditions.append(col(Nudge.rule).notin_(NOTICES))
    if subject is not None:
        conditions.append(Nudge.subject == subject)
    return session.execute(update(Nudge).where(*conditions).values(
        state="cancelled", reason=reason[:200], claimed_by=None, lease_until=None)).rowcount


def answer(session: Session, *, nudge: Nudge, answer: str) -> None:
    nudge.answer, nudge.answered_at = answer[:20], utcnow()
    session.add(nudge)


def owned(session: Session, *, person_id: int, nudge_id: int) -> Nudge | None:
    nudge = session.get(Nudge, nudge_id)
    return nudge if nudge is not None and nudge.person_id == person_id else None


def unanswered_in_a_row(session: Session, *, person_id: int) -> int:
    """How many of the person's latest sent reminders got no answer, counted back to the last answered one."""
    rows = session.exec(select(Nudge.answer).where(Nudge.person_id == person_id, Nudge.state == "sent",
                                                   col(Nudge.rule).notin_(NOTICES))
                        .order_by(col(Nudge.sent_at).desc()).limit(50))
    count = 0
    for given in rows:
        if given is not None:
            break
        count += 1
    return count


def answered_by_pressing(session: Session, *, person_id: int, message_id: int | None, answer: str) -> bool:
    """A press on a button of a sent reminder, recorded as its answer (unless it has one already)."""
    if message_id is None:
        return False
    nudge = session.exec(select(Nudge).where(Nudge.person_id == person_id, Nudge.message_id == message_id,
                                             Nudge.state == "sent", col(Nudge.answer).is_(None))).first()
    if nudge is None:
        return False
    nudge.answer, nudge.answered_at = answer[:20], utcnow()
    session.add(nudge)
    return True
