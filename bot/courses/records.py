"""A course occasion as Kompis keeps it, whichever source it came from (EMIL 3, CSV, the demo catalog).

Parsers turn their input into `CourseRecord`s or `Rejected`s (one bad record never stops an import); the
catalog (`bot/courses/catalog.py`) tags and stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ProviderRecord:
    identifier: str
    name: str
    url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class CourseRecord:
    identifier: str
    source: str
    title: str  # Swedish, as published
    description: str = ""
    course_identifier: str | None = None
    provider: ProviderRecord | None = None
    municipality_code: str | None = None  # 4-digit SCB code
    town: str | None = None
    study_mode: str = "on_site"  # "distance", "on_site", "mixed"
    pace: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    apply_from: date | None = None
    apply_until: date | None = None
    application_url: str | None = None
    application_instruction: str = ""
    credits: int | None = None
    cancelled: bool = False
    expires_at: datetime | None = None
    last_edited: datetime | None = None
    keywords: tuple[str, ...] = ()  # words for tagging and search, not shown
    subjects: tuple[str, ...] = ()  # subject codes (SUN, ISCED …) for tagging
    topics: tuple[str, ...] = field(default=())  # given by the source (CSV); else tagged from the texts


@dataclass(frozen=True)
class Rejected:
    identifier: str  # what the record calls itself, or "record 12" when it does not say
    reason: str  # one sentence, for the import summary


@dataclass(frozen=True)
class Removed:
    """The source says this occasion is gone (an EMIL 3 removal, a sync that no longer lists it)."""

    identifier: str
