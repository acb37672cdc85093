"""The competence framework: areas, concrete statements and four levels, read from `data/competence/framework/`.

Each version is a file of its own (`v1.yml`, `v2.yml`, ...). An answer stores the framework version and the
statement's key, so old answers stay readable after the questions change; new assessments use the newest.
Texts are English message ids: a dialogue shows them through the person's catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

FRAMEWORK_DIR = PROJECT_ROOT / "data" / "competence" / "framework"
LEVELS = (1, 2, 3, 4)
COURSE_TOPICS = frozenset({
    "energy", "circularity", "climate", "lean", "automation", "digitalisation", "maintenance", "quality",
    "metrology", "safety", "welding", "machining", "electrification", "drawings", "leadership", "work_swedish",
})
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


class FrameworkError(ValueError):
    """A data file that cannot be used, said in one sentence naming the file and the key."""


@dataclass(frozen=True)
class Level:
    value: int
    name: str
    description: str


@dataclass(frozen=True)
class Statement:
    key: str  # "<area>.<name>", stable within a version
    area: str
    text: str


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    topics: tuple[str, ...]  # the course topics that train this area, best first
    gap: str  # one plain sentence: what to learn when this is a big gap
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Framework:
    version: int
    levels: tuple[Level, ...]
    areas: tuple[Area, ...]

    def area(self, key: str) -> Area | None:
        return next((area for area in self.areas if area.key == key), None)

    def questions(self, area_keys: list[str] | tuple[str, ...]) -> list[Statement]:
        """The statements of the chosen areas, in the framework's order."""
        chosen = set(area_keys)
        return [s for area in self.areas if area.key in chosen for s in area.statements]

    def level(self, value: int) -> Level:
        return self.levels[value - 1]

    @property
    def area_keys(self) -> tuple[str, ...]:
        return tuple(area.key for area in self.areas)


def read_framework(path: Path) -> Framework:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkError(f"{path.name}: cannot read it ({exc.__class__.__name__})") from exc
    where = path.name
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
        raise FrameworkError(f"{where}: needs a whole-number 'version' at the top")
    levels_raw = raw.get("levels") or {}
    if sorted(levels_raw) != list(LEVELS):
        raise FrameworkError(f"{where}: 'levels' must be exactly 1, 2, 3 and 4")
    levels = tuple(Level(n, _text(levels_raw[n], "name", f"{where} levels.{n}"),
                         _text(levels_raw[n], "description", f"{where} levels.{n}")) for n in LEVELS)
    areas, seen = [], set()
    for item in raw.get("areas") or []:
        key = item.get("key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not _KEY.match(key) or key in seen:
            raise FrameworkError(f"{where}: area key {key!r} is missing, malformed or repeated")
        seen.add(key)
        topics = tuple(item.get("topics") or ())
        unknown = [t for t in topics if t not in COURSE_TOPICS]
        if not topics or unknown:
            raise FrameworkError(f"{where}: area {key} needs course topics from DESIGN.md (unknown: {unknown})")
        statements = []
        for entry in item.get("statements") or []:
            skey = entry.get("key") if isinstance(entry, dict) else None
            if not isinstance(skey, str) or not skey.startswith(f"{key}.") or skey in seen or len(skey) > 60:
                raise FrameworkError(f"{where}: statement key {skey!r} must be unique and start with '{key}.'")
            seen.add(skey)
            statements.append(Statement(skey, key, _text(entry, "text", f"{where} {skey}")))
        if not statements:
            raise FrameworkError(f"{where}: area {key} has no statements")
        areas.append(Area(key, _text(item, "name", f"{where} {key}"), topics, _text(item, "gap", f"{where} {key}"),
                          tuple(statements)))
    if not areas:
        raise FrameworkError(f"{where}: no areas")
    return Framework(raw["version"], levels, tuple(areas))


def _text(mapping, field: str, where: str) -> str:
    value = mapping.get(field) if isinstance(mapping, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise FrameworkError(f"{where}: '{field}' must be a text")
    return value.strip()


@lru_cache(maxsize=None)
def frameworks(directory: Path = FRAMEWORK_DIR) -> dict[int, Framework]:
    """Every version on disk, by number; a file's name must match the version inside it."""
    found = {}
    for path in sorted(directory.glob("v*.yml")):
        framework = read_framework(path)
        if path.stem != f"v{framework.version}":
            raise FrameworkError(f"{path.name}: says version {framework.version}; name it v{framework.version}.yml")
        found[framework.version] = framework
    if not found:
        raise FrameworkError(f"no framework files (v1.yml, ...) in {directory}")
    return found


def current() -> Framework:
    return frameworks()[max(frameworks())]


def version(number: int) -> Framework | None:
    return frameworks().get(number)
