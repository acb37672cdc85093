"""Small EMIL 3 catalogs for tests, in the format Susa-navet publishes (see ../shared/reference/)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path


def lang(text: str) -> dict:
    return {"strings": [{"lang": "swe", "content": text}]}


def event(identifier: str, title: str, *, course: str = "i.test.1", provider: str = "p.test.1",
          area_code: str | None = "2580", town: str | None = "Luleå", distance: bool = False, start_in_days: int = 60,
          weeks: int = 10, apply_days_left: int = 20, pace: int = 50, cancelled: bool = False,
          keywords: tuple[str, ...] = (), description: str = "", today: date | None = None) -> dict:
    today = today or date.today()
    start = today + timedelta(days=start_in_days)
    content = {
        "identifier": identifier, "education": course, "providers": [provider],
        "lastEdited": "2026-11-01T08:00:00", "expires": (start + timedelta(weeks=weeks + 4)).isoformat() + "T00:00:00",
        "title": lang(title), "description": lang(description or f"{title}. En kort YH-kurs för industrin."),
        "locations": [{"areaCode": area_code, "town": town, "country": "Sverige"}] if area_code else [],
        "execution": {"condition": {"type": "C_ExecutionCondition", "code": "1"}, "start": start.isoformat(),
                      "end": (start + timedelta(weeks=weeks)).isoformat()},
        "paceOfStudy": {"percentage": pace},
        "application": {"first": (today - timedelta(days=30)).isoformat(),
                        "last": (today + timedelta(days=apply_days_left)).isoformat(),
                        "url": {"urls": [{"lang": "swe", "value": f"https://example.se/ansok/{identifier}"}]},
                        "instruction": lang("Ansök på webbplatsen.")},
        "keywords": [lang(k) for k in keywords], "isCancelled": cancelled, "places": 20,
    }
    if distance:
        content["distance"] = {"noOfMandatorySessions": 0 if not area_code else 3}
    return {"id": identifier, "content": content}


def document(events: list[dict], *, courses: dict[str, str] | None = None) -> dict:
    courses = courses or {"i.test.1": "Testkurs"}
    return {
        "educationProviders": [{"id": "p.test.1", "content": {
            "identifier": "p.test.1", "lastEdited": "2026-11-01T08:00:00", "name": lang("Yrkeshögskolan Norr"),
            "url": {"urls": [{"lang": "swe", "value": "https://example.se/norr"}]}, "emailAddress": "info@example.se",
            "contactAddress": {"town": "Luleå"}, "responsibleBody": {"type": {"code": "enskild"}}}}],
        "educationInfos": [{"id": key, "content": {
            "identifier": key, "code": key, "lastEdited": "2026-11-01T08:00:00", "title": lang(title),
            "type": {"type": "C_SchoolType", "code": "YH"}, "configuration": {"code": "kurs"},
            "credits": {"system": {"code": "yh"}, "credits": 25}, "subjects": [], "resultIsDegree": False}}
            for key, title in courses.items()],
        "educationEvents": events,
    }


def write(path: Path, events: list[dict], **kwargs) -> Path:
    path.write_text(json.dumps(document(events, **kwargs), ensure_ascii=False), encoding="utf-8")
    return path
