"""Python wrappers for the client-side API (``/_local/bot<token>/...``).

``LocalApiClient`` (async, aiohttp) and ``SyncLocalApiClient`` (httpx.Client)
expose the same methods.  Each method is written once, in ``_Calls``: it
describes the HTTP request and how to read the answer, and the two classes
differ only in how they execute that description.  The async client is the
phones of ``bench/updates.py``, which share the machine's CPUs with the bots
they measure: on aiohttp a call costs a fraction of what it costs on httpx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import aiohttp
import httpx

DEFAULT_TIMEOUT = 30.0


@dataclass
class LocalUser:
    """A Telegram user as the client side describes one."""

    id: int
    first_name: str = ""
    language_code: str | None = None
    username: str | None = None
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


class LocalApiError(Exception):
    """The local API refused a client-side call (e.g. pressing a non-existent button)."""

    def __init__(self, status: int, description: str):
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


class _Response(Protocol):
    """What is read from an answer; httpx's response has it, and `_Answer` for aiohttp's."""

    status_code: int
    content: bytes

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


@dataclass(frozen=True)
class _Answer:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    content: bytes | None = None
    timeout: float = DEFAULT_TIMEOUT
    read: Callable[[_Response], Any] = lambda response: response.json()

    def arguments(self, prefix: str) -> dict[str, Any]:
        """The httpx `request(...)` arguments of the sync client."""
        return {"method": self.method, "url": prefix + self.path, "json": self.json, "params": self.params,
                "content": self.content, "timeout": self.timeout}


def _user(user: LocalUser | dict[str, Any] | int) -> dict[str, Any]:
    if isinstance(user, LocalUser):
        return user.to_dict()
    if isinstance(user, int):
        return {"id": user}
    return dict(user)


def _field(name: str) -> Callable[[_Response], Any]:
    return lambda response: response.json()[name]


def _check(response: _Response) -> None:
    if response.status_code >= 400:
        try:
            description = response.json().get("description", response.text)
        except ValueError:
            description = response.text
        raise LocalApiError(response.status_code, description)


class _Calls:
    """Every client-side call, described once; ``_execute`` is sync or async."""

    def __init__(self, root_url: str, token: str):
        self.root_url = root_url.rstrip("/")
        self.token = token
        self.prefix = f"/_local/bot{token}/"

    def _execute(self, request: _Request) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # Acting as users -----------------------------------------------------------

    def send_text(self, user: LocalUser | dict[str, Any] | int, text: str, **extra: Any) -> Any:
        """User sends ``text`` (extra: ``chat`` for groups, ``reply_to_message_id``, ``entities``).
        Returns ``{"update_id", "message_id", "chat_id"}``."""
        return self._execute(
            _Request("POST", "send", json={"user": _user(user), "text": text, **extra})
        )

    def press(
        self,
        user: LocalUser | dict[str, Any] | int,
        message_id: int,
        callback_data: str | None,
        forge: bool = False,
        chat_id: int | None = None,
    ) -> Any:
        """User presses an inline button. Returns ``{"update_id", "callback_query_id"}``."""
        body: dict[str, Any] = {
            "user": _user(user),
            "message_id": message_id,
            "callback_data": callback_data,
            "forge": forge,
        }
        if chat_id is not None:
            body["chat_id"] = chat_id
        return self._execute(_Request("POST", "press", json=body))

    def push_update(self, update: dict[str, Any]) -> Any:
        """Queue any raw update; returns its ``update_id`` (None if filtered out)."""
        return self._execute(
            _Request("POST", "update", json={"update": update}, read=_field("update_id"))
        )

    def known_users(self, users: list[dict[str, Any]]) -> Any:
        """Private chats that exist already (users who started the bot earlier), without updates."""
        return self._execute(_Request("POST", "known_users", json={"users": users}))

    def block(self, user_id: int, blocked: bool = True) -> Any:
        return self._execute(
            _Request("POST", "block", json={"user_id": user_id, "blocked": blocked})
        )

    def upload(
        self,
        data: bytes,
        filename: str | None = None,
        mime_type: str | None = None,
        kind: str = "document",
    ) -> Any:
        """Store a file a user sends; returns its description incl. ``file_id``."""
        params = {
            k: v for k, v in (("filename", filename), ("mime_type", mime_type), ("kind", kind)) if v
        }
        return self._execute(_Request("POST", "upload", params=params, content=data))

    # Observing the bot ---------------------------------------------------------

    def events(self, chat_id: int | None = None, after: int = 0, wait: float = 0.0) -> Any:
        """The bot's actions after ``after``: ``{"events": [...], "last_seq"}``.
        ``chat_id=None`` means all chats; ``wait`` long-polls when nothing is new."""
        params: dict[str, Any] = {"after": after, "wait": wait}
        if chat_id is not None:
            params["chat_id"] = chat_id
        return self._execute(
            _Request("GET", "events", params=params, timeout=wait + DEFAULT_TIMEOUT)
        )

    def messages(self, chat_id: int) -> Any:
        """Visible messages of a chat (both sides, edits applied, deletions removed)."""
        return self._execute(
            _Request("GET", "messages", params={"chat_id": chat_id}, read=_field("messages"))
        )

    def chat_view(self, chat_id: int) -> Any:
        """Messages plus the reply keyboard shown and the blocked flag."""
        return self._execute(_Request("GET", "messages", params={"chat_id": chat_id}))

    def commands_for(
        self,
        user_id: int,
        chat_id: int | None = None,
        language_code: str | None = None,
        admin: bool = False,
    ) -> Any:
        """The command menu this user sees (Telegram's scope/language resolution)."""
        params: dict[str, Any] = {"user_id": user_id, "admin": int(admin)}
        if chat_id is not None:
            params["chat_id"] = chat_id
        if language_code is not None:
            params["language_code"] = language_code
        return self._execute(_Request("GET", "commands", params=params, read=_field("commands")))

    def state(self) -> Any:
        return self._execute(_Request("GET", "state"))

    def stats(self) -> Any:
        return self._execute(_Request("GET", "stats"))

    def api_errors(self, after: int = 0) -> Any:
        """Errors answered to the bot, numbered: ``{"errors": [{"n", "method", "chat_id", "code",
        "description"}, ...], "total"}``; ``after`` leaves out those numbered up to it."""
        return self._execute(_Request("GET", "errors", params={"after": after}))

    def reset_stats(self) -> Any:
        return self._execute(_Request("POST", "stats/reset"))

    def file(self, file_id: str) -> Any:
        """The exact bytes the bot uploaded."""
        return self._execute(_Request("GET", f"file/{file_id}", read=lambda r: r.content))

    # Failure injection ---------------------------------------------------------

    def fault(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        status: int | None = 500,
        count: int = 1,
        delay: float = 0.0,
        retry_after: int = 1,
        description: str | None = None,
    ) -> Any:
        """The next ``count`` matching Bot API calls fail with ``status`` (or, with
        ``status=None``, are only delayed by ``delay`` seconds)."""
        body = {
            "method": method,
            "chat_id": chat_id,
            "status": status,
            "count": count,
            "delay": delay,
            "retry_after": retry_after,
            "description": description,
        }
        return self._execute(_Request("POST", "faults", json=body))

    def clear_faults(self) -> Any:
        return self._execute(_Request("DELETE", "faults"))


class SyncLocalApiClient(_Calls):
    def __init__(self, root_url: str, token: str):
        super().__init__(root_url, token)
        self._http = httpx.Client(base_url=self.root_url, timeout=DEFAULT_TIMEOUT)

    def _execute(self, request: _Request) -> Any:
        response = self._http.request(**request.arguments(self.prefix))
        _check(response)
        return request.read(response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncLocalApiClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class LocalApiClient(_Calls):
    def __init__(self, root_url: str, token: str):
        super().__init__(root_url, token)
        self._http: aiohttp.ClientSession | None = None  # made in the running event loop, at the first call

    async def _execute(self, request: _Request) -> Any:  # type: ignore[override]
        if self._http is None:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        async with self._http.request(request.method, self.root_url + self.prefix + request.path,
                                      json=request.json, params=request.params, data=request.content,
                                      timeout=aiohttp.ClientTimeout(total=request.timeout)) as response:
            answer = _Answer(response.status, await response.read())
        _check(answer)
        return request.read(answer)

    async def close(self) -> None:  # type: ignore[override]
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> LocalApiClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()
