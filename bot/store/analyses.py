"""Company analyses ("Mind the Gap"): each completed one is a new version of the organisation's target
profile. When and for whom each was completed is a project figure the coordinators report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.store.models import CompanyProfile, Organisation


def save(session: Session, *, organisation_id: int, goals: list[str], roles: list[str],
         targets: dict[str, dict[str, int]], mapping_version: int, framework_version: int,
         completed_by: int | None) -> CompanyProfile:
    """A new version of the organisation's profile. Two saves at the same moment become two versions: the one
    that loses the race for a version number takes the next one (in a savepoint, so the turn goes on)."""
    for attempt in range(3):
        latest = session.exec(select(func.max(CompanyProfile.version))
                              .where(CompanyProfile.organisation_id == organisation_id)).one()
        profile = CompanyProfile(organisation_id=organisation_id, version=(latest or 0) + 1, goals=json.dumps(goals),
                                 roles=json.dumps(roles), targets=json.dumps(targets),
                                 mapping_version=mapping_version, framework_version=framework_version,
                                 completed_by_person_id=completed_by)
        try:
            with session.begin_nested():
                session.add(profile)
            return profile
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def latest(session: Session, *, organisation_id: int) -> CompanyProfile | None:
    return session.exec(select(CompanyProfile).where(CompanyProfile.organisation_id == organisation_id)
                        .order_by(col(CompanyProfile.version).desc())).first()


def goals_of(profile: CompanyProfile) -> list[str]:
    return json.loads(profile.goals)


def roles_of(profile: CompanyProfile) -> list[str]:
    return json.loads(profile.roles)


def targets_of(profile: CompanyProfile) -> dict[str, dict[str, int]]:
    return json.loads(profile.targets)


@dataclass(frozen=True)
class CompletedAnalysis:
    organisation: str
    version: int
    completed_at: datetime


def completed(session: Session, *, organisation_ids: list[int] | None = None,
              since: datetime | None = None) -> list[CompletedAnalysis]:
    """Every completed analysis (oldest first), for the project's figures; re-analyses count as their own."""
    query = select(CompanyProfile, Organisation.name).join(Organisation,
                                                           Organisation.id == CompanyProfile.organisation_id)
    if organisation_ids is not None:
        query = query.where(col(CompanyProfile.organisation_id).in_(organisation_ids))
    if since is not None:
        query = query.where(CompanyProfile.completed_at >= since)
    rows = session.exec(query.order_by(CompanyProfile.completed_at, CompanyProfile.id))
    return [CompletedAnalysis(name, profile.version, profile.completed_at) for profile, name in rows]
