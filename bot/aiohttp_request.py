"""The bot's HTTP client for Bot API calls: python-telegram-bot's networking backend, on aiohttp.

PTB talks to the Bot API through a `BaseRequest`; its default, `HTTPXRequest`, spent a third of a Kompis
process's CPU under load (py-spy on bench/updates.py: httpx, httpcore and anyio per request, and httpcore's pool
walking its connections for every request and release). aiohttp does the same work in a fraction: a bare bot of
about two calls per update costs 1.5–3 ms of CPU per update on it, 4–11 ms on httpx (`bench/updates.py` with and
without `--bare-backend aiohttp`). Everything above the transport is PTB's as before (except for `call`, below): the
methods, the parameters, the answers and the errors they raise (`RetryAfter`, `Forbidden`, ...). Parameters go as one
JSON body, which the
Bot API takes as it takes a form (a form's fields are each JSON encoded and then URL-quoted); files as multipart.

`call` makes a call with plain JSON values and gives the answer's `result` as plain JSON, through the same request
object, timeouts and errors. The replies of a turn go that way (`bot.transport.Delivery`): PTB's methods build an
object for every parameter and every button and a `Message` from every answer, which nobody reads; that was ~15 %
of a Kompis process's CPU (py-spy on bench/updates.py, `Message.de_json` alone 10.7 %).

Timeouts keep PTB's meaning: `read` is aiohttp's `sock_read` (waiting for the answer once the request is sent),
`connect` its `sock_connect`; waiting for a free pooled connection (`pool`) and connecting together are aiohttp's
`connect`. aiohttp has no write timeout of its own, so the whole call is bounded by the sum of all four (`write`:
PTB's 5 s, 20 s when uploading, as HTTPXRequest), which also ends an upload to a server that stopped reading.
A timeout after the request may have gone out (reading the answer, or the whole call's bound) is `ReadTimedOut`:
Telegram may have performed it (`bot.transport.may_have_arrived`), so a send is not repeated; a connect or pool
timeout is a plain `TimedOut`: nothing was sent.

Errors are raised without the aiohttp exception as their cause, and their text without the bot's token: aiohttp
names the URL (which holds the token) in some messages, and the cause would be printed with every logged traceback.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUTS = {"read": 5.0, "write": 5.0, "connect": 5.0, "pool": 1.0}  # PTB's HTTPXRequest defaults
MEDIA_WRITE_TIMEOUT = 20.0  # PTB's HTTPXRequest allows this much for an upload
TOKEN = re.compile(r"(?<=/bot)[^/\s]+|\d+:[\w-]{20,}")  # a Bot API URL's token, or a token standing alone


class ReadTimedOut(TimedOut):
    """The request went out and no answer came in time: the Bot API may have performed it."""


class JsonCall(RequestData):
    """A call's parameters as plain JSON values (None leaves a parameter out), for `call`."""

    __slots__ = ("_values",)

    def __init__(self, parameters: dict[str, Any]) -> None:
        super().__init__()
        self._values = {name: value for name, value in parameters.items() if value is not None}

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._values)

    @property
    def json_parameters(self) -> dict[str, str]:
        return {name: value if isinstance(value, str) else json.dumps(value) for name, value in self._values.items()}


async def call(request: BaseRequest, base_url: str, method: str, parameters: dict[str, Any]) -> Any:
    """Call the Bot API `method` (e.g. "sendMessage") at `base_url` (a Bot's, with its token) with plain JSON values
    through `request`, the Application's own (the same session, timeouts and errors as its PTB methods); the
    answer's `result` as plain JSON."""
    return await request.post(f"{base_url}/{method}", request_data=JsonCall(parameters))


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of up to `connection_pool_size` connections, created in the running loop."""

    __slots__ = ("_session", "_pool_size", "_timeouts")

    def __init__(self, connection_pool_size: int = 256, *, read_timeout: float | None = DEFAULT_TIMEOUTS["read"],
                 write_timeout: float | None = DEFAULT_TIMEOUTS["write"],
                 connect_timeout: float | None = DEFAULT_TIMEOUTS["connect"],
                 pool_timeout: float | None = DEFAULT_TIMEOUTS["pool"]):
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
                auto_decompress=True,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        given = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout, "pool": pool_timeout}
        read, write, connect, pool = (self._timeouts[name] if value is BaseRequest.DEFAULT_NONE else value
                                      for name, value in given.items())
        if write_timeout is BaseRequest.DEFAULT_NONE and request_data is not None and request_data.contains_files:
            write = MEDIA_WRITE_TIMEOUT
        bounds = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in bounds else sum(bounds), sock_read=read, sock_connect=connect,
            connect=None if connect is None or pool is None else connect + pool)
        try:
            data, headers = _body(request_data)
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:  # connecting, or waiting for a pooled connection: not sent
            raise TimedOut(_described(exc)) from None
        except asyncio.TimeoutError as exc:  # reading the answer, or the whole call's bound: it may have gone out
            raise ReadTimedOut(_described(exc)) from None
        except aiohttp.ClientError as exc:
            raise NetworkError(_described(exc)) from None


def on_aiohttp(builder: ApplicationBuilder, request: AiohttpRequest | None = None) -> ApplicationBuilder:
    """An Application's Bot API calls on this backend: `request` (else a new one, a pool of 256) for the calls, one
    connection for getUpdates. The Application starts and ends both."""
    return builder.request(request or AiohttpRequest(256)).get_updates_request(AiohttpRequest(1))


def bot(token: str, base_url: str) -> Bot:
    """A Bot for calls outside the Application (the reminder worker, asking the bot's name), on this backend."""
    return Bot(token, base_url=base_url, request=AiohttpRequest(256), get_updates_request=AiohttpRequest(1))


JSON = {"Content-Type": "application/json"}


def _body(request_data: RequestData | None) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The parameters as one JSON body; multipart with PTB's encoding of each field when there are files (as
    HTTPXRequest sends them). With the headers to send."""
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        # ASCII with escapes, as PTB encodes each field: a lone surrogate (a broken emoji in a name) cannot fail
        # to encode here, where PTB would report it as a network error and the call be tried again and again.
        return json.dumps(request_data.parameters, separators=(",", ":")).encode(), JSON
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None


def _described(exc: BaseException) -> str:
    """The error's class and text, without the bot's token."""
    return TOKEN.sub("<token>", f"aiohttp.{type(exc).__name__}: {exc}")
