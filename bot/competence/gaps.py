"""Where a person stands against the target of their role, and the gaps that decide what to learn next.

`gaps(session, person)` is the API other parts use (course recommendations, reminders, team summaries).
The target comes from the person's organisation's latest company analysis, or from the default goals
when it has none; the person's level per area from their latest completed assessment of that area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.competence import framework
from bot.competence.targets import OTHER_ROLE, goal_map
from bot.store import analyses, assessments, organisations
from bot.store.models import Person, Role


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
        return Target(role, mapping.targets(role, mapping.default_goals), None, None, None)
    stored = analyses.targets_of(profile)
    levels = stored.get(role) or mapping.targets(role, analyses.goals_of(profile))  # a role the analysis left out
    return Target(role, levels, organisation.name, profile.version, profile.completed_at)


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


def gaps(session: Session, person: Person) -> list[Gap]:
    """The assessed areas below their target, biggest gap first (ties in the framework's order)."""
    current = framework.current()
    found = [Gap(s.area, s.target, s.current, round(s.gap, 2), current.area(s.area).topics)
             for s in standing(session, person) if s.gap > 0]
    order = {key: i for i, key in enumerate(current.area_keys)}
    return sorted(found, key=lambda gap: (-gap.size, order[gap.area]))
