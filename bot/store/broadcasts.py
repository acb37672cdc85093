"""Broadcasts of course offers: choosing the audience (within the organisations the coordinator coordinates),
planning one outbox row per recipient, pausing, resuming, cancelling, and counting how delivery went and
how many then showed interest or signed up."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from bot.competence import framework
from bot.geo import geo
from bot.store import outbox
from bot.store.models import Broadcast, CourseTopic, Membership, Nudge, Person, Role, SignUp, utcnow

RULE = "broadcast"


@dataclass(frozen=True)
class Audience:
    organisations: tuple[int, ...]  # within the coordinator's own
    roles: tuple[str, ...] = ()  # job roles; empty: all
    languages: tuple[str, ...] = ()  # empty: all
    counties: tuple[str, ...] = ()  # people who told Kompis their municipality, in these counties; empty: all
    gaps_fit: bool = False  # only people whose gaps the course's topics address

    def to_json(self) -> str:
        return json.dumps({"organisations": list(self.organisations), "roles": list(self.roles),
                           "languages": list(self.languages), "counties": list(self.counties),
                           "gaps_fit": self.gaps_fit})

    @classmethod
    def from_dict(cls, raw: dict) -> "Audience":
        return cls(tuple(raw.get("organisations") or ()), tuple(raw.get("roles") or ()),
                   tuple(raw.get("languages") or ()), tuple(raw.get("counties") or ()), bool(raw.get("gaps_fit")))


def recipients(session: Session, *, audience: Audience, event_id: int | None) -> list[Person]:
    """The people the audience means: consented members of the chosen organisations, then each filter."""
    if not audience.organisations:
        return []
    query = select(Person).where(col(Person.id).in_(select(Membership.person_id).where(
        col(Membership.organisation_id).in_(audience.organisations), Membership.role == Role.employee.value)))
    if audience.roles:
        query = query.where(col(Person.job_role).in_(audience.roles))
    if audience.languages:
        query = query.where(col(Person.language).in_(audience.languages))
    people = list(session.exec(query.order_by(Person.id)))
    if audience.counties:
        county_of = geo().county_of
        people = [p for p in people if p.municipality_code and county_of.get(p.municipality_code) in audience.counties]
    if audience.gaps_fit and event_id is not None:
        from bot.teams import gap_areas

        topics = set(session.exec(select(CourseTopic.topic).where(CourseTopic.event_id == event_id)))
        areas = {a.key for a in framework.current().areas if topics & set(a.topics)}
        gaps = gap_areas(session, people)
        people = [p for p in people if gaps[p.id] & areas]
    return people


def create(session: Session, *, coordinator: Person, chat_id: int, audience: Audience, event_id: int | None,
           own_text: str | None) -> Broadcast:
    """The broadcast and one planned outbox row per recipient, due now, in the same transaction."""
    people = recipients(session, audience=audience, event_id=event_id)
    broadcast = Broadcast(coordinator_person_id=coordinator.id, chat_id=chat_id, event_id=event_id,
                          own_text=own_text, audience=audience.to_json(), total=len(people))
    session.add(broadcast)
    session.flush()
    now = utcnow()
    outbox.plan_many(session, [{"person_id": p.id, "rule": RULE, "subject": f"broadcast:{broadcast.id}:{p.id}",
                                "step": 1, "due_at": now, "variant": "a", "payload": {"broadcast": broadcast.id}}
                               for p in people])
    return broadcast


def _rows(broadcast_id: int):
    return col(Nudge.subject).startswith(f"broadcast:{broadcast_id}:")


def pause(session: Session, *, broadcast: Broadcast) -> None:
    """Rows not yet on their way wait ("held"), also those a worker has claimed but not started to send: it
    finds them gone. Only a row already `sending` still goes out."""
    broadcast.state = "paused"
    session.add(broadcast)
    session.execute(update(Nudge).where(Nudge.rule == RULE, _rows(broadcast.id),
                                        col(Nudge.state).in_(("planned", "claimed")))
                    .values(state="held", claimed_by=None, lease_until=None))


def resume(session: Session, *, broadcast: Broadcast) -> None:
    broadcast.state = "sending"
    session.add(broadcast)
    session.execute(update(Nudge).where(Nudge.rule == RULE, _rows(broadcast.id), Nudge.state == "held")
                    .values(state="planned", due_at=utcnow()))


def cancel(session: Session, *, broadcast: Broadcast) -> None:
    broadcast.state, broadcast.finished_at = "cancelled", utcnow()
    session.add(broadcast)
    session.execute(update(Nudge).where(Nudge.rule == RULE, _rows(broadcast.id),
                                        col(Nudge.state).in_(("planned", "held", "claimed")))
                    .values(state="cancelled", reason="broadcast cancelled", claimed_by=None, lease_until=None))


@dataclass(frozen=True)
class Tally:
    total: int
    sent: int
    blocked: int
    opted_out: int
    failed: int
    cancelled: int
    waiting: int  # still planned, held or on their way
    interested: int  # recipients who signed up for the course after it was sent
    signed_up: int  # of those, who got as far as applying

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.opted_out + self.failed + self.cancelled


def tally(session: Session, *, broadcast: Broadcast) -> Tally:
    counts: dict[tuple[str, str | None], int] = {}
    for state, reason, n in session.exec(select(Nudge.state, Nudge.reason, func.count()).where(
            Nudge.rule == RULE, _rows(broadcast.id)).group_by(Nudge.state, Nudge.reason)):
        counts[(state, reason)] = n

    def count(state: str, *reasons: str | None) -> int:
        return sum(n for (s, r), n in counts.items() if s == state and (not reasons or r in reasons))

    # A row left `sending` by a process that died is never sent again; once its lease is over it counts as
    # failed (not known to have arrived), so the broadcast can finish.
    stuck = session.exec(select(func.count()).select_from(Nudge).where(
        Nudge.rule == RULE, _rows(broadcast.id), Nudge.state == "sending", Nudge.lease_until < utcnow())).one()
    blocked = count("failed", "the person blocked the bot") + count("cancelled", "the person blocked the bot")
    opted_out = count("cancelled", "reminders are off", "stopped all reminders")
    failed = count("failed") - count("failed", "the person blocked the bot") + stuck
    cancelled = count("cancelled") - opted_out - count("cancelled", "the person blocked the bot")
    waiting = count("planned") + count("held") + count("claimed") + count("sending") - stuck
    interested = signed_up = 0
    if broadcast.event_id is not None:
        recipients_sent = select(Nudge.person_id).where(Nudge.rule == RULE, _rows(broadcast.id), Nudge.state == "sent")
        states = list(session.exec(select(SignUp.state).where(
            SignUp.event_id == broadcast.event_id, SignUp.created_at >= broadcast.created_at,
            col(SignUp.person_id).in_(recipients_sent))))
        interested = len(states)
        signed_up = sum(1 for s in states if s in ("applied", "admitted", "started", "completed"))
    return Tally(broadcast.total, count("sent"), blocked, opted_out, failed, cancelled + count("skipped"), waiting,
                 interested, signed_up)


def owned(session: Session, *, coordinator_id: int, broadcast_id: int) -> Broadcast | None:
    broadcast = session.get(Broadcast, broadcast_id)
    return broadcast if broadcast is not None and broadcast.coordinator_person_id == coordinator_id else None


def open_ones(session: Session) -> list[Broadcast]:
    return list(session.exec(select(Broadcast).where(col(Broadcast.state).in_(("sending", "paused")))))
