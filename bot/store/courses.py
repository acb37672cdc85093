"""The course catalog in the store: applying an import (upsert by identifier, removals, one transaction) and
searching it the same way on SQLite and PostgreSQL (topics, place, study mode, dates, and words matched by
the prefix of their light Swedish stem against an indexed term table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import and_, case, delete, func, insert, literal, or_
from sqlmodel import Session, col, select

from bot.courses import text
from bot.courses.records import CourseRecord, ProviderRecord, Rejected, Removed
from bot.geo import geo
from bot.store.models import CourseEvent, CourseProvider, CourseTerm, CourseTopic, utcnow

# What an import writes into an occasion; a re-import that changes none of these (nor the topics) is "unchanged".
FIELDS = ("source", "course_identifier", "title", "description", "municipality_code", "county_code", "town",
          "study_mode", "pace", "starts_on", "ends_on", "apply_from", "apply_until", "application_url",
          "application_instruction", "credits", "cancelled", "expires_at", "last_edited")


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def apply(session: Session, records: Iterable[CourseRecord | Rejected | Removed], *, source: str, full: bool,
          topics_of: Callable[[CourseRecord], tuple[str, ...]],
          progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Apply one import in the caller's transaction. `full`: the import is the whole catalog of `source`, so
    that source's occasions it no longer lists are removed; else only explicit removals remove."""
    summary = ImportSummary()
    existing = {e.identifier: e for e in session.exec(select(CourseEvent))}
    providers = {p.identifier: p for p in session.exec(select(CourseProvider))}
    seen: set[str] = set()
    changed: list[tuple[CourseEvent, tuple[str, ...], set[str]]] = []
    now = utcnow()
    for item in records:
        if progress:
            progress(1)
        if isinstance(item, Rejected):
            summary.rejected.append(item)
            continue
        if isinstance(item, Removed):
            event = existing.get(item.identifier)
            if event is not None and event.removed_at is None:
                event.removed_at, event.updated_at = now, now
                session.add(event)
                summary.removed += 1
            continue
        if item.identifier in seen:
            summary.rejected.append(Rejected(item.identifier, "appears twice in this import; the first was kept"))
            continue
        seen.add(item.identifier)
        values = _values(item)
        topics = item.topics or topics_of(item)
        provider = _provider(session, providers, item.provider)
        event = existing.get(item.identifier)
        if event is None:
            event = CourseEvent(identifier=item.identifier, provider_id=provider.id if provider else None, **values)
            session.add(event)
            summary.added += 1
        elif (any(getattr(event, name) != value for name, value in values.items()) or event.removed_at is not None
              or event.provider_id != (provider.id if provider else None) or topics != _topics(session, event)):
            for name, value in values.items():
                setattr(event, name, value)
            event.provider_id, event.removed_at, event.updated_at = (provider.id if provider else None), None, now
            session.add(event)
            summary.updated += 1
        else:
            summary.unchanged += 1
            continue
        words = " ".join((item.title, *item.keywords, item.description, item.town or "",
                          item.provider.name if item.provider else ""))
        changed.append((event, topics, text.terms(words)))
    if full:
        for identifier, event in existing.items():
            if event.source == source and identifier not in seen and event.removed_at is None:
                event.removed_at, event.updated_at = now, now
                session.add(event)
                summary.removed += 1
    session.flush()  # ids for the new occasions
    _replace_index(session, changed)
    return summary


def _values(record: CourseRecord) -> dict:
    values = {name: getattr(record, name) for name in FIELDS if name != "county_code"}
    values["county_code"] = geo().county_of.get(record.municipality_code) if record.municipality_code else None
    return values


def _provider(session: Session, providers: dict[str, CourseProvider], record: ProviderRecord | None):
    if record is None:
        return None
    provider = providers.get(record.identifier)
    if provider is None:
        provider = CourseProvider(identifier=record.identifier, name=record.name, url=record.url, email=record.email)
        providers[record.identifier] = provider
    elif (provider.name, provider.url, provider.email) != (record.name, record.url, record.email):
        provider.name, provider.url, provider.email, provider.updated_at = record.name, record.url, record.email, utcnow()
    else:
        return provider
    session.add(provider)
    session.flush()
    return provider


def _topics(session: Session, event: CourseEvent) -> tuple[str, ...]:
    rows = session.exec(select(CourseTopic.topic).where(CourseTopic.event_id == event.id).order_by(CourseTopic.topic))
    return tuple(sorted(rows))


def _replace_index(session: Session, changed: list[tuple[CourseEvent, tuple[str, ...], set[str]]]) -> None:
    ids = [event.id for event, _, _ in changed]
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        session.execute(delete(CourseTopic).where(col(CourseTopic.event_id).in_(part)))
        session.execute(delete(CourseTerm).where(col(CourseTerm.event_id).in_(part)))
    topic_rows = [{"event_id": e.id, "topic": t} for e, topics, _ in changed for t in sorted(set(topics))]
    term_rows = [{"event_id": e.id, "term": t} for e, _, terms in changed for t in sorted(terms)]
    for rows, table in ((topic_rows, CourseTopic), (term_rows, CourseTerm)):
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(table), rows[chunk:chunk + 5000])


# Search

@dataclass(frozen=True)
class CourseFilter:
    """What a person is looking for; every part may be empty."""

    words: tuple[str, ...] = ()  # query terms (stems), see bot.courses.text.query_terms
    topics: tuple[str, ...] = ()
    municipality: str | None = None  # courses here first, then in its county, then at a distance
    counties: tuple[str, ...] = ()  # a county or region: courses there, then at a distance
    distance_only: bool = False
    part_time: bool = False  # pace of at most 50 %
    starting_within_days: int | None = None
    open_now: bool = False  # the application window is open today
    rank_topics: bool = False  # the topics are in order of need (the biggest gap's first): rank by them


COUNT_CAP = 100


@dataclass(frozen=True)
class Found:
    events: list[CourseEvent]
    total: int  # at most COUNT_CAP + 1, meaning "more than COUNT_CAP"

    @property
    def many(self) -> bool:
        return self.total > COUNT_CAP


def visible(today: date, now: datetime):
    """Occasions a person can still join: not removed, cancelled, expired or started."""
    return and_(col(CourseEvent.removed_at).is_(None), col(CourseEvent.cancelled).is_(False),
                or_(col(CourseEvent.expires_at).is_(None), CourseEvent.expires_at > now),
                or_(col(CourseEvent.starts_on).is_(None), CourseEvent.starts_on >= today))


def search(session: Session, wanted: CourseFilter, *, today: date, offset: int = 0, limit: int = 5) -> Found:
    now = utcnow()
    conditions = [visible(today, now)]
    if wanted.topics:
        conditions.append(col(CourseEvent.id).in_(
            select(CourseTopic.event_id).where(col(CourseTopic.topic).in_(wanted.topics))))
    place_rank = literal(0)
    if wanted.distance_only:
        conditions.append(CourseEvent.study_mode == "distance")
    elif wanted.municipality or wanted.counties:
        counties = wanted.counties or (geo().county_of.get(wanted.municipality),)
        here = CourseEvent.municipality_code == wanted.municipality if wanted.municipality else literal(False)
        in_county = col(CourseEvent.county_code).in_(counties)
        conditions.append(or_(here, in_county, CourseEvent.study_mode == "distance"))
        place_rank = case((here, 0), (in_county, 1), else_=2)
    if wanted.part_time:
        conditions.append(CourseEvent.pace <= 50)
    if wanted.starting_within_days is not None:
        conditions.append(CourseEvent.starts_on <= today + timedelta(days=wanted.starting_within_days))
    if wanted.open_now:
        conditions.append(and_(or_(col(CourseEvent.apply_from).is_(None), CourseEvent.apply_from <= today),
                               CourseEvent.apply_until >= today))
    word_rank, hits = literal(0), None
    if wanted.words:
        # One pass over the term index: the occasions with any word, and how many of their terms match (the rank).
        hits = (select(CourseTerm.event_id, func.count().label("hits"))
                .where(or_(*(and_(CourseTerm.term >= w, CourseTerm.term < text.prefix_end(w)) for w in wanted.words)))
                .group_by(CourseTerm.event_id).subquery())
        word_rank = hits.c.hits
    topic_rank = literal(0)
    if wanted.rank_topics and wanted.topics:
        topic_rank = case(*((col(CourseEvent.id).in_(select(CourseTopic.event_id).where(CourseTopic.topic == topic)), i)
                            for i, topic in enumerate(wanted.topics)), else_=len(wanted.topics))
    where = and_(*conditions)

    def matching(*columns):
        query = select(*columns)
        if hits is not None:
            query = query.select_from(CourseEvent).join(hits, hits.c.event_id == CourseEvent.id)
        return query.where(where)

    # Counting stops past COUNT_CAP ("more than 100"): an exact count of a broad search costs a full pass.
    total = session.exec(select(func.count()).select_from(matching(CourseEvent.id).limit(COUNT_CAP + 1).subquery())).one()
    ids = list(session.exec(
        matching(CourseEvent.id)
        .order_by(word_rank.desc(), topic_rank, place_rank, col(CourseEvent.starts_on).asc().nulls_last(),
                  CourseEvent.id)
        .offset(offset).limit(limit)
    ))
    rows = {e.id: e for e in session.exec(select(CourseEvent).where(col(CourseEvent.id).in_(ids)))} if ids else {}
    return Found([rows[i] for i in ids], total)


def event(session: Session, event_id: int) -> CourseEvent | None:
    return session.get(CourseEvent, event_id)


def provider_of(session: Session, event: CourseEvent) -> CourseProvider | None:
    return session.get(CourseProvider, event.provider_id) if event.provider_id else None


def topics_of_event(session: Session, event: CourseEvent) -> tuple[str, ...]:
    return _topics(session, event)
