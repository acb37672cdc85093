"""Self-assessments: a run over some or all areas, its answers, and the per-area results when it is done.

Every function takes the owner: an assessment is found only through the person it belongs to, so no
dialogue can reach another person's answers, whatever id a button carries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, column, text
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from bot.competence.framework import Framework
from bot.store.db import upsert
from bot.store.models import AreaResult, Assessment, AssessmentAnswer, utcnow

# Read in nearly every turn, so built once with bound parameters: building a statement and its cache key again
# for every call cost twice what running it did (~0.3 ms of CPU a call on SQLite).
_IN_PROGRESS = (select(Assessment)
                .where(Assessment.person_id == bindparam("person_id"), col(Assessment.completed_at).is_(None))
                .order_by(col(Assessment.id).desc()).limit(1))
_COMPLETED = (select(Assessment)
              .where(Assessment.person_id == bindparam("person_id"), col(Assessment.completed_at).is_not(None))
              .order_by(col(Assessment.completed_at).desc(), col(Assessment.id).desc()))
_LEVEL = select(AssessmentAnswer.level).where(AssessmentAnswer.assessment_id == bindparam("assessment_id"),
                                              AssessmentAnswer.statement == bindparam("statement"))
# PostgreSQL: an answer, the move to the next question and that question's earlier answer in one statement (the
# answer a data-modifying CTE of the move; the subquery reads the snapshot before both, and the next question is
# another row). The most common press thereby makes two round trips fewer.
_TYPES = {**{c.name: c.type for c in AssessmentAnswer.__table__.c},
          "position": Assessment.__table__.c.position.type, "updated_at": Assessment.__table__.c.updated_at.type,
          "next_statement": AssessmentAnswer.__table__.c.statement.type}
_RECORDED = text(
    "WITH answered AS (INSERT INTO assessment_answer (assessment_id, statement, level, answered_at)"
    " VALUES (:assessment_id, :statement, :level, :answered_at) ON CONFLICT (assessment_id, statement)"
    " DO UPDATE SET level = excluded.level, answered_at = excluded.answered_at)"
    " UPDATE assessment SET position = :position, updated_at = :updated_at WHERE assessment.id = :assessment_id"
    " RETURNING (SELECT earlier.level FROM assessment_answer AS earlier"
    " WHERE earlier.assessment_id = :assessment_id AND earlier.statement = :next_statement) AS earlier"
).bindparams(*(bindparam(name, type_=type_) for name, type_ in _TYPES.items())).columns(
    column("earlier", AssessmentAnswer.__table__.c.level.type))


def start(session: Session, *, person_id: int, framework: Framework, areas: list[str],
          job_role: str | None) -> Assessment:
    """A new run over the given areas (framework order); an unfinished earlier run is replaced by it."""
    unfinished = in_progress(session, person_id=person_id)
    if unfinished is not None:
        session.delete(unfinished)
    chosen = [key for key in framework.area_keys if key in set(areas)]
    if not chosen:
        raise ValueError("an assessment needs at least one area of the framework")
    assessment = Assessment(person_id=person_id, framework_version=framework.version, areas=json.dumps(chosen),
                            job_role=job_role)
    session.add(assessment)
    session.flush()
    return assessment


def areas_of(assessment: Assessment) -> list[str]:
    return json.loads(assessment.areas)


def in_progress(session: Session, *, person_id: int) -> Assessment | None:
    return session.exec(_IN_PROGRESS, params={"person_id": person_id}).first()


def answers(session: Session, *, assessment: Assessment) -> dict[str, int | None]:
    rows = session.exec(select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == assessment.id))
    return {row.statement: row.level for row in rows}


def answer(session: Session, *, assessment: Assessment, statement: str) -> int | None:
    """The level given to one statement (None: skipped or not answered yet); one row, by its key."""
    return session.exec(_LEVEL, params={"assessment_id": assessment.id, "statement": statement}).first()


def record(session: Session, *, assessment: Assessment, statement: str, level: int | None,
           next_statement: str | None = None) -> int | None:
    """Keep the answer (None: skipped), a new one or a changed one, and move on to the next question; returns the
    level given earlier to `next_statement`, the question shown next (None: none given, or none asked for). On
    PostgreSQL one statement; on SQLite, which has no data-modifying CTE, three."""
    session.flush()  # a Core statement does not flush the session first: what is pending goes before it
    answered_at = utcnow()
    values = {"assessment_id": assessment.id, "statement": statement, "level": level, "answered_at": answered_at}
    if session.get_bind().dialect.name == "postgresql":
        earlier = session.execute(_RECORDED, {**values, "position": assessment.position + 1,
                                              "updated_at": answered_at, "next_statement": next_statement}).scalar_one()
        set_committed_value(assessment, "position", assessment.position + 1)  # the row has it already
        set_committed_value(assessment, "updated_at", answered_at)
    else:
        session.execute(upsert(session, AssessmentAnswer, tuple(values), update=("level", "answered_at")), values)
        move(session, assessment=assessment, position=assessment.position + 1)
        earlier = answer(session, assessment=assessment, statement=next_statement) if next_statement else None
    loaded = session.identity_map.get(session.identity_key(AssessmentAnswer, (assessment.id, statement)))
    if loaded is not None:  # read earlier in this session: keep it in step with the row
        set_committed_value(loaded, "level", level)
        set_committed_value(loaded, "answered_at", answered_at)
    return earlier


def move(session: Session, *, assessment: Assessment, position: int) -> None:
    assessment.position, assessment.updated_at = max(0, position), utcnow()
    session.add(assessment)


def complete(session: Session, *, assessment: Assessment, framework: Framework) -> list[AreaResult]:
    """Close the run and keep each area's level: the mean of its answered statements."""
    given = answers(session, assessment=assessment)
    results = []
    for area in areas_of(assessment):
        levels = [given[s.key] for s in framework.area(area).statements if given.get(s.key) is not None]
        result = AreaResult(assessment_id=assessment.id, area=area,
                            level=round(sum(levels) / len(levels), 2) if levels else None, answered=len(levels))
        session.add(result)
        results.append(result)
    assessment.completed_at = assessment.updated_at = utcnow()
    session.add(assessment)
    session.flush()
    return results


def completed(session: Session, *, person_id: int) -> list[Assessment]:
    return list(session.exec(_COMPLETED, params={"person_id": person_id}))


@dataclass(frozen=True)
class AreaLevel:
    area: str
    level: float
    assessed_at: datetime


def area_history(session: Session, *, person_id: int) -> dict[str, list[AreaLevel]]:
    """Each area's levels from the person's completed assessments, newest first (skipped areas left out)."""
    rows = session.exec(
        select(AreaResult, Assessment.completed_at)
        .join(Assessment, Assessment.id == AreaResult.assessment_id)
        .where(Assessment.person_id == person_id, col(Assessment.completed_at).is_not(None),
               col(AreaResult.level).is_not(None))
        .order_by(col(Assessment.completed_at).desc(), col(Assessment.id).desc())
    )
    history: dict[str, list[AreaLevel]] = {}
    for result, at in rows:
        history.setdefault(result.area, []).append(AreaLevel(result.area, result.level, at))
    return history


def export(session: Session, *, person_id: int) -> list[dict]:
    """The person's own assessments with every answer, for the data export."""
    exported = []
    for assessment in session.exec(select(Assessment).where(Assessment.person_id == person_id)
                                   .order_by(Assessment.id)):
        results = session.exec(select(AreaResult).where(AreaResult.assessment_id == assessment.id))
        exported.append({
            "framework_version": assessment.framework_version,
            "areas": areas_of(assessment),
            "job_role": assessment.job_role,
            "started_at": assessment.started_at.isoformat(),
            "completed_at": assessment.completed_at.isoformat() if assessment.completed_at else None,
            "answers": answers(session, assessment=assessment),
            "area_levels": {r.area: r.level for r in results},
        })
    return exported

