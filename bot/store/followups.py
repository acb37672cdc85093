"""The coordinators' follow-up list: people the bot did not reach, or who asked to talk to a person. An item says
why and what is pending for them; never their assessment answers."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.store.models import FollowUp, utcnow

REASONS = ("not_reached", "asked_for_person")


def open_item(session: Session, *, person_id: int, reason: str) -> bool:
    """Put the person on the list; False when an open item with that reason is already there."""
    if reason not in REASONS:
        raise ValueError(f"unknown follow-up reason {reason!r}")
    existing = session.exec(select(FollowUp).where(FollowUp.person_id == person_id, FollowUp.reason == reason,
                                                   col(FollowUp.resolved_at).is_(None))).first()
    if existing is not None:
        return False
    session.add(FollowUp(person_id=person_id, reason=reason))
    session.flush()
    return True


def open_items(session: Session, *, person_ids: list[int] | None = None) -> list[FollowUp]:
    query = select(FollowUp).where(col(FollowUp.resolved_at).is_(None)).order_by(FollowUp.created_at)
    if person_ids is not None:
        query = query.where(col(FollowUp.person_id).in_(person_ids))
    return list(session.exec(query))


def resolve(session: Session, *, item: FollowUp, by: int | None) -> None:
    item.resolved_at, item.resolved_by_person_id = utcnow(), by
    session.add(item)
