"""The shared store's tables. Names say what a thing is in the domain; Alembic migrations follow these models."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from enum import Enum

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both engines: SQLite forgets the zone, so it is attached again on reading."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use an aware UTC datetime")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def _when(nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Role(str, Enum):
    employee = "employee"
    manager = "manager"
    coordinator = "coordinator"


GENDERS = ("woman", "man", "other", "unsaid")  # "unsaid": the person chose not to say


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    signup_approval: bool = False  # a manager approves course sign-ups before the person applies
    poster_languages: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class Team(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class Person(SQLModel, table=True):
    """Someone who consented. Before consent nothing about a user is kept but the dialogue in progress."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(max_length=16)
    consent_at: datetime = Field(sa_column=_when(nullable=False))
    unreachable_since: datetime | None = Field(default=None, sa_column=_when())
    reminders_stopped_at: datetime | None = Field(default=None, sa_column=_when())  # opted out of reminders
    job_role: str | None = Field(default=None, max_length=40)  # a role key of data/competence/goals.yml, or "other"
    municipality_code: str | None = Field(default=None, max_length=4)  # where the person wants courses "near me"
    quiet_start: time | None = None  # the person's own quiet hours for reminders (may wrap midnight)
    quiet_end: time | None = None
    shift: str | None = Field(default=None, max_length=10)  # None/"day", "nights", "shifts": the window follows
    last_seen_at: datetime | None = Field(default=None, sa_column=_when())  # the last time the person wrote or pressed
    gender: str | None = Field(default=None, max_length=12)  # optional, for the project's totals only: GENDERS
    retention_warned_at: datetime | None = Field(default=None, sa_column=_when())  # told: inactive, deleted soon
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class ErasedPerson(SQLModel, table=True):
    """What the project's figures counted of a person who was deleted, so that totals already reported stay the
    same: which organisations they joined and when they assessed and signed up, to the hour, and the gender if
    given. No identity and no link to one: nothing here leads back to anybody (docs/privacy.md)."""

    __tablename__ = "erased_person"

    id: int | None = Field(default=None, primary_key=True)
    gender: str | None = Field(default=None, max_length=12)
    facts: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: bot/stats.py erased_facts


class Membership(SQLModel, table=True):
    """A person's role in an organisation, optionally in one of its teams."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "team_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE", index=True)
    role: str = Field(max_length=20)  # a Role value
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class Invite(SQLModel, table=True):
    """A deep-link code (`t.me/<bot>?start=<code>`): unguessable, expiring, use-limited, revocable."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    role: str = Field(default=Role.employee.value, max_length=20)  # a Role value
    expires_at: datetime = Field(sa_column=_when(nullable=False))
    max_uses: int
    uses: int = 0
    revoked_at: datetime | None = Field(default=None, sa_column=_when())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class ChatState(SQLModel, table=True):
    """Where a chat stands in a dialogue. `version` makes concurrent writers from several processes safe."""

    __tablename__ = "chat_state"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    dialogue: str = Field(default="", max_length=40)
    step: str = Field(default="", max_length=40)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class ProcessedUpdate(SQLModel, table=True):
    """Each Telegram `update_id` is handled once, whichever process receives it."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False, index=True))


class AuditEvent(SQLModel, table=True):
    """Who did what, when. `detail` is JSON and never holds self-assessment answers."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_action_at", "action", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    actor_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    action: str = Field(max_length=60)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class CompanyProfile(SQLModel, table=True):
    """A completed company analysis ("Mind the Gap"): the goals picked, the roles present and the target level
    per role and area they give. Each new analysis of an organisation is a new version; none is overwritten."""

    __tablename__ = "company_profile"
    __table_args__ = (UniqueConstraint("organisation_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    version: int  # 1, 2, ... per organisation
    goals: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of goal keys
    roles: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of role keys
    targets: str = Field(sa_column=Column(Text, nullable=False))  # JSON {role: {area: level}}
    mapping_version: int  # the version of goals.yml that turned goals into targets
    framework_version: int
    completed_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False, index=True))
    completed_by_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Assessment(SQLModel, table=True):
    """One self-assessment run of a person, over all areas or some. Seen only by its owner."""

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_person_completed", "person_id", "completed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    framework_version: int
    areas: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of the chosen area keys
    position: int = 0  # index of the question to show next
    job_role: str | None = Field(default=None, max_length=40)  # the role the person had when assessing
    started_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=_when())


class AssessmentAnswer(SQLModel, table=True):
    """A person's level for one statement; None when they skipped it."""

    __tablename__ = "assessment_answer"

    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE", primary_key=True)
    statement: str = Field(max_length=60, primary_key=True)  # the statement's key in the framework version
    level: int | None = None
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class AreaResult(SQLModel, table=True):
    """An area's level in a completed assessment: the mean of its answered statements."""

    __tablename__ = "area_result"

    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE", primary_key=True)
    area: str = Field(max_length=20, primary_key=True)
    level: float | None = None  # None when every statement of the area was skipped
    answered: int = 0


class CourseProvider(SQLModel, table=True):
    """Who runs courses (an EMIL 3 education provider, or a coordinator's own list)."""

    __tablename__ = "course_provider"

    id: int | None = Field(default=None, primary_key=True)
    identifier: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=300)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=300)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class CourseEvent(SQLModel, table=True):
    """One occasion of a course: where, when, how, how to apply. Texts are kept in Swedish as published.
    The id is short on purpose: buttons carry it. Occasions are never deleted, only hidden (`removed_at`).
    No index on the columns nearly every occasion shares (removed_at, start, application end): SQLite would walk
    such an index row by row, slower than reading the table (measured in bench/course_search.py)."""

    __tablename__ = "course_event"

    id: int | None = Field(default=None, primary_key=True)
    identifier: str = Field(max_length=200, unique=True)
    source: str = Field(max_length=20)  # "susa-navet", "csv", "demo"
    course_identifier: str | None = Field(default=None, max_length=200)  # the EMIL 3 education info
    provider_id: int | None = Field(default=None, foreign_key="course_provider.id", ondelete="SET NULL")
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    municipality_code: str | None = Field(default=None, max_length=4, index=True)
    county_code: str | None = Field(default=None, max_length=2, index=True)
    town: str | None = Field(default=None, max_length=100)
    study_mode: str = Field(max_length=10)  # "distance", "on_site", "mixed"
    pace: int | None = None  # percent of full time
    starts_on: date | None = None
    ends_on: date | None = None
    apply_from: date | None = None
    apply_until: date | None = None
    application_url: str | None = Field(default=None, max_length=500)
    application_instruction: str = Field(default="", sa_column=Column(Text, nullable=False))
    credits: int | None = None  # YH points
    cancelled: bool = False
    expires_at: datetime | None = Field(default=None, sa_column=_when())
    removed_at: datetime | None = Field(default=None, sa_column=_when())
    last_edited: datetime | None = Field(default=None, sa_column=_when())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class CourseTopic(SQLModel, table=True):
    """The course topics (DESIGN.md) an occasion is tagged with."""

    __tablename__ = "course_topic"
    __table_args__ = (Index("ix_course_topic_topic", "topic", "event_id"),)

    event_id: int = Field(foreign_key="course_event.id", ondelete="CASCADE", primary_key=True)
    topic: str = Field(max_length=20, primary_key=True)


class CourseTerm(SQLModel, table=True):
    """Search terms of an occasion (light Swedish stems); a query word matches terms that start with its stem,
    an index range scan that works the same on SQLite and PostgreSQL."""

    __tablename__ = "course_term"
    __table_args__ = (Index("ix_course_term_term", "term", "event_id"),)

    event_id: int = Field(foreign_key="course_event.id", ondelete="CASCADE", primary_key=True)
    # Byte order on PostgreSQL too (SQLite compares bytes anyway), so that a prefix range holds in any locale.
    term: str = Field(sa_column=Column(String(40).with_variant(String(40, collation="C"), "postgresql"),
                                       primary_key=True))


class CatalogSync(SQLModel, table=True):
    """One import: where from, since when, and what it did. The live API's next `updatedSince` comes from here."""

    __tablename__ = "catalog_sync"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20)
    origin: str = Field(max_length=500)  # a file path or the API's URL
    started_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=_when())
    updated_since: str | None = Field(default=None, max_length=40)
    added: int = 0
    updated: int = 0
    removed: int = 0
    rejected: int = 0


class SignUp(SQLModel, table=True):
    """A person's way from "interested" to "completed" for one course occasion; one per person and occasion."""

    __tablename__ = "sign_up"
    __table_args__ = (UniqueConstraint("person_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    event_id: int = Field(foreign_key="course_event.id", ondelete="CASCADE", index=True)
    state: str = Field(max_length=20)  # interested, applied, admitted, started, completed, cancelled
    approval: str | None = Field(default=None, max_length=20)  # pending, approved, declined (when required)
    shared_gap: str | None = Field(default=None, max_length=20)  # the gap area the person chose to tell the manager
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))


class SignUpStep(SQLModel, table=True):
    """Each change of a sign-up, with its time: the history the person and the project's figures read."""

    __tablename__ = "sign_up_step"

    id: int | None = Field(default=None, primary_key=True)
    sign_up_id: int = Field(foreign_key="sign_up.id", ondelete="CASCADE", index=True)
    state: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    by_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Nudge(SQLModel, table=True):
    """One reminder in the outbox: planned by a rule, sent by a worker, answered by the person.

    `key` (rule, subject, step) is unique, so planning twice plans once. A worker claims due rows under a lease;
    a row is marked `sending` in its own commit before the Bot API call, so a worker killed mid-send leaves that
    one row `sending` (never sent again: at most once) and its other claimed rows to be taken over after the lease.
    """

    __tablename__ = "nudge"
    __table_args__ = (Index("ix_nudge_state_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    rule: str = Field(max_length=30)  # the rule that planned it (config.yml reminders.rules.<rule>)
    subject: str = Field(max_length=60)  # what it is about: "assessment:12", "signup:5"
    step: int = 1  # the n-th reminder of this rule about this subject
    variant: str = Field(default="a", max_length=20)  # the wording variant, or "control" (planned, never sent)
    key: str = Field(max_length=140, unique=True)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    due_at: datetime = Field(sa_column=_when(nullable=False))
    state: str = Field(default="planned", max_length=12)  # planned claimed sending sent skipped failed cancelled
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=60)
    lease_until: datetime | None = Field(default=None, sa_column=_when())
    sent_at: datetime | None = Field(default=None, sa_column=_when())
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    answer: str | None = Field(default=None, max_length=20)  # now, later, not_interested, stop
    answered_at: datetime | None = Field(default=None, sa_column=_when())
    reason: str | None = Field(default=None, max_length=200)  # why skipped or failed
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))

    @property
    def payload_dict(self) -> dict:
        return json.loads(self.payload or "{}")


class FollowUp(SQLModel, table=True):
    """A person a coordinator should contact: not reached by reminders, or asked to talk to a human.
    Coordinators see what is pending for them, never their assessment answers."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    reason: str = Field(max_length=20)  # "not_reached", "asked_for_person"
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=_when())
    resolved_by_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Broadcast(SQLModel, table=True):
    """A course offer a coordinator sends to an audience: one outbox row per recipient, so that it survives a
    restart, keeps every person's weekly cap and opt-out, and reaches nobody twice."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    coordinator_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))  # where the coordinator sees the progress
    progress_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    event_id: int | None = Field(default=None, foreign_key="course_event.id", ondelete="SET NULL")
    own_text: str | None = Field(default=None, sa_column=Column(Text))  # the coordinator's words, sent as written
    audience: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: the filters chosen
    state: str = Field(default="sending", max_length=12)  # sending, paused, cancelled, done
    total: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=_when())
    reported_at: datetime | None = Field(default=None, sa_column=_when())  # when progress was last shown
