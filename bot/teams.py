"""Who leads what, and a team's standing in aggregates only.

Scope is read from memberships in the store, never from a button: a manager sees the teams they are a manager
of (a manager of a whole organisation, without a team, sees all its employees); a coordinator
coordinates the organisations they are a coordinator of. A summary never shows one person's answer: every
figure that rests on fewer than `min_group` people is left out and shown as "too few answers".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.competence import framework
from bot.competence.targets import OTHER_ROLE, goal_map
from bot.store import analyses
from bot.store.models import AreaResult, Assessment, Membership, Organisation, Person, Role, SignUp, Team

IN_PROGRESS = ("interested", "applied", "admitted", "started")


@dataclass(frozen=True)
class Scope:
    """What a manager may see: one team, or a whole organisation (a manager without a team)."""

    key: str  # "t12" or "o3": what a button carries, checked again against the store
    name: str
    team_ids: tuple[int, ...] = ()
    organisation_ids: tuple[int, ...] = ()


def scopes_managed(session: Session, *, person_id: int) -> list[Scope]:
    rows = session.exec(select(Membership).where(Membership.person_id == person_id,
                                                 Membership.role == Role.manager.value))
    found: dict[str, Scope] = {}
    for membership in rows:
        if membership.team_id is not None:
            team = session.get(Team, membership.team_id)
            found[f"t{team.id}"] = Scope(f"t{team.id}", team.name, team_ids=(team.id,))
        else:
            org = session.get(Organisation, membership.organisation_id)
            found[f"o{org.id}"] = Scope(f"o{org.id}", org.name, organisation_ids=(org.id,))
    return sorted(found.values(), key=lambda scope: scope.name)


def organisations_coordinated(session: Session, *, person_id: int) -> list[Organisation]:
    ids = set(session.exec(select(Membership.organisation_id).where(
        Membership.person_id == person_id, Membership.role == Role.coordinator.value)))
    return sorted((session.get(Organisation, i) for i in ids), key=lambda o: o.name)


def members(session: Session, *, scopes: list[Scope]) -> list[Person]:
    """The employees in the scopes (each person once)."""
    team_ids = [t for scope in scopes for t in scope.team_ids]
    org_ids = [o for scope in scopes for o in scope.organisation_ids]
    if not team_ids and not org_ids:
        return []
    inside = or_(col(Membership.team_id).in_(team_ids), col(Membership.organisation_id).in_(org_ids))
    return list(session.exec(select(Person).where(col(Person.id).in_(
        select(Membership.person_id).where(inside, Membership.role == Role.employee.value)))))


@dataclass(frozen=True)
class AreaFigure:
    area: str
    people: int  # how many have a level in this area
    level: float | None  # the average level, None when too few
    target: float | None  # the average target of those people's roles, None when too few
    level_before: float | None = None  # a month ago, when enough had assessed then too

    @property
    def gap(self) -> float:
        return (self.target - self.level) if self.level is not None and self.target is not None else 0.0


@dataclass(frozen=True)
class TeamSummary:
    members: int
    assessed: int | None  # None: too few to show
    areas: list[AreaFigure]
    signups_in_progress: int | None
    courses_completed: int | None
    min_group: int
    biggest_gaps: list[AreaFigure] = field(default_factory=list)


def shown(count: int, min_group: int) -> int | None:
    """A count of people: hidden when it rests on 1 to min_group − 1 people (0 and larger counts are shown)."""
    return count if count == 0 or count >= min_group else None


def levels(session: Session, ids: list[int], *, as_of: datetime | None = None) -> dict[tuple[int, str], float]:
    """(person, area) → the level of the person's latest completed assessment of that area (as of a moment)."""
    latest: dict[tuple[int, str], float] = {}
    for start in range(0, len(ids), 5000):
        query = (select(Assessment.person_id, AreaResult.area, AreaResult.level)
                 .join(Assessment, Assessment.id == AreaResult.assessment_id)
                 .where(col(Assessment.person_id).in_(ids[start:start + 5000]),
                        col(Assessment.completed_at).is_not(None), col(AreaResult.level).is_not(None))
                 .order_by(col(Assessment.completed_at).desc()))
        if as_of is not None:
            query = query.where(Assessment.completed_at <= as_of)
        for person_id, area, level in session.exec(query):
            latest.setdefault((person_id, area), level)
    return latest


def levels_now_and_before(session: Session, ids: list[int], *, as_of: datetime
                          ) -> tuple[dict[tuple[int, str], float], dict[tuple[int, str], float]]:
    """`levels(ids)` and `levels(ids, as_of=as_of)` from one read of the rows: half the work of two reads
    (a 2 000-person team summary reads some 13 000 area results, bench/store_scale.py)."""
    latest: dict[tuple[int, str], float] = {}
    before: dict[tuple[int, str], float] = {}
    for start in range(0, len(ids), 5000):
        query = (select(Assessment.person_id, AreaResult.area, AreaResult.level, Assessment.completed_at)
                 .join(Assessment, Assessment.id == AreaResult.assessment_id)
                 .where(col(Assessment.person_id).in_(ids[start:start + 5000]),
                        col(Assessment.completed_at).is_not(None), col(AreaResult.level).is_not(None))
                 .order_by(col(Assessment.completed_at).desc()))
        for person_id, area, level, completed_at in session.exec(query):
            latest.setdefault((person_id, area), level)
            if completed_at <= as_of:
                before.setdefault((person_id, area), level)
    return latest, before


def gap_areas(session: Session, people: list[Person]) -> dict[int, set[str]]:
    """Each person's assessed areas below their target, for many people in a few queries."""
    latest, targets = levels(session, [p.id for p in people]), _targets(session, people)
    found: dict[int, set[str]] = {p.id: set() for p in people}
    for (person_id, area), level in latest.items():
        if level < targets[person_id].get(area, 1):
            found[person_id].add(area)
    return found


def summary(session: Session, *, scopes: list[Scope], min_group: int, now: datetime) -> TeamSummary:
    people = members(session, scopes=scopes)
    ids = [p.id for p in people]
    latest, before = levels_now_and_before(session, ids, as_of=now - timedelta(days=30))
    targets = _targets(session, people)
    figures = []
    for area in framework.current().area_keys:
        holders = [pid for pid in ids if (pid, area) in latest]
        enough = len(holders) >= min_group
        earlier = [pid for pid in ids if (pid, area) in before]
        figures.append(AreaFigure(
            area, len(holders),
            round(sum(latest[(p, area)] for p in holders) / len(holders), 2) if enough else None,
            round(sum(targets[p].get(area, 1) for p in holders) / len(holders), 2) if enough else None,
            round(sum(before[(p, area)] for p in earlier) / len(earlier), 2) if len(earlier) >= min_group else None,
        ))
    assessed = len({pid for pid, _area in latest})
    statuses = list(session.exec(select(SignUp.state).where(col(SignUp.person_id).in_(ids)))) if ids else []
    in_progress = sum(1 for state in statuses if state in IN_PROGRESS)
    completed = sum(1 for state in statuses if state == "completed")
    gaps = sorted((f for f in figures if f.level is not None and f.gap > 0), key=lambda f: -f.gap)[:3]
    return TeamSummary(len(ids), shown(assessed, min_group), figures, shown(in_progress, min_group),
                       shown(completed, min_group), min_group, gaps)


def _targets(session: Session, people: list[Person]) -> dict[int, dict[str, int]]:
    """Each person's target per area, from their organisation's latest analysis (or the default goals); one
    lookup per organisation and role, not per person."""
    mapping = goal_map()
    organisation_of = dict(session.exec(select(Membership.person_id, Membership.organisation_id).where(
        col(Membership.person_id).in_([p.id for p in people]), Membership.role == Role.employee.value)).all()) \
        if people else {}
    cache: dict[tuple[int | None, str], dict[str, int]] = {}
    result = {}
    for person in people:
        org_id, role = organisation_of.get(person.id), person.job_role or OTHER_ROLE
        if (org_id, role) not in cache:
            profile = analyses.latest(session, organisation_id=org_id) if org_id else None
            if profile is None:
                cache[(org_id, role)] = mapping.targets(role, mapping.default_goals)
            else:
                cache[(org_id, role)] = analyses.targets_of(profile).get(role) or mapping.targets(
                    role, analyses.goals_of(profile))
        result[person.id] = cache[(org_id, role)]
    return result
