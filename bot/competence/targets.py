"""From a company's green-transition goals to a target level per role and area (`data/competence/goals.yml`).

The mapping is data a domain expert edits: a baseline every role needs, and for each goal the areas it
raises, for everyone ("*") or for one role. A role's target in an area is the highest level any of those
give it; an area nothing raises has target 1. A company that has not run its analysis gets `default_goals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.competence import framework
from bot.competence.framework import LEVELS, FrameworkError
from bot.config import PROJECT_ROOT

GOALS_PATH = PROJECT_ROOT / "data" / "competence" / "goals.yml"
ANY_ROLE = "*"
OTHER_ROLE = "other"  # someone whose role is not in the list gets what every role needs

Raises = dict[str, dict[str, int]]  # role (or "*") → area → level


@dataclass(frozen=True)
class Goal:
    key: str
    name: str  # an English message id
    raises: Raises


@dataclass(frozen=True)
class GoalMap:
    version: int
    roles: dict[str, str]  # key → English name, in the file's order
    baseline: Raises
    goals: dict[str, Goal]
    default_goals: tuple[str, ...]

    def targets(self, role: str, goals: list[str] | tuple[str, ...]) -> dict[str, int]:
        """The target level of every area of the current framework for one role, given the chosen goals."""
        target = {area: 1 for area in framework.current().area_keys}
        sources = [self.baseline] + [self.goals[g].raises for g in goals if g in self.goals]
        for raises in sources:
            for who in (ANY_ROLE, role):
                for area, level in raises.get(who, {}).items():
                    if area in target:
                        target[area] = max(target[area], level)
        return target

    def profile(self, roles: list[str] | tuple[str, ...], goals: list[str] | tuple[str, ...]) -> dict[str, dict[str, int]]:
        return {role: self.targets(role, goals) for role in roles}


def read_goal_map(path: Path = GOALS_PATH) -> GoalMap:
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkError(f"{where}: cannot read it ({exc.__class__.__name__})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
        raise FrameworkError(f"{where}: needs a whole-number 'version' at the top")
    roles = raw.get("roles") or {}
    if not isinstance(roles, dict) or not roles or not all(isinstance(v, str) for v in roles.values()):
        raise FrameworkError(f"{where}: 'roles' must map role keys to names")
    if OTHER_ROLE in roles or ANY_ROLE in roles:
        raise FrameworkError(f"{where}: '{OTHER_ROLE}' and '{ANY_ROLE}' are reserved, not role keys")
    areas = set(framework.current().area_keys)
    baseline = _raises(raw.get("baseline") or {}, roles, areas, f"{where} baseline")
    goals = {}
    for key, item in (raw.get("goals") or {}).items():
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or len(str(key)) > 20:
            raise FrameworkError(f"{where}: goal {key!r} needs a 'name' (and a key of at most 20 letters)")
        goals[key] = Goal(key, item["name"], _raises(item.get("raises") or {}, roles, areas, f"{where} goals.{key}"))
    if not goals:
        raise FrameworkError(f"{where}: no goals")
    default = tuple(raw.get("default_goals") or ())
    if not default or any(g not in goals for g in default):
        raise FrameworkError(f"{where}: 'default_goals' must name goals of this file")
    return GoalMap(raw["version"], dict(roles), baseline, goals, default)


def _raises(raw, roles: dict, areas: set[str], where: str) -> Raises:
    if not isinstance(raw, dict):
        raise FrameworkError(f"{where}: must map roles to areas and levels")
    result: Raises = {}
    for role, levels in raw.items():
        if role != ANY_ROLE and role not in roles:
            raise FrameworkError(f"{where}: unknown role {role!r}")
        if not isinstance(levels, dict):
            raise FrameworkError(f"{where}.{role}: must map areas to levels")
        for area, level in levels.items():
            if area not in areas:
                raise FrameworkError(f"{where}.{role}: unknown area {area!r}")
            if level not in LEVELS:
                raise FrameworkError(f"{where}.{role}.{area}: level must be 1, 2, 3 or 4, not {level!r}")
        result[role] = dict(levels)
    return result


@lru_cache(maxsize=1)
def goal_map() -> GoalMap:
    return read_goal_map()
