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


# The sources read the columns they need, not whole objects: at 100 000 people they find tens of thousands of
# tasks every round, and building ORM objects for them was most of the time (bench/store_scale.py).

def assessment_unfinished(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    rows = session.exec(select(Assessment.id, Assessment.person_id, Assessment.updated_at)
                        .where(col(Assessment.completed_at).is_(None)))
    for assessment_id, person_id, updated_at in rows:
        stamp = updated_at.strftime("%Y%m%d%H%M")
        yield Task(person_id, f"assessment:{assessment_id}:{stamp}", updated_at, {"assessment": assessment_id})


def apply_closing(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    today = now.astimezone(tz).date()
    rows = session.exec(select(SignUp.id, SignUp.person_id, CourseEvent.apply_until)
                        .join(CourseEvent, CourseEvent.id == SignUp.event_id).where(
        SignUp.state == "interested", col(SignUp.approval).is_(None) | (SignUp.approval == "approved"),
        CourseEvent.apply_until >= today, col(CourseEvent.removed_at).is_(None), col(CourseEvent.cancelled).is_(False)))
    for signup_id, person_id, apply_until in rows:
        yield Task(person_id, f"signup:{signup_id}", _at(apply_until, STOCKHOLM_NOON, tz), {"sign_up": signup_id})


def course_starting(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    today = now.astimezone(tz).date()
    rows = session.exec(select(SignUp.id, SignUp.person_id, CourseEvent.starts_on)
                        .join(CourseEvent, CourseEvent.id == SignUp.event_id).where(
        col(SignUp.state).in_(("applied", "admitted")), CourseEvent.starts_on >= today,
        col(CourseEvent.removed_at).is_(None), col(CourseEvent.cancelled).is_(False)))
    for signup_id, person_id, starts_on in rows:
        yield Task(person_id, f"start:{signup_id}", _at(starts_on, time(7), tz), {"sign_up": signup_id})


def approval_waiting(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    from bot.store import signups

    for signed in session.exec(select(SignUp).where(SignUp.approval == "pending", SignUp.state != "cancelled")):
        employee = session.get(Person, signed.person_id)
        for manager in signups.managers_for(session, person=employee):
            yield Task(manager.id, f"approval:{signed.id}:{manager.id}", signed.updated_at, {"sign_up": signed.id})


def course_followup(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    today = now.astimezone(tz).date()
    rows = session.exec(select(SignUp.id, SignUp.person_id, CourseEvent.ends_on)
                        .join(CourseEvent, CourseEvent.id == SignUp.event_id).where(
        col(SignUp.state).in_(("admitted", "started")), CourseEvent.ends_on < today,
        CourseEvent.ends_on >= today - timedelta(days=60)))
    for signup_id, person_id, ends_on in rows:
        yield Task(person_id, f"followup:{signup_id}", _at(ends_on, time(16), tz), {"sign_up": signup_id})


def inactive_matches(session: Session, now: datetime, tz, rule: Rule) -> Iterator[Task]:
    """People away for a while who have gaps, when courses for those gaps appeared (or changed) since they were
    last here. Only people who have assessed are candidates, and each is looked at once per absence: a candidate
    whose reminder for this absence is planned already is left out before anything else is read. The others' gaps
    come from `gaps_of_many` and the newest visible occasion per topic from one grouped query, so a round costs a
    few queries, not four per candidate (at 100 000 people: 28 000 candidates, 88 s before, about 1 s now;
    bench/store_scale.py)."""
    from sqlalchemy import func

    from bot.competence.gaps import gaps_of_many
    from bot.store.courses import visible
    from bot.store.models import CourseTopic

    days = min(rule.days)
    # Rows with the three columns needed, not Person objects: there may be tens of thousands.
    candidates = list(session.exec(select(Person.id, Person.job_role, Person.last_seen_at).where(
        Person.last_seen_at <= now - timedelta(days=days),
        col(Person.reminders_stopped_at).is_(None), col(Person.unreachable_since).is_(None),
        col(Person.id).in_(select(Assessment.person_id).where(col(Assessment.completed_at).is_not(None))))))

    subjects = {p.id: f"inactive:{p.id}:{p.last_seen_at.strftime('%Y%m%d')}" for p in candidates}
    # Step 1 is always planned with its task (the anchor is at most `days` ago), so its key tells.
    keys = {p.id: outbox.key_of(rule.key, subjects[p.id], 1) for p in candidates}
    planned = outbox.planned_keys(session, list(keys.values()))
    candidates = [p for p in candidates if keys[p.id] not in planned]
    if not candidates:
        return
    today = now.astimezone(tz).date()
    newest = dict(session.exec(
        select(CourseTopic.topic, func.max(CourseEvent.updated_at))
        .join(CourseEvent, CourseEvent.id == CourseTopic.event_id)
        .where(visible(today, now)).group_by(CourseTopic.topic)).all())
    found = gaps_of_many(session, candidates)
    for person in candidates:
        topics = sorted({t for gap in found[person.id][:3] for t in gap.topics})
        # a visible occasion on one of the topics changed since the person was last here
        if any(newest.get(t) is not None and newest[t] > person.last_seen_at for t in topics):
            anchor = max(person.last_seen_at, now - timedelta(days=days))  # from when the absence became long
            yield Task(person.id, subjects[person.id], anchor, {"topics": topics})


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
    # Every step the rules call for, as (outbox key, rule key, rule, task, step, due); only the steps not planned
    # yet become rows. In a round nearly all are planned already: a dict (and a variant) for each of them held
    # some 40 MB and a second at 100 000 people (bench/store_scale.py).
    steps: list[tuple[str, str, Rule, Task, int, datetime]] = []
    for key, (source, before) in SOURCES.items():
        rule = config.rules.get(key)
        if rule is None or not rule.enabled:
            continue
        for task in source(session, now, tz, rule):
            if task.person_id in stopped:
                continue
            for step, days in enumerate(sorted(rule.days, reverse=before), start=1):
                due = task.anchor - timedelta(days=days) if before else task.anchor + timedelta(days=days)
                if due < now - timedelta(days=1) or (before and due > task.anchor):
                    continue
                steps.append((outbox.key_of(key, task.subject, step), key, rule, task, step,
                              max(due, now) if before else due))
    existing = outbox.planned_keys(session, [found[0] for found in steps])
    rows = [{"person_id": task.person_id, "rule": key, "subject": task.subject, "step": step, "due_at": due,
             "variant": variant_of(task.person_id, rule), "payload": task.payload}
            for outbox_key, key, rule, task, step, due in steps if outbox_key not in existing]
    del steps, existing
    # Insert the new rows together: planning 100 000 people row by row took half a minute and held SQLite's write
    # lock that long (bench/reminders.py). plan_many reads their keys once more: another process may have planned.
    for row in outbox.plan_many(session, rows):
        planned.by_rule[row["rule"]] = planned.by_rule.get(row["rule"], 0) + 1
    return planned
