"""A small HTTP proxy in front of the real Rasa server that misbehaves on request: slow, garbage, errors,
dropped connections. The bot talks to the proxy as if it were Rasa; everything that is not faulted is the
real server's own answer.

    with RasaProxy(rasa_server) as proxy:
        config = make_config(url, nlu=proxy)      # proxy.url, proxy.token (Rasa's)
        proxy.fault("slow", delay=2.0)            # every request from now on, until
        proxy.heal()                              # ... answers are passed through again

Faults (each applies to every request while set):
  slow      the real answer, `delay` seconds late
  garbage   status 200, application/json, the real body cut in half with bytes that are no UTF-8 or JSON
  nonsense  status 200, valid JSON that is no parse result (the real body with `intent` a list)
  error     status 500 with Rasa's error shape, as when the model is not loaded
  close     the request is read and the connection closed without an answer
  cut       the answer's headers and half its body, then the connection closed

Counters (`requests`, `forwarded`, `abandoned`) say what happened: `abandoned` counts requests whose
client had hung up before the proxy answered (the bot gave up waiting for a slow answer).
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass

import httpx

FAULTS = ("slow", "garbage", "nonsense", "error", "close", "cut")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict",
            500: "Internal Server Error", 502: "Bad Gateway"}


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json"


class RasaProxy:
    """The proxy on 127.0.0.1 in a background thread with its own event loop."""

    def __init__(self, upstream):
        """`upstream`: anything with `.url` and `.token`, like `bot.nlu_server.RasaServer`."""
        self.upstream_url, self.token = upstream.url.rstrip("/"), upstream.token
        self.mode: str | None = None
        self.delay = 0.0
        self.requests = self.forwarded = self.abandoned = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="rasa-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._http: httpx.AsyncClient | None = None
        self._connections: set[asyncio.Task] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- control, from the test's thread -------------------------------------------------------------
    def fault(self, mode: str, *, delay: float = 2.0) -> None:
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; one of {FAULTS}")
        self.mode, self.delay = mode, delay

    def heal(self) -> None:
        self.mode = None

    def start(self) -> RasaProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> RasaProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the proxy, on its own loop ------------------------------------------------------------------
    async def _start(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.upstream_url, timeout=60, trust_env=False)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        await self._http.aclose()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            while True:  # HTTP/1.1 keep-alive: one request after the other on this connection
                request = await _read_request(reader)
                if request is None:
                    return
                if not await self._answer(request, reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:  # the proxy stops; end quietly (asyncio 3.11 would log a cancelled task)
            return
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer(self, request: _Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is to be closed."""
        self.requests += 1
        mode, delay = self.mode, self.delay
        if mode == "close":
            return False
        if mode == "error":
            body = json.dumps({"version": "3.6.21", "status": "failure", "reason": "ParsingError",
                               "message": "An unexpected error occurred.", "code": 500}).encode()
            answer = _Answer(500, body)
        else:
            answer = await self._forward(request)
            if mode == "slow":
                await asyncio.sleep(delay)
                if reader.at_eof():  # the client hung up while we were slow
                    self.abandoned += 1
                    return False
            elif mode == "garbage":
                answer.body = answer.body[: len(answer.body) // 2] + b"\xff\xfe\x00}{"
            elif mode == "nonsense":
                parsed = json.loads(answer.body)
                parsed["intent"] = [parsed.get("intent")]
                answer.body = json.dumps(parsed).encode()
        head = (f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}\r\n"
                f"Content-Type: {answer.content_type}\r\nContent-Length: {len(answer.body)}\r\n"
                f"Connection: keep-alive\r\n\r\n").encode()
        if mode == "cut":
            writer.write(head + answer.body[: len(answer.body) // 2])
            await writer.drain()
            return False
        writer.write(head + answer.body)
        await writer.drain()
        return not request.close

    async def _forward(self, request: _Request) -> _Answer:
        headers = {k: v for k, v in request.headers.items() if k in ("content-type", "accept")}
        response = await self._http.request(request.method, request.target, content=request.body, headers=headers)
        self.forwarded += 1
        return _Answer(response.status_code, response.content,
                       response.headers.get("content-type", "application/json"))


@dataclass
class _Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    body: bytes
    close: bool


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed the connection between requests
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length else b""
    return _Request(method, target, headers, body, headers.get("connection", "").lower() == "close")
