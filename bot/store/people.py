"""People who consented, their language and reachability; export and deletion of their data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.store import assessments, chats, organisations, signups
from bot.store.models import (AuditEvent, Broadcast, CompanyProfile, FollowUp, Nudge, Person, SignUp, SignUpStep,
                              utcnow)


def person_by_user(session: Session, *, telegram_user_id: int) -> Person | None:
    return session.exec(_BY_USER, params={"user_id": telegram_user_id}).first()


# Built once: SQLAlchemy then also keeps its cache key, which a statement built per call computes again (~80 µs).
_BY_USER = select(Person).where(Person.telegram_user_id == bindparam("user_id"))


def register(session: Session, *, telegram_user_id: int, chat_id: int, language: str) -> Person:
    """Create the person at the moment of consent (or return the one who already consented)."""
    person = person_by_user(session, telegram_user_id=telegram_user_id)
    if person is None:
        person = Person(telegram_user_id=telegram_user_id, chat_id=chat_id, language=language, consent_at=utcnow())
        session.add(person)
        session.flush()
    return person


def set_language(session: Session, *, person: Person, language: str) -> None:
    person.language = language
    session.add(person)


def set_reminders(session: Session, *, person: Person, on: bool) -> bool:
    """Opt in or out of reminders; True when that changed anything. Every sender checks this field."""
    if on == (person.reminders_stopped_at is None):
        return False
    person.reminders_stopped_at = None if on else utcnow()
    session.add(person)
    return True


def seen(session: Session, *, person: Person) -> None:
    """Note that the person was active; written at most once an hour, so a busy chat does not write every turn."""
    now = utcnow()
    if person.last_seen_at is None or now - person.last_seen_at > timedelta(hours=1):
        person.last_seen_at = now
        session.add(person)


def mark_unreachable(session: Session, *, telegram_user_id: int) -> Person | None:
    person = person_by_user(session, telegram_user_id=telegram_user_id)
    if person is not None and person.unreachable_since is None:
        person.unreachable_since = utcnow()
        session.add(person)
    return person


def mark_reachable(session: Session, *, telegram_user_id: int) -> Person | None:
    person = person_by_user(session, telegram_user_id=telegram_user_id)
    if person is not None and person.unreachable_since is not None:
        person.unreachable_since = None
        session.add(person)
    return person


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _reminders(session: Session, person_id: int) -> list[dict]:
    return [{"rule": n.rule, "about": n.subject, "step": n.step, "wording": n.variant, "due": _when(n.due_at),
             "state": n.state, "sent": _when(n.sent_at), "answer": n.answer, "answered": _when(n.answered_at)}
            for n in session.exec(select(Nudge).where(Nudge.person_id == person_id).order_by(Nudge.id))]


def _follow_ups(session: Session, person_id: int) -> list[dict]:
    return [{"why": f.reason, "since": _when(f.created_at), "resolved": _when(f.resolved_at)}
            for f in session.exec(select(FollowUp).where(FollowUp.person_id == person_id).order_by(FollowUp.id))]


def _as_others_see_it(session: Session, person_id: int) -> dict:
    """What the person did for others, by role: their analyses, approvals, follow-ups handled, course offers."""
    return {
        "company_analyses": [{"version": p.version, "completed": _when(p.completed_at)} for p in session.exec(
            select(CompanyProfile).where(CompanyProfile.completed_by_person_id == person_id))],
        "sign_up_decisions": [{"state": s.state, "at": _when(s.at)} for s in session.exec(
            select(SignUpStep).where(SignUpStep.by_person_id == person_id, SignUpStep.sign_up_id.notin_(
                select(SignUp.id).where(SignUp.person_id == person_id))))],
        "follow_ups_resolved": len(session.exec(select(FollowUp.id).where(
            FollowUp.resolved_by_person_id == person_id)).all()),
        "course_offers_sent": [{"created": _when(b.created_at), "text": b.own_text, "recipients": b.total,
                                "state": b.state} for b in session.exec(
            select(Broadcast).where(Broadcast.coordinator_person_id == person_id).order_by(Broadcast.id))],
    }


# Every table that points at a person, and where export() shows it (tests hold the schema to this list).
EXPORTED = {
    "membership": "memberships", "assessment": "assessments", "sign_up": "course_sign_ups",
    "nudge": "reminders", "follow_up": "follow_ups", "audit_event": "activity",
    "company_profile": "company_analyses", "sign_up_step": "sign_up_decisions",
    "broadcast": "course_offers_sent",
}


def export(session: Session, *, person: Person) -> dict:
    """Everything the store holds about a person, in plain JSON-able form."""
    memberships = [
        {"organisation": org.name, "team": team.name if team else None, "role": m.role,
         "since": m.created_at.isoformat()}
        for m, org, team in organisations.memberships_of(session, person_id=person.id)
    ]
    audit = [
        {"at": e.at.isoformat(), "action": e.action}
        for e in session.exec(select(AuditEvent).where(AuditEvent.actor_person_id == person.id).order_by(AuditEvent.id))
    ]
    return {
        "telegram_user_id": person.telegram_user_id,
        "chat_id": person.chat_id,
        "language": person.language,
        "consent_at": person.consent_at.isoformat(),
        "unreachable_since": _when(person.unreachable_since),
        "reminders_stopped_at": _when(person.reminders_stopped_at),
        "created_at": person.created_at.isoformat(),
        "job_role": person.job_role,
        "gender": person.gender,
        "memberships": memberships,
        "assessments": assessments.export(session, person_id=person.id),
        "municipality_code": person.municipality_code,
        "course_sign_ups": signups.export(session, person_id=person.id),
        "reminder_settings": {"quiet_hours": [_when(person.quiet_start), _when(person.quiet_end)]
                              if person.quiet_start else None, "shift": person.shift},
        "reminders": _reminders(session, person.id),
        "follow_ups": _follow_ups(session, person.id),
        "last_seen_at": _when(person.last_seen_at),
        "retention_warned_at": _when(person.retention_warned_at),
        "conversation": chats.export(session, chat_id=person.chat_id),
        "activity": audit,
        **_as_others_see_it(session, person.id),
    }


def delete_person(session: Session, *, person: Person) -> None:
    """Remove the person and everything hanging off them; the audit log keeps the event, not the person, and
    the project's figures keep what they counted, without identity (ErasedPerson), so totals already reported
    stay the same. The chat's dialogue state is the caller's to clear: an empty state is stored as no row."""
    from bot.stats import erased_facts  # the figures decide what they count

    kept = erased_facts(session, person=person)
    if kept is not None:
        session.add(kept)
    session.delete(person)
    session.flush()
