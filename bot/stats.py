"""The project's figures for its funder: organisations reached, people engaged, analyses completed, sign-ups
by state, over a period and per organisation, against the targets in configuration; a split by gender.

Counts of people go through `shown`: a figure on 1 to min_group − 1 people is hidden, in the totals, per
organisation and per gender alike. Organisations and analyses are not people and are always shown.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from bot.store import analyses
from bot.store.models import (GENDERS, Assessment, ErasedPerson, Membership, Organisation, Person, Role, SignUp,
                              SignUpStep)
from bot.teams import shown

FIGURES = ("organisations", "people", "assessed", "signed_up", "completed", "analyses")
PEOPLE_FIGURES = ("people", "assessed", "signed_up", "completed")
PERIODS = ("project", "year", "month", "last_month")
SIGNED_UP = ("applied", "admitted", "started", "completed")  # a sign-up that went further than "interested"
STATES = ("interested", "applied", "admitted", "started", "completed", "cancelled")
SAID = tuple(g for g in GENDERS if g != "unsaid")
GENDER_GROUPS = (*SAID, "unstated")  # "unstated": chose not to say, or never answered


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date  # local dates, both included
    last_day: date
    start: datetime  # the same in UTC: [start, end)
    end: datetime


def period(key: str, *, now: datetime, tz: ZoneInfo, project_start: date) -> Period:
    """One of PERIODS, in the project's time zone, ending today (last month: its last day)."""
    today = now.astimezone(tz).date()
    if key == "project":
        first, last = min(project_start, today), today
    elif key == "year":
        first, last = date(today.year, 1, 1), today
    elif key == "month":
        first, last = today.replace(day=1), today
    elif key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        first = last.replace(day=1)
    else:
        raise ValueError(f"unknown period {key!r}")
    return Period(key, first, last, _utc(first, tz), _utc(last + timedelta(days=1), tz))


def _utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class OrganisationFigures:
    organisation_id: int
    name: str
    values: dict[str, int | None]  # a FIGURES key → the count, None when too few people to show


@dataclass(frozen=True)
class ProjectFigures:
    period: Period
    totals: dict[str, int | None]
    per_organisation: list[OrganisationFigures]
    signups_by_state: dict[str, int | None]  # sign-ups started in the period, by where they stand now
    by_gender: dict[str, dict[str, int | None]]  # a PEOPLE_FIGURES key → a GENDER_GROUPS key → count
    targets: dict[str, int] = field(default_factory=dict)
    min_group: int = 3

    def share(self, figure: str) -> float | None:
        """How far towards its target a figure has come (0.4 = 40 %), None without a target or a figure."""
        target, value = self.targets.get(figure), self.totals.get(figure)
        return value / target if target and value is not None else None


def figures(session: Session, *, organisation_ids: list[int], period: Period, min_group: int,
            targets: dict[str, int] | None = None) -> ProjectFigures:
    names = dict(session.exec(select(Organisation.id, Organisation.name).where(
        col(Organisation.id).in_(organisation_ids))).all()) if organisation_ids else {}
    joined = list(session.exec(select(Membership.person_id, Membership.organisation_id, Membership.created_at).where(
        col(Membership.organisation_id).in_(list(names)),
        col(Membership.role).in_([Role.employee.value, Role.manager.value])))) if names else []
    orgs_of: dict[int, set[int]] = defaultdict(set)
    first_join: dict[int, datetime] = {}
    people_in_period: dict[int, set[int]] = defaultdict(set)  # organisation → people who joined in the period
    for person_id, org_id, at in joined:
        orgs_of[person_id].add(org_id)
        first_join[org_id] = min(at, first_join.get(org_id, at))
        if period.start <= at < period.end:
            people_in_period[org_id].add(person_id)
    everyone = list(orgs_of)
    sets = {
        "people": set(),
        "assessed": _people(session, select(Assessment.person_id).where(
            col(Assessment.completed_at) >= period.start, col(Assessment.completed_at) < period.end), everyone,
            Assessment.person_id),
        "signed_up": _steps(session, SIGNED_UP, period, everyone),
        "completed": _steps(session, ("completed",), period, everyone),
    }
    states = Counter(session.exec(select(SignUp.state).where(
        col(SignUp.person_id).in_(everyone), col(SignUp.created_at) >= period.start,
        col(SignUp.created_at) < period.end))) if everyone else Counter()
    erased_genders = _add_erased(session, names, period, orgs_of, first_join, people_in_period, sets, states)
    sets["people"] = {p for group in people_in_period.values() for p in group}
    completed_analyses = [a for a in analyses.completed(session, organisation_ids=list(names), since=period.start)
                          if a.completed_at < period.end]
    analyses_per_org = Counter(a.organisation for a in completed_analyses)
    reached = {org_id for org_id, at in first_join.items() if period.start <= at < period.end}

    per_org = []
    for org_id, name in sorted(names.items(), key=lambda item: item[1]):
        values: dict[str, int | None] = {"organisations": int(org_id in reached),
                                         "people": shown(len(people_in_period[org_id]), min_group)}
        for figure in ("assessed", "signed_up", "completed"):
            values[figure] = shown(sum(1 for p in sets[figure] if org_id in orgs_of[p]), min_group)
        values["analyses"] = analyses_per_org.get(name, 0)
        per_org.append(OrganisationFigures(org_id, name, values))

    totals: dict[str, int | None] = {"organisations": len(reached), "analyses": len(completed_analyses)}
    totals.update({figure: shown(len(sets[figure]), min_group) for figure in PEOPLE_FIGURES})
    genders = _genders(session, {p for p in set().union(*sets.values()) if p > 0}) | erased_genders
    by_gender = {figure: {group: shown(n, min_group) for group, n in _split(sets[figure], genders).items()}
                 for figure in PEOPLE_FIGURES}
    return ProjectFigures(period, totals, per_org, {state: shown(states[state], min_group) for state in STATES},
                          by_gender, dict(targets or {}), min_group)


def erased_facts(session: Session, *, person: Person) -> ErasedPerson | None:
    """What figures() counts of this person, to the hour and without identity: kept when the person is deleted.
    None when no organisation's figures count them (a coordinator, someone who never joined a workplace)."""
    def hour(moment: datetime) -> str:
        return moment.replace(minute=0, second=0, microsecond=0).isoformat()

    joined = {str(org_id): hour(at) for org_id, at in session.exec(
        select(Membership.organisation_id, func.min(Membership.created_at)).where(
            Membership.person_id == person.id, col(Membership.role).in_([Role.employee.value, Role.manager.value]))
        .group_by(Membership.organisation_id))}
    if not joined:
        return None
    assessed = session.exec(select(Assessment.completed_at).where(
        Assessment.person_id == person.id, col(Assessment.completed_at).is_not(None))).all()
    steps = session.exec(select(SignUpStep.state, SignUpStep.at).join(SignUp, SignUpStep.sign_up_id == SignUp.id)
                         .where(SignUp.person_id == person.id)).all()
    sign_ups = session.exec(select(SignUp.created_at, SignUp.state).where(SignUp.person_id == person.id)).all()
    facts = {"joined": joined, "assessed": sorted({hour(a) for a in assessed}),
             "signed_up": sorted({hour(at) for state, at in steps if state in SIGNED_UP}),
             "completed": sorted({hour(at) for state, at in steps if state == "completed"}),
             "sign_ups": sorted([hour(at), state] for at, state in sign_ups)}
    return ErasedPerson(gender=person.gender, facts=json.dumps(facts, sort_keys=True))


def _add_erased(session: Session, names: dict[int, str], period: Period, orgs_of, first_join, people_in_period,
                sets, states: Counter) -> dict[int, str | None]:
    """Count deleted people as figures() counted them when they were here, each under a key of its own (< 0)."""
    genders: dict[int, str | None] = {}

    def within(moment: str) -> bool:
        return period.start <= datetime.fromisoformat(moment) < period.end

    for row in session.exec(select(ErasedPerson)):
        facts, key = json.loads(row.facts), -row.id
        joined = {int(org): datetime.fromisoformat(at) for org, at in facts.get("joined", {}).items()
                  if int(org) in names}
        if not joined:
            continue
        genders[key] = row.gender
        for org_id, at in joined.items():
            orgs_of[key].add(org_id)
            first_join[org_id] = min(at, first_join.get(org_id, at))
            if period.start <= at < period.end:
                people_in_period[org_id].add(key)
        for figure in ("assessed", "signed_up", "completed"):
            if any(within(moment) for moment in facts.get(figure, [])):
                sets[figure].add(key)
        states.update(state for created, state in facts.get("sign_ups", []) if within(created))
    return genders


def _people(session: Session, query, everyone: list[int], column) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(everyone), 5000):
        found.update(session.exec(query.where(col(column).in_(everyone[start:start + 5000]))))
    return found


def _steps(session: Session, states: tuple[str, ...], period: Period, everyone: list[int]) -> set[int]:
    query = (select(SignUp.person_id).join(SignUpStep, SignUpStep.sign_up_id == SignUp.id)
             .where(col(SignUpStep.state).in_(states), col(SignUpStep.at) >= period.start,
                    col(SignUpStep.at) < period.end))
    return _people(session, query, everyone, SignUp.person_id)


def _genders(session: Session, ids: set[int]) -> dict[int, str | None]:
    found: dict[int, str | None] = {}
    listed = list(ids)
    for start in range(0, len(listed), 5000):
        found.update(session.exec(select(Person.id, Person.gender).where(
            col(Person.id).in_(listed[start:start + 5000]))).all())
    return found


def _split(people: set[int], genders: dict[int, str | None]) -> dict[str, int]:
    counts = dict.fromkeys(GENDER_GROUPS, 0)
    for person_id in people:
        gender = genders.get(person_id)
        counts[gender if gender in SAID else "unstated"] += 1
    return counts
