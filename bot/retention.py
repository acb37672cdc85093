"""The retention rule: a person who has not used Kompis for `privacy.retention.inactive_months` is deleted,
after a message `warning_days` before that says when and offers to keep the data.

Activity is the last time the person wrote or pressed anything (`last_seen_at`, else when they joined). The sweep
runs in every bot process's housekeeping and in `kompis retention`; it is safe to run anywhere at any time:
1. warn — someone inactive for (inactive_months − warning_days) who has not been warned since they were last
   active gets a notice in the outbox (rule `retention_warning`, one per inactive stretch by its key) and
   `retention_warned_at` is set. Notices go out even to people who stopped reminders; the worker keeps the
   sending window and never sends to someone who blocked the bot.
2. delete — someone warned at least `warning_days` ago, not active since, inactive for the whole period, whose
   notice the worker has dealt with (sent, or not sendable: blocked) is erased with everything that hangs off
   them, as `/delete` does. The audit log keeps "person.deleted" with the reason, nothing about the person.
Anyone who writes or presses anything in between is active again: no deletion, and a new warning only after a
new inactive stretch.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.config import Config
from bot.store import audit, outbox, people
from bot.store.models import ChatState, Nudge, Person

RULE = "retention_warning"
BATCH = 500  # people per step and sweep, so that one transaction stays short


@dataclass
class Sweep:
    warned: int = 0
    deleted: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def deletion_day(config: Config, *, warned_at: datetime) -> datetime:
    return warned_at + timedelta(days=config.retention_warning_days)


def _activity():
    return func.coalesce(Person.last_seen_at, Person.created_at)


def sweep(session: Session, *, config: Config, now: datetime, dry_run: bool = False) -> Sweep:
    """One pass of the rule in the caller's transaction; `dry_run` counts without changing anything."""
    done = Sweep()
    inactive_since = months_before(now, config.retention_months)
    warn_before = inactive_since + timedelta(days=config.retention_warning_days)
    activity = _activity()

    to_warn = session.exec(select(Person).where(
        activity < warn_before,
        (col(Person.retention_warned_at).is_(None)) | (col(Person.retention_warned_at) < activity),
    ).order_by(Person.id).limit(BATCH).with_for_update(skip_locked=True)).all()  # rows another sweep holds: next time
    for person in to_warn:
        if not dry_run:
            last = person.last_seen_at or person.created_at
            outbox.plan(session, person_id=person.id, rule=RULE, subject=f"retention:{person.id}:{last:%Y%m%d%H%M}", step=1,
                        due_at=now, payload={"delete_after": deletion_day(config, warned_at=now).isoformat()})
            person.retention_warned_at = now
            session.add(person)
        done.warned += 1

    dealt_with = select(Nudge.person_id).where(Nudge.rule == RULE, col(Nudge.state).in_(("sent", "failed",
                                                                                        "cancelled")))
    to_delete = session.exec(select(Person).where(
        col(Person.retention_warned_at) <= now - timedelta(days=config.retention_warning_days),
        activity < Person.retention_warned_at,
        activity < inactive_since,
        col(Person.id).in_(dealt_with),
    ).order_by(Person.id).limit(BATCH).with_for_update(skip_locked=True)).all()
    for person in to_delete:
        if not dry_run:
            state = session.get(ChatState, person.chat_id)
            if state is not None:
                session.delete(state)
            people.delete_person(session, person=person)
            audit.record(session, action="person.deleted", reason="retention")
        done.deleted += 1
    return done
