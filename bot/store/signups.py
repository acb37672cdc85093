"""Sign-ups: a person's way from "interested" to "completed" for one course occasion, with every step kept.

One sign-up per person and occasion: signing up again returns the same one (a cancelled one is opened again).
Managers asked to approve are found from memberships: the managers of the person's team, else of the
organisation; they see the course and, if the person chose to share it, the gap area, never answers.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.store import organisations
from bot.store.models import CourseEvent, Membership, Organisation, Person, Role, SignUp, SignUpStep, utcnow

STATES = ("interested", "applied", "admitted", "started", "completed", "cancelled")
NEXT = {"interested": ("applied",), "applied": ("admitted", "cancelled"), "admitted": ("started", "completed"),
        "started": ("completed",)}  # what a person can report next; cancelling is always possible


def sign_up(session: Session, *, person: Person, event: CourseEvent, approval: bool,
            shared_gap: str | None) -> tuple[SignUp, bool]:
    """(the sign-up, True when it is new or opened again); a second sign-up for one occasion is the same one."""
    existing = session.exec(select(SignUp).where(SignUp.person_id == person.id, SignUp.event_id == event.id)).first()
    if existing is not None and existing.state != "cancelled":
        return existing, False
    signed = existing or SignUp(person_id=person.id, event_id=event.id, state="interested")
    signed.state, signed.updated_at = "interested", utcnow()
    signed.approval = "pending" if approval else None
    signed.shared_gap = shared_gap
    session.add(signed)
    session.flush()
    session.add(SignUpStep(sign_up_id=signed.id, state="interested", by_person_id=person.id))
    return signed, True


def move(session: Session, *, signed: SignUp, state: str, by: int | None) -> None:
    if state not in STATES:
        raise ValueError(f"unknown sign-up state {state!r}")
    signed.state, signed.updated_at = state, utcnow()
    session.add(signed)
    session.add(SignUpStep(sign_up_id=signed.id, state=state, by_person_id=by))


def decide(session: Session, *, signed: SignUp, approved: bool, by: int) -> None:
    signed.approval, signed.updated_at = ("approved" if approved else "declined"), utcnow()
    session.add(signed)
    session.add(SignUpStep(sign_up_id=signed.id, state=signed.approval, by_person_id=by))


def owned(session: Session, *, person_id: int, sign_up_id: int) -> SignUp | None:
    signed = session.get(SignUp, sign_up_id)
    return signed if signed is not None and signed.person_id == person_id else None


_OF_PERSON = (select(SignUp, CourseEvent).join(CourseEvent, CourseEvent.id == SignUp.event_id)  # built once
              .where(SignUp.person_id == bindparam("person_id"))
              .order_by(col(SignUp.state) == "cancelled", col(CourseEvent.starts_on).asc().nulls_last(), SignUp.id))


def of_person(session: Session, *, person_id: int) -> list[tuple[SignUp, CourseEvent]]:
    return list(session.exec(_OF_PERSON, params={"person_id": person_id}))


def approval_required(session: Session, *, person: Person) -> bool:
    return any(org.signup_approval for m, org, _team in organisations.memberships_of(session, person_id=person.id)
               if m.role == Role.employee.value)


def managers_for(session: Session, *, person: Person) -> list[Person]:
    """The managers of the person's teams; where a workplace has no team manager, its organisation-wide ones."""
    found: dict[int, Person] = {}
    for membership, org, _team in organisations.memberships_of(session, person_id=person.id):
        if membership.role != Role.employee.value or not org.signup_approval:
            continue
        leads = list(session.exec(select(Person).join(Membership, Membership.person_id == Person.id).where(
            Membership.organisation_id == org.id, Membership.role == Role.manager.value,
            Membership.team_id == membership.team_id if membership.team_id else col(Membership.team_id).is_(None))))
        if not leads and membership.team_id:
            leads = list(session.exec(select(Person).join(Membership, Membership.person_id == Person.id).where(
                Membership.organisation_id == org.id, Membership.role == Role.manager.value,
                col(Membership.team_id).is_(None))))
        found.update({lead.id: lead for lead in leads if lead.id != person.id})
    return list(found.values())


def workplace_of(session: Session, *, person: Person) -> str:
    """"Bruket AB, team Svets" for the manager's message; the organisation name alone without a team."""
    for membership, org, team in organisations.memberships_of(session, person_id=person.id):
        if membership.role == Role.employee.value:
            return f"{org.name}, {team.name}" if team else org.name
    return ""


def export(session: Session, *, person_id: int) -> list[dict]:
    exported = []
    for signed, event in of_person(session, person_id=person_id):
        steps = session.exec(select(SignUpStep).where(SignUpStep.sign_up_id == signed.id).order_by(SignUpStep.id))
        exported.append({"course": event.title, "occasion": event.identifier, "state": signed.state,
                         "approval": signed.approval, "shared_gap": signed.shared_gap,
                         "steps": [{"state": s.state, "at": s.at.isoformat()} for s in steps]})
    return exported


def organisation_requires(session: Session, *, organisation: Organisation, required: bool) -> None:
    organisation.signup_approval = required
    session.add(organisation)
