"""A local stand-in for Skolverket's Susa-navet API (EMIL 3), for tests and `kompis` development without network.

``with SusaNavet() as api: api.load_file("data/courses/demo-emil3.json"); ... api.url ...`` serves
``GET {url}/educationEvents|educationInfos|educationProviders`` (``schoolType``, ``providerId``,
``updatedSince``, ``page`` from 0, ``size`` 1–2000, default 100), ``GET {url}/{kind}/{id}`` and
``GET {url}/api-info`` on 127.0.0.1 from an aiohttp server on its own loop in a daemon thread
(the pattern of ``bot.localapi.threaded``), shaped as in shared/reference/susa-navet-emil3.md.

Choices where the reference is silent:
- list items are ``{"id", "status": "ACTIVE", "content"}``, sorted by id; ``GET /{kind}/{id}`` answers the same
  item (404 once removed);
- ``updatedSince`` (``2025-04-24`` or ``2025-04-24T11:39:21``) returns everything with ``lastEdited >=`` it,
  removed resources included as tombstones ``{"id", "status": "REMOVED"}`` without content; without it removed
  ones are left out. Kompis' importer treats status "REMOVED" *or* a missing content as a removal;
- ``links`` is always present and holds ``{"rel": "next", "href": <absolute URL>}`` only when a next page exists;
- ``schoolType`` filters infos by ``content.type.code`` and events through their info, when it is known;
  providers and tombstones are never filtered out;
- errors are ``{timestamp, status, type (HTTP reason), message}``.

Faults: ``fail_next(503, count, kind, page)``, ``set_updating(True)`` (every request answers 503),
``slow(seconds)``; ``requests`` logs every ``(path, query)`` received.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Self

from aiohttp import web

KINDS = ("educationEvents", "educationInfos", "educationProviders")
PREFIX = "/susa-navet/emil3"
MAX_SIZE = 2000
UPDATING = "Skolverket is updating its data (uppdatering pågår), please try again later"


def _now() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed


def _error(status: int, message: str) -> web.Response:
    body = {"timestamp": _now(), "status": status, "type": HTTPStatus(status).phrase, "message": message}
    return web.json_response(body, status=status)


class SusaNavet:
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.updating = False
        self.delay = 0.0
        self._faults: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="susanavet", daemon=True)

    # ------------------------------------------------------------------ data and faults

    def put(self, kind: str, content: dict[str, Any]) -> str:
        """Add or replace a resource; ``lastEdited`` comes from the content, else now (and is written into it)."""
        content = dict(content)
        content.setdefault("lastEdited", _now())
        with self._lock:
            self.resources[kind][content["identifier"]] = {
                "content": content, "lastEdited": content["lastEdited"], "removed": False}
        return content["identifier"]

    def remove(self, kind: str, id: str, at: str | None = None) -> None:
        """Remove a resource, keeping a tombstone edited ``at`` (default now) for ``updatedSince``."""
        with self._lock:
            self.resources[kind][id].update(removed=True, lastEdited=at or _now())

    def load_file(self, path: str | Path) -> int:
        """Load a JSON file of ``{kind: [{"id", "content"}]}`` lists; returns how many resources."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        count = 0
        for kind in KINDS:
            for item in data.get(kind, []):
                self.put(kind, {"identifier": item["id"], **item["content"]})
                count += 1
        return count

    def fail_next(self, status: int = 503, count: int = 1, kind: str | None = None, page: int | None = None) -> None:
        """Answer the next ``count`` matching requests with ``status`` (``page`` only matches list requests)."""
        with self._lock:
            self._faults.append({"status": status, "count": count, "kind": kind, "page": page})

    def set_updating(self, updating: bool = True) -> None:  # every request answers 503 while True
        self.updating = updating

    def slow(self, seconds: float) -> None:  # delay every answer
        self.delay = seconds

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SusaNavet:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    async def _start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(PREFIX + "/api-info", self._api_info)
        app.router.add_get(PREFIX + "/{kind}", self._list)
        app.router.add_get(PREFIX + "/{kind}/{id}", self._one)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            if self._runner is not None:
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():
                self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}{PREFIX}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        query = {key: (values[0] if len(values) == 1 else values)
                 for key in request.query for values in [request.query.getall(key)]}
        self.requests.append((request.path, query))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.updating:
            return _error(503, UPDATING)
        kind, item_id = request.match_info.get("kind"), request.match_info.get("id")
        with self._lock:
            for fault in self._faults:
                if fault["kind"] not in (None, kind) or (fault["page"] is not None and (
                        item_id is not None or request.query.get("page", "0") != str(fault["page"]))):
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self._faults.remove(fault)
                return _error(fault["status"], UPDATING if fault["status"] == 503 else "Injected failure")
        if request.match_info.route.resource is None or (kind is not None and kind not in KINDS):
            return _error(404, f"No such resource: {request.path}")
        return await handler(request)

    async def _api_info(self, request: web.Request) -> web.Response:
        return web.json_response({"apiName": "Susa-navet EMIL 3 (local stand-in)", "apiVersion": "3.0.2",
                                  "apiStatus": "beta", "publisher": "Skolverket", "released": "2025-04-24"})

    async def _one(self, request: web.Request) -> web.Response:
        kind, item_id = request.match_info["kind"], request.match_info["id"]
        with self._lock:
            entry = self.resources[kind].get(item_id)
            if entry is None or entry["removed"]:
                return _error(404, f"{kind} {item_id} not found")
            return web.json_response(self._item(item_id, entry))

    async def _list(self, request: web.Request) -> web.Response:
        kind, query = request.match_info["kind"], request.query
        try:
            page, size = int(query.get("page", "0")), int(query.get("size", "100"))
            since = _parse_time(query["updatedSince"]) if "updatedSince" in query else None
        except ValueError as exc:
            return _error(400, f"Bad query parameter: {exc}")
        if not 1 <= size <= MAX_SIZE or page < 0:
            return _error(400, f"size must be 1–{MAX_SIZE} and page at least 0 (got size={size}, page={page})")
        school_types, provider = set(query.getall("schoolType", [])), query.get("providerId")
        with self._lock:
            items = [self._item(item_id, entry) for item_id, entry in sorted(self.resources[kind].items())
                     if (not entry["removed"] if since is None else _parse_time(entry["lastEdited"]) >= since)
                     and (entry["removed"] or self._matches(kind, entry["content"], school_types, provider))]
        body: dict[str, Any] = {"links": [], kind: items[page * size:(page + 1) * size], "page": {
            "size": size, "totalElements": len(items), "totalPages": math.ceil(len(items) / size),
            "pageNumber": page}}
        if (page + 1) * size < len(items):
            body["links"].append({"rel": "next", "href": str(request.url.update_query(page=page + 1))})
        return web.json_response(body)

    @staticmethod
    def _item(item_id: str, entry: dict[str, Any]) -> dict[str, Any]:
        if entry["removed"]:
            return {"id": item_id, "status": "REMOVED"}
        return {"id": item_id, "status": "ACTIVE", "content": entry["content"]}

    def _matches(self, kind: str, content: dict[str, Any], school_types: set[str], provider: str | None) -> bool:
        if provider is not None and kind == "educationEvents" and provider not in content.get("providers", []):
            return False
        if not school_types or kind == "educationProviders":
            return True
        if kind == "educationEvents":
            info = self.resources["educationInfos"].get(content.get("education", ""))
            content = info["content"] if info else {}
        code = (content.get("type") or {}).get("code")
        return code is None or code in school_types
