"""Reading Skolverket's Susa-navet EMIL 3 JSON (`../shared/reference/susa-navet-emil3.md`) into course records.

Education events (occasions) are joined with their education info (the course) and provider. A record that
cannot be read is rejected on its own, with the reason; the rest go on. A removal (an item without content,
or with status REMOVED, as `updatedSince` reports them) becomes `Removed`.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator

from bot.courses.records import CourseRecord, ProviderRecord, Rejected, Removed
from bot.geo import geo

SWEDISH = ("swe", "sv")
_FORMAT_MARKER = re.compile(r"^[A-Z_/]{2,12}$")
_TAG = re.compile(r"<[^>]{0,200}>")
ENGLISH = ("eng", "en")


class BadRecord(ValueError):
    pass


def lang_string(node: Any) -> str:
    """The Swedish text of a LangString (else English, else the first); "" when there is none."""
    strings = node.get("strings") if isinstance(node, dict) else None
    if not isinstance(strings, list):
        return ""
    found = {}
    for entry in strings:
        if isinstance(entry, dict):
            # The text is in `content`, or in `value` where `content` only names a format ("HTML").
            texts = [entry.get(key) for key in ("content", "value") if isinstance(entry.get(key), str)]
            text = next((t for t in texts if t.strip() and not _FORMAT_MARKER.match(t)), "")
            text = _plain(text)
            if text:
                found.setdefault(str(entry.get("lang") or "").lower(), text)
    for lang in (*SWEDISH, *ENGLISH):
        if lang in found:
            return found[lang]
    return next(iter(found.values()), "")


def _plain(text: str) -> str:
    """Texts may come as HTML: shown as plain text in a chat, tags removed and entities read."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def lang_url(node: Any) -> str | None:
    urls = node.get("urls") if isinstance(node, dict) else None
    if not isinstance(urls, list):
        return None
    values = [u.get("value") for u in urls if isinstance(u, dict) and isinstance(u.get("value"), str)]
    preferred = [u.get("value") for u in urls if isinstance(u, dict) and str(u.get("lang", "")).lower() in SWEDISH]
    chosen = (preferred or values or [None])[0]
    return chosen if chosen and chosen.startswith(("https://", "http://")) and len(chosen) <= 500 else None


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadRecord(f"{where} is not a date ({str(value)[:30]!r})") from None


def _moment(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(f"{where} is not a date and time ({str(value)[:30]!r})") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _content(item: Any) -> tuple[str | None, dict | None]:
    """(id, content) of a list item; content None for a removal."""
    if not isinstance(item, dict):
        return None, None
    content = item.get("content")
    ident = item.get("id") or (content.get("identifier") if isinstance(content, dict) else None)
    if str(item.get("status", "")).upper() == "REMOVED" or not isinstance(content, dict):
        return (str(ident) if ident else None), None
    return str(content.get("identifier") or ident), content


def providers_by_id(items: Iterable[Any]) -> dict[str, ProviderRecord]:
    found = {}
    for item in items:
        ident, content = _content(item)
        if ident and content:
            name = lang_string(content.get("name")) or ident
            emails = content.get("emailAddresses") or [content.get("emailAddress")]
            email = next((e for e in emails if isinstance(e, str)), None)
            found[ident] = ProviderRecord(ident, name[:300], lang_url(content.get("url")), email)
    return found


def infos_by_id(items: Iterable[Any]) -> dict[str, dict]:
    return {ident: content for ident, content in map(_content, items) if ident and content}


def read_events(events: Iterable[Any], infos: dict[str, dict], providers: dict[str, ProviderRecord],
                *, source: str = "susa-navet") -> Iterator[CourseRecord | Rejected | Removed]:
    for number, item in enumerate(events, start=1):
        ident, content = _content(item)
        if ident is None:
            yield Rejected(f"record {number}", "has no identifier")
        elif content is None:
            yield Removed(ident)
        else:
            try:
                yield _event(ident, content, infos, providers, source)
            except BadRecord as exc:
                yield Rejected(ident, str(exc))


def _event(ident: str, event: dict, infos: dict[str, dict], providers: dict[str, ProviderRecord],
           source: str) -> CourseRecord:
    info = infos.get(str(event.get("education") or ""), {})
    title = lang_string(event.get("title")) or lang_string(info.get("title"))
    if not title:
        raise BadRecord("has no title, and its education info has none either")
    execution = event.get("execution")
    if not isinstance(execution, dict):
        raise BadRecord("has no execution (start and end)")
    starts_on, ends_on = _date(execution.get("start"), "execution.start"), _date(execution.get("end"), "execution.end")
    if starts_on and ends_on and ends_on < starts_on:
        raise BadRecord("ends before it starts")
    locations = [loc for loc in event.get("locations") or [] if isinstance(loc, dict)]
    code = next((str(loc.get("areaCode")) for loc in locations if loc.get("areaCode")), None)
    code = code.zfill(4) if code and code.isdigit() else None
    if code and code not in geo().municipality_names:
        raise BadRecord(f"has an unknown municipality code {code!r}")
    town = next((loc.get("town") for loc in locations if isinstance(loc.get("town"), str)), None)
    distance = isinstance(event.get("distance"), dict)
    study_mode = "mixed" if (distance and locations) else ("on_site" if locations else "distance")
    application = event.get("application") if isinstance(event.get("application"), dict) else {}
    apply_from, apply_until = _date(application.get("first"), "application.first"), _date(application.get("last"),
                                                                                            "application.last")
    pace = (event.get("paceOfStudy") or {}).get("percentage") if isinstance(event.get("paceOfStudy"), dict) else None
    credits = (info.get("credits") or {}).get("credits") if isinstance(info.get("credits"), dict) else None
    provider_ids = event.get("providers") or []
    return CourseRecord(
        identifier=ident[:200], source=source, title=title[:300],
        description=lang_string(event.get("description")) or lang_string(info.get("description")),
        course_identifier=str(event.get("education"))[:200] if event.get("education") else None,
        provider=providers.get(str(provider_ids[0])) if provider_ids else None,
        municipality_code=code, town=(town or (geo().municipality_names.get(code) if code else None)),
        study_mode=study_mode, pace=int(pace) if isinstance(pace, (int, float)) and 0 < pace <= 100 else None,
        starts_on=starts_on, ends_on=ends_on, apply_from=apply_from, apply_until=apply_until,
        application_url=lang_url(application.get("url")) or lang_url(event.get("url")) or lang_url(info.get("url")),
        application_instruction=lang_string(application.get("instruction")),
        credits=int(credits) if isinstance(credits, (int, float)) else None,
        cancelled=bool(event.get("isCancelled")),
        expires_at=_moment(event.get("expires"), "expires"), last_edited=_moment(event.get("lastEdited"), "lastEdited"),
        keywords=tuple(filter(None, (lang_string(k) for k in event.get("keywords") or []))),
        subjects=tuple(str(s.get("code")) for s in info.get("subjects") or [] if isinstance(s, dict) and s.get("code")),
    )


def read_document(document: dict, *, source: str = "susa-navet") -> Iterator[CourseRecord | Rejected | Removed]:
    """A file with the three lists (`educationProviders`, `educationInfos`, `educationEvents`), as the demo
    catalog and an export of the API's pages are."""
    providers = providers_by_id(document.get("educationProviders") or [])
    infos = infos_by_id(document.get("educationInfos") or [])
    yield from read_events(document.get("educationEvents") or [], infos, providers, source=source)
