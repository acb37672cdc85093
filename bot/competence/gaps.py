"""Where a person stands against the target of their role, and the gaps that decide what to learn next.

`gaps(session, person)` is the API other parts use (course recommendations, reminders, team summaries);
`gaps_of_many(session, people)` gives the same answers for many people in a few queries (reminder planning).
The target comes from the person's organisation's latest company analysis, or from the default goals
when it has none; the person's level per area from their latest completed assessment of that area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.competence import framework
from bot.competence.targets import OTHER_ROLE, GoalMap, goal_map
from bot.store import analyses, assessments, organisations
from bot.store.models import AreaResult, Assessment, CompanyProfile, Membership, Person, Role

CHUNK = 5000  # ids per IN (...) list


@dataclass(frozen=True)
class Target:
    role: str  # a role key of goals.yml, or "other"
    levels: dict[str, int]  # area → target level
    organisation: str | None  # whose analysis it is; None for the default profile
    version: int | None  # the company profile's version
    completed_at: datetime | None

    @property
    def is_default(self) -> bool:
        return self.version is None


@dataclass(frozen=True)
class Standing:
    area: str
    target: int
    current: float | None  # None: not assessed yet
    previous: float | None  # the level at the assessment before, if any
    assessed_at: datetime | None
    previous_at: datetime | None

    @property
    def gap(self) -> float:
        return max(0.0, self.target - self.current) if self.current is not None else 0.0


@dataclass(frozen=True)
class Gap:
    area: str
    target: int
    current: float
    size: float
    topics: tuple[str, ...]  # course topics that address the area, best first


def target_for(session: Session, person: Person) -> Target:
    role = person.job_role or OTHER_ROLE
    mapping = goal_map()
    organisation = _workplace(session, person)
    profile = analyses.latest(session, organisation_id=organisation.id) if organisation else None
    if profile is None:
        return Target(role, _levels(mapping, None, role), None, None, None)
    return Target(role, _levels(mapping, profile, role), organisation.name, profile.version, profile.completed_at)


def _levels(mapping: GoalMap, profile: CompanyProfile | None, role: str) -> dict[str, int]:
    if profile is None:
        return mapping.targets(role, mapping.default_goals)
    stored = analyses.targets_of(profile)
    return stored.get(role) or mapping.targets(role, analyses.goals_of(profile))  # a role the analysis left out


def _workplace(session: Session, person: Person):
    """The organisation whose targets apply: where the person is an employee, else their first one."""
    found = organisations.memberships_of(session, person_id=person.id)
    employee = [org for membership, org, _team in found if membership.role == Role.employee.value]
    return (employee or [org for _m, org, _t in found] or [None])[0]


def standing(session: Session, person: Person, target: Target | None = None) -> list[Standing]:
    """Every area of the current framework, in its order, with target, current and previous level."""
    target = target or target_for(session, person)
    history = assessments.area_history(session, person_id=person.id)
    result = []
    for area in framework.current().area_keys:
        levels = history.get(area, [])
        latest, before = (levels + [None, None])[:2]
        result.append(Standing(area, target.levels.get(area, 1), latest.level if latest else None,
                               before.level if before else None, latest.assessed_at if latest else None,
                               before.assessed_at if before else None))
    return result


def gaps(session: Session, person: Person, areas: list[Standing] | None = None) -> list[Gap]:
    """The assessed areas below their target, biggest gap first (ties in the framework's order); from `areas`, the
    person's `standing` when the caller has it already."""
    current = framework.current()
    found = [Gap(s.area, s.target, s.current, round(s.gap, 2), current.area(s.area).topics)
             for s in (standing(session, person) if areas is None else areas) if s.gap > 0]
    order = {key: i for i, key in enumerate(current.area_keys)}
    return sorted(found, key=lambda gap: (-gap.size, order[gap.area]))


def gaps_of_many(session: Session, people: list[Person]) -> dict[int, list[Gap]]:
    """`gaps` for each of many people (person id → the same list `gaps` gives), in a few queries per 5 000 people
    instead of four per person: planning reminders looks at tens of thousands at once (bench/store_scale.py).
    Only `id` and `job_role` of each person are read, so rows of those columns will do as well as Persons."""
    current = framework.current()
    order = {key: i for i, key in enumerate(current.area_keys)}
    targets = _targets_of_many(session, people)
    latest = _latest_levels(session, [p.id for p in people])
    found: dict[int, list[Gap]] = {}
    for person in people:
        levels = targets[person.id]
        own = []
        for area in current.area_keys:
            level = latest.get((person.id, area))
            if level is None:
                continue
            target = levels.get(area, 1)
            if target - level > 0:
                own.append(Gap(area, target, level, round(target - level, 2), current.area(area).topics))
        found[person.id] = sorted(own, key=lambda gap: (-gap.size, order[gap.area]))
    return found


def _targets_of_many(session: Session, people: list[Person]) -> dict[int, dict[str, int]]:
    """What `target_for(...).levels` gives, per person: the workplace as `_workplace` finds it, the latest analysis
    of each workplace read once."""
    ids = [p.id for p in people]
    workplace: dict[int, int] = {}
    first: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.exec(select(Membership.person_id, Membership.organisation_id, Membership.role)
                            .where(col(Membership.person_id).in_(ids[start:start + CHUNK])).order_by(Membership.id))
        for person_id, organisation_id, role in rows:
            first.setdefault(person_id, organisation_id)
            if role == Role.employee.value:
                workplace.setdefault(person_id, organisation_id)
    organisation_of = {pid: workplace.get(pid, first.get(pid)) for pid in ids}
    orgs = sorted({o for o in organisation_of.values() if o is not None})
    profiles: dict[int, CompanyProfile] = {}
    for start in range(0, len(orgs), CHUNK):
        rows = session.exec(select(CompanyProfile)
                            .where(col(CompanyProfile.organisation_id).in_(orgs[start:start + CHUNK]))
                            .order_by(CompanyProfile.organisation_id, col(CompanyProfile.version).desc()))
        for profile in rows:
            profiles.setdefault(profile.organisation_id, profile)
    mapping = goal_map()
    cache: dict[tuple[int | None, str], dict[str, int]] = {}
    result = {}
    for person in people:
        org, role = organisation_of[person.id], person.job_role or OTHER_ROLE
        if (org, role) not in cache:
            cache[(org, role)] = _levels(mapping, profiles.get(org) if org is not None else None, role)
        result[person.id] = cache[(org, role)]
    return result


def _latest_levels(session: Session, ids: list[int]) -> dict[tuple[int, str], float]:
    """(person, area) → the level of the person's latest completed assessment of that area, as `standing` reads
    it from `assessments.area_history` (areas without a level left out)."""
    latest: dict[tuple[int, str], float] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.exec(
            select(Assessment.person_id, AreaResult.area, AreaResult.level)
            .join(Assessment, Assessment.id == AreaResult.assessment_id)
            .where(col(Assessment.person_id).in_(ids[start:start + CHUNK]), col(Assessment.completed_at).is_not(None),
                   col(AreaResult.level).is_not(None))
            .order_by(col(Assessment.completed_at).desc(), col(Assessment.id).desc()))
        for person_id, area, level in rows:
            latest.setdefault((person_id, area), level)
    return latest
