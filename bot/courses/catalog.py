"""Importing course occasions: an EMIL 3 file, the live Susa-navet API, or a coordinator's CSV file.

Every import reads all its records first and then applies them in one store transaction, so a sync that
fails half-way (the API answering 503 for too long, say) changes nothing. Re-importing is idempotent: occasions
are matched by identifier. A record that cannot be read is rejected on its own, with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import httpx
from sqlmodel import col, select

from bot.courses import emil3
from bot.courses.records import CourseRecord, ProviderRecord, Rejected
from bot.courses.tagging import tagger
from bot.config import PROJECT_ROOT
from bot.geo import geo
from bot.store import courses
from bot.store.courses import ImportSummary
from bot.store.db import Store
from bot.store.models import CatalogSync, utcnow
from dialogues.topics import topics as course_topics

KINDS = ("educationProviders", "educationInfos", "educationEvents")
DEMO_FILE = PROJECT_ROOT / "data" / "courses" / "demo-emil3.json"
DEMO_LEAD_DAYS = 42  # the demo's first course starts at least six weeks after the day it is loaded
PAGE_SIZE = 500
RETRIES = 5  # on 503 ("Skolverket is updating its data") and network errors, with doubling waits


class CatalogError(RuntimeError):
    """An import that could not be done at all (nothing was changed), in one sentence."""


Progress = Callable[[int], None]


def tag(record: CourseRecord) -> tuple[str, ...]:
    return tagger().topics_of(title=record.title, keywords=record.keywords, subjects=record.subjects,
                              description=record.description)


def _apply(store: Store, records, *, source: str, origin: str, full: bool, updated_since: str | None = None,
           progress: Progress | None = None, started: datetime | None = None) -> ImportSummary:
    with store.session() as session:
        summary = courses.apply(session, records, source=source, full=full, topics_of=tag, progress=progress)
        session.add(CatalogSync(source=source, origin=origin[:500], updated_since=updated_since,
                                started_at=started or utcnow(), finished_at=utcnow(), added=summary.added,
                                updated=summary.updated, removed=summary.removed, rejected=len(summary.rejected)))
    return summary


# EMIL 3 file

def read_emil3_file(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path.name} cannot be read as EMIL 3 JSON ({exc.__class__.__name__})") from None
    if not isinstance(document, dict) or not isinstance(document.get("educationEvents"), list):
        raise CatalogError(f"{path.name} has no list 'educationEvents'")
    return document


def import_emil3_file(store: Store, path: Path, *, source: str = "susa-navet",
                      progress: Progress | None = None) -> ImportSummary:
    """A file is the whole catalog of its source: occasions of that source it does not list are removed."""
    document = read_emil3_file(path)
    return _apply(store, emil3.read_document(document, source=source), source=source, origin=str(path), full=True,
                  progress=progress)


def import_demo(store: Store, *, today: date | None = None, progress: Progress | None = None) -> ImportSummary:
    """The bundled example catalog (fictional courses, source "demo"), moved by whole weeks so that its dates
    lie ahead of `today`: the demo stays usable whenever it is loaded, and weekdays stay weekdays."""
    document = read_emil3_file(DEMO_FILE)
    records = list(emil3.read_document(document, source="demo"))
    starts = [r.starts_on for r in records if isinstance(r, CourseRecord) and r.starts_on]
    today = today or date.today()
    shift = timedelta(weeks=max(0, -(-((today - min(starts)).days + DEMO_LEAD_DAYS) // 7))) if starts else timedelta()
    moved = [_moved(r, shift) if isinstance(r, CourseRecord) else r for r in records]
    return _apply(store, moved, source="demo", origin=str(DEMO_FILE), full=True, progress=progress)


def _moved(record: CourseRecord, shift: timedelta) -> CourseRecord:
    def move(value):
        return value + shift if value is not None else None

    return replace(record, starts_on=move(record.starts_on), ends_on=move(record.ends_on),
                   apply_from=move(record.apply_from), apply_until=move(record.apply_until),
                   expires_at=move(record.expires_at))


def count_emil3_file(path: Path) -> int:
    return len(read_emil3_file(path)["educationEvents"])


# The live API

@dataclass(frozen=True)
class SusaNavetClient:
    base_url: str  # e.g. https://api.skolverket.se/susa-navet/emil3
    timeout: float = 30.0
    wait: float = 2.0  # the first wait after a 503; doubles each time

    def pages(self, kind: str, *, updated_since: str | None, progress: Progress | None = None) -> Iterator[dict]:
        params = {"schoolType": "YH", "size": PAGE_SIZE, "page": 0}
        if updated_since:
            params["updatedSince"] = updated_since
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                body = self._get(client, f"{self.base_url.rstrip('/')}/{kind}", params)
                items = body.get(kind) or []
                if progress:
                    progress(len(items))
                yield from items
                page = body.get("page") or {}
                if page.get("pageNumber", params["page"]) + 1 >= page.get("totalPages", 0) or not items:
                    return
                params["page"] += 1

    def _get(self, client: httpx.Client, url: str, params: dict) -> dict:
        wait = self.wait
        for attempt in range(RETRIES + 1):
            try:
                response = client.get(url, params=params)
            except httpx.TransportError as exc:
                problem = f"cannot reach {url} ({exc.__class__.__name__})"
            else:
                if response.status_code == 200:
                    return response.json()
                problem = f"{url} answered {response.status_code}"
                if response.status_code not in (429, 502, 503, 504):
                    raise CatalogError(f"{problem}; nothing was changed")
            if attempt < RETRIES:
                time.sleep(wait)
                wait *= 2
        raise CatalogError(f"{problem}, also after {RETRIES} retries; nothing was changed")


def last_sync(store: Store, origin: str) -> datetime | None:
    with store.session() as session:
        return session.exec(select(CatalogSync.started_at).where(CatalogSync.origin == origin[:500])
                            .order_by(col(CatalogSync.id).desc())).first()


def sync_api(store: Store, client: SusaNavetClient, *, full: bool = False,
             progress: Progress | None = None) -> ImportSummary:
    """Fetch every page (providers, infos, events) first, then apply in one transaction. Incremental by default:
    `updatedSince` = the start of the last sync from this URL, which reports new, changed and removed items."""
    started = utcnow()
    since = None if full else last_sync(store, client.base_url)
    updated_since = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") if since else None
    fetched = {kind: list(client.pages(kind, updated_since=updated_since, progress=progress)) for kind in KINDS}
    providers = emil3.providers_by_id(fetched["educationProviders"])
    infos = emil3.infos_by_id(fetched["educationInfos"])
    if updated_since:  # an event changed without its course or provider: read those from the store's side too
        missing = {str((i.get("content") or {}).get("education")) for i in fetched["educationEvents"]} - set(infos)
        infos.update(_fetch_each(client, "educationInfos", missing))
    records = emil3.read_events(fetched["educationEvents"], infos, providers)
    # The next sync asks for what changed since this one began.
    return _apply(store, records, source="susa-navet", origin=client.base_url, full=updated_since is None,
                  updated_since=updated_since, started=started)


def _fetch_each(client: SusaNavetClient, kind: str, identifiers: set[str]) -> dict[str, dict]:
    found = {}
    with httpx.Client(timeout=client.timeout) as http:
        for identifier in sorted(i for i in identifiers if i and i != "None"):
            try:
                body = client._get(http, f"{client.base_url.rstrip('/')}/{kind}/{identifier}", {})
            except CatalogError:
                continue  # the event is then read with its own texts, or rejected without a title
            content = body.get("content") if isinstance(body, dict) else None
            if isinstance(content, dict):
                found[identifier] = content
    return found


# CSV: a coordinator's own list

CSV_COLUMNS = ("id", "title", "provider", "municipality", "study_mode", "start", "end", "apply_until",
               "application_url", "description", "topics", "pace", "credits", "apply_from")
REQUIRED = ("id", "title", "provider", "study_mode", "start")


def read_csv(content: str, *, source: str = "csv") -> Iterator[CourseRecord | Rejected]:
    """Columns (header row, UTF-8, comma or semicolon): id, title, provider, municipality (name or 4-digit
    code; empty for distance), study_mode (distance, on_site, mixed), start, end, apply_until, application_url,
    description, topics (course topic keys separated by spaces; empty: tagged from the texts), pace, credits,
    apply_from. Dates as YYYY-MM-DD."""
    dialect = csv.Sniffer().sniff(content.splitlines()[0] if content else ",", delimiters=",;")
    rows = csv.DictReader(io.StringIO(content), dialect=dialect)
    missing = [c for c in REQUIRED if c not in (rows.fieldnames or [])]
    if missing:
        raise CatalogError(f"the CSV file lacks the column(s) {', '.join(missing)}")
    for number, row in enumerate(rows, start=2):
        ident = (row.get("id") or "").strip()
        try:
            yield _csv_record(row, ident, source)
        except (ValueError, KeyError) as exc:
            yield Rejected(ident or f"line {number}", f"line {number}: {exc}")


def _csv_record(row: dict, ident: str, source: str) -> CourseRecord:
    def day(column: str, required: bool = False) -> date | None:
        value = (row.get(column) or "").strip()
        if not value:
            if required:
                raise ValueError(f"'{column}' is empty")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{column}' is not a date (YYYY-MM-DD): {value[:20]!r}") from None

    def number(column: str) -> int | None:
        value = (row.get(column) or "").strip()
        if not value:
            return None
        if not value.isdigit():
            raise ValueError(f"'{column}' is not a whole number: {value[:20]!r}")
        return int(value)

    if not ident or not (row.get("title") or "").strip():
        raise ValueError("'id' and 'title' must not be empty")
    mode = (row.get("study_mode") or "").strip()
    if mode not in ("distance", "on_site", "mixed"):
        raise ValueError(f"'study_mode' must be distance, on_site or mixed, not {mode[:20]!r}")
    place_text = (row.get("municipality") or "").strip()
    code = None
    if place_text:
        place = geo().municipality(place_text) if place_text in geo().municipality_names else geo().find(place_text)
        if place is None or not place.is_municipality:
            raise ValueError(f"'municipality' is not a Swedish municipality: {place_text[:40]!r}")
        code = place.municipalities[0]
    elif mode != "distance":
        raise ValueError("'municipality' is needed for a course on site")
    topics = tuple((row.get("topics") or "").split())
    unknown = [t for t in topics if t not in course_topics().canonical]
    if unknown:
        raise ValueError(f"unknown course topic(s) {', '.join(unknown)}")
    starts_on, ends_on = day("start", required=True), day("end")
    if ends_on and ends_on < starts_on:
        raise ValueError("'end' is before 'start'")
    provider = (row.get("provider") or "").strip()
    url = (row.get("application_url") or "").strip() or None
    if url and not url.startswith(("https://", "http://")):
        raise ValueError("'application_url' must start with https://")
    return CourseRecord(
        identifier=f"{source}:{ident}"[:200], source=source, title=row["title"].strip()[:300],
        description=(row.get("description") or "").strip(),
        provider=ProviderRecord(f"{source}:{provider}"[:200], provider[:300]) if provider else None,
        municipality_code=code, town=geo().municipality_names.get(code) if code else None, study_mode=mode,
        pace=number("pace"), starts_on=starts_on, ends_on=ends_on, apply_from=day("apply_from"),
        apply_until=day("apply_until"), application_url=url, credits=number("credits"), topics=topics,
    )


def csv_source(path: Path) -> str:
    """Each CSV list is its own source, so re-importing one list removes only its own dropped offers."""
    return f"csv:{path.stem}"[:20]


def import_csv_file(store: Store, path: Path, *, source: str | None = None,
                    progress: Progress | None = None) -> ImportSummary:
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path.name} cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
    source = source or csv_source(path)
    records = list(read_csv(content, source=source))
    return _apply(store, records, source=source, origin=str(path), full=True, progress=progress)
