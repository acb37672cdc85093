"""Organisations, their teams, and people's memberships and roles in them."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.store.models import Membership, Organisation, Role, Team


class NotFound(LookupError):
    pass


def create_organisation(session: Session, *, name: str) -> Organisation:
    name = name.strip()
    if not name:
        raise ValueError("an organisation needs a name")
    organisation = Organisation(name=name)
    session.add(organisation)
    session.flush()
    return organisation


def find_organisation(session: Session, *, name_or_id: str | int) -> Organisation:
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        organisation = session.get(Organisation, int(name_or_id))
    else:
        organisation = session.exec(select(Organisation).where(Organisation.name == name_or_id)).first()
    if organisation is None:
        raise NotFound(f"no organisation {name_or_id!r}")
    return organisation


def team_in(session: Session, *, organisation: Organisation, name: str, create: bool = False) -> Team:
    team = session.exec(
        select(Team).where(Team.organisation_id == organisation.id, Team.name == name.strip())
    ).first()
    if team is None:
        if not create:
            raise NotFound(f"no team {name!r} in {organisation.name!r}")
        team = Team(organisation_id=organisation.id, name=name.strip())
        session.add(team)
        session.flush()
    return team


def add_membership(session: Session, *, person_id: int, organisation_id: int, team_id: int | None,
                   role: Role) -> Membership:
    """Idempotent: joining twice through the same link keeps one membership."""
    existing = session.exec(
        select(Membership).where(
            Membership.person_id == person_id,
            Membership.organisation_id == organisation_id,
            Membership.team_id == team_id,
            Membership.role == role.value,
        )
    ).first()
    if existing:
        return existing
    membership = Membership(person_id=person_id, organisation_id=organisation_id, team_id=team_id, role=role.value)
    session.add(membership)
    session.flush()
    return membership


_MEMBERSHIPS = (select(Membership, Organisation, Team)  # read in most turns: built once (see assessments.py)
                .join(Organisation, Organisation.id == Membership.organisation_id)
                .join(Team, Team.id == Membership.team_id, isouter=True)
                .where(Membership.person_id == bindparam("person_id"))
                .order_by(Membership.id))


def memberships_of(session: Session, *, person_id: int) -> list[tuple[Membership, Organisation, Team | None]]:
    return list(session.exec(_MEMBERSHIPS, params={"person_id": person_id}))
