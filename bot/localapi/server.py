"""HTTP front of the local Bot API: routing, token handling, responses.

Routes:
  /bot<token>/<method>          Bot API (GET or POST), what python-telegram-bot calls
  /file/bot<token>/<file_path>  file downloads, as on api.telegram.org
  /_local/bot<token>/<action>   client side ("the user's phone"), see userside.py
  /_local/health                liveness
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import aiohttp
from aiohttp import web

from . import errors, userside
from .errors import ApiError, bad_request
from .limits import Limits
from .methods import METHODS, Call, Described
from .methods.common import chat_ref
from .params import MAX_REQUEST_BYTES, read_params
from .state import BotState
from .webhook import WebhookSender

log = logging.getLogger(__name__)

_TOKEN_RE = re.compile(r"(\d{1,20}):(\S+)")
URL_FETCH_TIMEOUT = 10.0


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=_dumps(body), status=status, content_type="application/json")


class LocalBotApi:
    """A Telegram Bot API server on 127.0.0.1, plus a client-side API to play the users."""

    def __init__(
        self,
        limits: Limits | None = None,
        bot_username: str = "kompis_local_bot",
        bot_first_name: str = "Kompis",
    ):
        self.limits = limits if limits is not None else Limits()
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.port: int = 0
        self.host: str = "127.0.0.1"
        self.closing = False
        self.webhooks = WebhookSender()
        self._bots: dict[int, BotState] = {}  # by bot id
        self._by_token: dict[str, BotState] = {}  # cache of validated tokens
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """PTB's ``base_url`` form: the token is appended to it."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's ``base_file_url`` form, for ``File.download_*``."""
        return f"{self.root_url}/file/bot"

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_get("/_local/health", self._health)
        app.router.add_route("*", "/_local/bot{token}/{action:.+}", self._userside)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free port, see ``.port``)."""
        self.closing = False
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self.closing = True
        # Answer all long polls now, otherwise shutdown would wait for them.
        for bot in self._bots.values():
            bot.updates.changed.fire_all()
            bot.events_signal.fire_all()
        await self.webhooks.close()
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.stop()

    # --------------------------------------------------------------------- bots

    def bot(self, token: str) -> BotState | None:
        """State of the bot this token names (created on first use); None if malformed.

        The bot id is the number before the colon; the secret part is not
        checked, so any well-formed token works (there is nothing to leak).
        """
        bot = self._by_token.get(token)
        if bot is not None:
            return bot
        match = _TOKEN_RE.fullmatch(token)
        if match is None:
            return None
        bot_id = int(match.group(1))
        bot = self._bots.get(bot_id)
        if bot is None:
            bot = BotState(bot_id, token, self.bot_username, self.bot_first_name, self.limits)
            self._bots[bot_id] = bot
        self._by_token[token] = bot
        return bot

    async def fetch_url(self, url: str) -> tuple[bytes, str | None]:
        """Download a file given by URL (sendPhoto/sendDocument with an http URL)."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=URL_FETCH_TIMEOUT)
            )
        try:
            async with self._http.get(url) as response:
                if response.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                return await response.read(), response.content_type
        except (TimeoutError, aiohttp.ClientError, OSError):
            raise bad_request("failed to get HTTP URL content") from None

    # ------------------------------------------------------------------- routes

    async def _health(self, request: web.Request) -> web.Response:
        return _json({"ok": True})

    async def _bot_api(self, request: web.Request) -> web.Response:
        bot = self.bot(request.match_info["token"])
        if bot is None:
            return _json(ApiError(*errors.UNAUTHORIZED).payload(), 401)
        method = METHODS.get(request.match_info["method"].lower())
        if method is None:
            return _json(ApiError(*errors.METHOD_NOT_FOUND).payload(), 404)
        bot.method_stats[method.name] += 1
        params = None
        try:
            params = await read_params(request)
            await self._inject_fault(bot, method.name.lower(), chat_ref(params))
            result = await method.handler(Call(bot, params, self))
        except ApiError as error:
            self._count_error(bot, error)
            bot.log_error(method.name, chat_ref(params) if params is not None else None, error)
            return _json(error.payload(), error.code)
        except web.HTTPException as exc:  # e.g. 413 from aiohttp's body size limit
            return _json(ApiError(exc.status, exc.reason).payload(), exc.status)
        except Exception:  # a bug here must look like a Telegram 500, not kill the bot
            log.exception("local Bot API crashed in %s", method.name)
            bot.stats["errors"] += 1
            return _json(ApiError(500, "Internal Server Error").payload(), 500)
        if isinstance(result, Described):
            return _json({"ok": True, "result": result.result, "description": result.description})
        return _json({"ok": True, "result": result})

    async def _inject_fault(self, bot: BotState, method: str, chat_id: Any) -> None:
        fault = bot.faults.take(method, chat_id if isinstance(chat_id, int) else None)
        if fault is None:
            return
        bot.stats["injected_faults"] += 1
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        error = fault.error()
        if error is not None:
            if error.code >= 500:
                bot.stats["injected_5xx"] += 1
            elif error.code == 429 and isinstance(chat_id, int):  # to be waited out before that chat is sent to
                bot.limiter.refused((chat_id,), error.parameters["retry_after"])
            raise error

    @staticmethod
    def _count_error(bot: BotState, error: ApiError) -> None:
        bot.stats["errors"] += 1
        if error.code == 429:
            bot.stats["rate_limited"] += 1
        elif error.code == 403:
            bot.stats["forbidden"] += 1

    async def _download(self, request: web.Request) -> web.Response:
        bot = self.bot(request.match_info["token"])
        if bot is None:
            return _json(ApiError(*errors.UNAUTHORIZED).payload(), 401)
        stored = bot.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _json(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _userside(self, request: web.Request) -> web.Response:
        bot = self.bot(request.match_info["token"])
        if bot is None:
            return _json({"ok": False, "description": "malformed bot token"}, 401)
        action = request.match_info["action"].strip("/")
        try:
            if request.method == "GET" and action.startswith("file/"):
                return await userside.file_bytes(bot, action[len("file/") :])
            handler = userside.ROUTES.get((request.method, action))
            if handler is None:
                raise userside.LocalError(f"no client-side action {request.method} {action}", 404)
            return _json(await handler(self, bot, request))
        except userside.LocalError as error:
            return _json({"ok": False, "description": error.description}, error.status)
        except Exception:
            log.exception("local Bot API client side crashed in %s", action)
            return _json({"ok": False, "description": "Internal Server Error"}, 500)


async def serve(host: str = "127.0.0.1", port: int = 8081, limits: Limits | None = None) -> None:
    """Run a LocalBotApi until cancelled (Ctrl-C); used by ``kompis localapi``."""
    api = LocalBotApi(limits)
    await api.start(host, port)
    print(
        f"Kompis local Bot API: {api.root_url}  "
        f"(PTB base_url={api.base_url}  base_file_url={api.base_file_url}  "
        f"client API {api.root_url}/_local/bot<token>/...)",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await api.stop()
