"""Planning reminders: each rule finds the open tasks it is about (an unfinished assessment, an application
that closes, a course that starts, an approval that waits, a course that ended) and plans one outbox row per
configured day. Planning is idempotent (a row's key is rule, subject and step) and can run as often as wanted;
whether a reminder is still worth sending is checked again when it is due (`bot/reminders/worker.py`).

A subject names the task and, where a task can start over, the moment it did ("assessment:12:202611211530"):
a person who continues and pauses again gets a new, fresh chain, not the rest of the old one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterator

from sqlmodel import Session, col, select

from bot.reminders.settings import RemindersConfig, Rule
from bot.store import outbox
from bot.store.models import Assessment, CourseEvent, Person, SignUp

STOCKHOLM_NOON = time(12)


@dataclass(frozen=True)
class Task:
    person_id: int
    subject: str
    anchor: datetime  # the moment the rule's days count from (after it) or to (before it)
    payload: dict = field(default_factory=dict)


def variant_of(person_id: int, rule: Rule) -> str:
    """Stable and random enough: the same person always gets the same variant (or the control group) of a rule."""
    digest = hashlib.sha256(f"{rule.key}:{person_id}".encode()).digest()
    share = int.from_bytes(digest[:8], "big") / 2 ** 64
    if share < rule.control:
        return "control"
    return rule.variants[int.from_bytes(digest[8:16], "big") % len(rule.variants)]


def _at(day: date, moment: time, tz) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def assessment_unfinished(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    rows = session.exec(select(Assessment).where(col(Assessment.completed_at).is_(None)))
    for assessment in rows:
        stamp = assessment.updated_at.strftime("%Y%m%d%H%M")
        yield Task(assessment.person_id, f"assessment:{assessment.id}:{stamp}", assessment.updated_at,
                   {"assessment": assessment.id})


def apply_closing(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    today = now.astimezone(tz).date()
    rows = session.exec(select(SignUp, CourseEvent).join(CourseEvent, CourseEvent.id == SignUp.event_id).where(
        SignUp.state == "interested", col(SignUp.approval).is_(None) | (SignUp.approval == "approved"),
        CourseEvent.apply_until >= today, col(CourseEvent.removed_at).is_(None), col(CourseEvent.cancelled).is_(False)))
    for signed, event in rows:
        yield Task(signed.person_id, f"signup:{signed.id}", _at(event.apply_until, STOCKHOLM_NOON, tz),
                   {"sign_up": signed.id})


def course_starting(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    today = now.astimezone(tz).date()
    rows = session.exec(select(SignUp, CourseEvent).join(CourseEvent, CourseEvent.id == SignUp.event_id).where(
        col(SignUp.state).in_(("applied", "admitted")), CourseEvent.starts_on >= today,
        col(CourseEvent.removed_at).is_(None), col(CourseEvent.cancelled).is_(False)))
    for signed, event in rows:
        yield Task(signed.person_id, f"start:{signed.id}", _at(event.starts_on, time(7), tz), {"sign_up": signed.id})


def approval_waiting(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    from bot.store import signups

    for signed in session.exec(select(SignUp).where(SignUp.approval == "pending", SignUp.state != "cancelled")):
        employee = session.get(Person, signed.person_id)
        for manager in signups.managers_for(session, person=employee):
            yield Task(manager.id, f"approval:{signed.id}:{manager.id}", signed.updated_at, {"sign_up": signed.id})


def course_followup(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    today = now.astimezone(tz).date()
    rows = session.exec(select(SignUp, CourseEvent).join(CourseEvent, CourseEvent.id == SignUp.event_id).where(
        col(SignUp.state).in_(("admitted", "started")), CourseEvent.ends_on < today,
        CourseEvent.ends_on >= today - timedelta(days=60)))
    for signed, event in rows:
        yield Task(signed.person_id, f"followup:{signed.id}", _at(event.ends_on, time(16), tz), {"sign_up": signed.id})


def inactive_matches(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    """People away for a while who have gaps, when courses for those gaps appeared (or changed) since they were
    last here. Only people who have assessed are candidates, and each is looked at once per absence."""
    from bot.competence.gaps import gaps
    from bot.store.courses import visible
    from bot.store.models import CourseTopic

    days = min(rule.days)
    candidates = session.exec(select(Person).where(
        Person.last_seen_at <= now - timedelta(days=days),
        col(Person.id).in_(select(Assessment.person_id).where(col(Assessment.completed_at).is_not(None)))))
    today = now.astimezone(tz).date()
    for person in candidates:
        topics = sorted({t for gap in gaps(session, person)[:3] for t in gap.topics})
        if not topics:
            continue
        fresh = session.exec(select(CourseEvent.id).where(
            visible(today, now), CourseEvent.updated_at > person.last_seen_at,
            col(CourseEvent.id).in_(select(CourseTopic.event_id).where(col(CourseTopic.topic).in_(topics))))
            .limit(1)).first()
        if fresh is not None:  # counted from when the absence became long enough, or the courses appeared
            anchor = max(person.last_seen_at, now - timedelta(days=days))
            yield Task(person.id, f"inactive:{person.id}:{person.last_seen_at:%Y%m%d}", anchor, {"topics": topics})


# rule → (where its tasks come from, whether its days count before the anchor)
SOURCES: dict[str, tuple[Callable[[Session, datetime, object, Rule], Iterator[Task]], bool]] = {
    "assessment_unfinished": (assessment_unfinished, False),
    "apply_closing": (apply_closing, True),
    "course_starting": (course_starting, True),
    "approval_waiting": (approval_waiting, False),
    "course_followup": (course_followup, False),
    "inactive_matches": (inactive_matches, False),
}


@dataclass
class Planned:
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_rule.values())


def plan_due(session: Session, *, now: datetime, config: RemindersConfig, tz) -> Planned:
    """Plan every reminder the rules call for that is not planned yet. Steps whose time has already passed by
    more than a day are left out: a reminder about last week helps nobody."""
    planned = Planned()
    stopped = set(session.exec(select(Person.id).where(col(Person.reminders_stopped_at).is_not(None)
                                                       | col(Person.unreachable_since).is_not(None))))
    rows: list[dict] = []
    for key, (source, before) in SOURCES.items():
        rule = config.rules.get(key)
        if rule is None or not rule.enabled:
            continue
        for task in source(session, now, tz, rule):
            if task.person_id in stopped:
                continue
            variant = variant_of(task.person_id, rule)
            for step, days in enumerate(sorted(rule.days, reverse=before), start=1):
                due = task.anchor - timedelta(days=days) if before else task.anchor + timedelta(days=days)
                if due < now - timedelta(days=1) or (before and due > task.anchor):
                    continue
                rows.append({"person_id": task.person_id, "rule": key, "subject": task.subject, "step": step,
                             "due_at": max(due, now) if before else due, "variant": variant,
                             "payload": task.payload})
    # Read the planned keys once and insert the new rows together: planning 100 000 people row by row took
    # half a minute and held SQLite's write lock that long (bench/reminders.py).
    for row in outbox.plan_many(session, rows):
        planned.by_rule[row["rule"]] = planned.by_rule.get(row["rule"], 0) + 1
    return planned
