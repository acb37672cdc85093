"""Reading Bot API call parameters the way Telegram does.

Telegram accepts the same parameters as a query string, an urlencoded form, a
multipart form (where files are parts) or a JSON body.  python-telegram-bot
sends forms in which every non-string value (numbers, booleans, lists,
objects) is a JSON-encoded string, so the typed getters below accept both the
JSON value and its string form.  String parameters (text, caption, ...) are
never JSON-decoded: the text "123" must stay the text "123".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request

# Uploads up to Telegram's 50 MB document limit (plus form overhead) must fit.
MAX_REQUEST_BYTES = 60 * 1024 * 1024

_MISSING = object()


@dataclass(slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to the merged parameters of one Bot API call."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def raw(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, UploadedFile):
            return default
        return json.dumps(value) if isinstance(value, (dict, list)) else str(value)

    def int(self, name: str, default: int | None = None, *, error: str | None = None) -> int | None:
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(error or f"invalid {name} specified") from None

    def float(self, name: str, default: float | None = None) -> float | None:
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return value != 0
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, default: Any = None) -> Any:
        """An object/array parameter, given as JSON value or JSON-encoded string."""
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def file(self, name: str) -> UploadedFile | str | None:
        """A file parameter: an uploaded part, ``attach://<part>``, or a file_id/URL string."""
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self._values.get(value[len("attach://") :])
            if value is None:
                raise bad_request(f"{name} attachment not found")
        if isinstance(value, UploadedFile) or value is None:
            return value
        return str(value)


async def read_params(request: web.Request) -> Params:
    """Merge query string and body parameters (body wins, as with Telegram)."""
    values: dict[str, Any] = dict(request.query)
    if request.method in ("POST", "PUT") and request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            values.update(body)
        elif ctype == "multipart/form-data":
            await _read_multipart(request, values)
        elif ctype in ("application/x-www-form-urlencoded", ""):
            form = await request.post()
            values.update({k: v for k, v in form.items() if isinstance(v, str)})
    return Params(values)


async def _read_multipart(request: web.Request, values: dict[str, Any]) -> None:
    # Streaming the parts ourselves keeps uploads in memory once (request.post()
    # would spool files to temporary files first).
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not hasattr(part, "read") or part.name is None:
            continue
        data = await part.read(decode=True)
        if part.filename is not None:
            values[part.name] = UploadedFile(
                bytes(data), part.filename, part.headers.get("Content-Type")
            )
        else:
            values[part.name] = bytes(data).decode(part.get_charset("utf-8"), "replace")
