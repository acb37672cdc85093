"""The webhook server: Telegram, or a load balancer in front of several bot processes, POSTs each update here.

It takes the place of python-telegram-bot's own (`Application.run_webhook`, on tornado), whose request handling was
about a tenth of a Kompis process's CPU at saturation (py-spy on `bench/updates.py`, PostgreSQL); aiohttp, which
the bot already uses for its Bot API calls (`bot/aiohttp_request.py`), parses HTTP in C. The contract is PTB's:
a POST of JSON to the path of `webhook.url`, the secret token in `X-Telegram-Bot-Api-Secret-Token`, 200 as soon as
the update is in the application's queue (Telegram sends it again after anything else). Refused: a request without
the token or with another one (403, compared in constant time), a body that is not JSON (415), not an update (400),
or over 1 MiB (413; Telegram's updates are far smaller). Unlike PTB's handler, a body that is not an update is not
logged: it may hold a person's message.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from contextlib import AsyncExitStack

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024

log = logging.getLogger(__name__)


class CannotListen(Exception):
    """The webhook could not start: its port cannot be opened, or the Bot API refused the URL. One sentence."""


def app(application: Application, *, path: str, secret: str) -> web.Application:
    """The aiohttp application that hands the updates POSTed to `path` (with `secret`) to `application`."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")  # any bytes: 403
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="wrong or missing secret token")
        if request.content_type != "application/json":
            return web.Response(status=415, text="send JSON")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
            if update is None:  # JSON, but not an object, or an empty one
                raise ValueError(f"a {type(data).__name__} without an update")
        except web.HTTPRequestEntityTooLarge:
            raise
        except Exception as exc:  # not JSON, or JSON that is not an update: its content is not logged
            log.warning("the webhook received something that is not an update (%s)", type(exc).__name__)
            return web.Response(status=400, text="not an update")
        if isinstance(application.bot, ExtBot):
            application.bot.insert_callback_data(update)
        await application.update_queue.put(update)
        return web.Response(text="ok")

    server = web.Application(client_max_size=MAX_BODY)
    route = "/" + path.strip("/")
    server.router.add_post(route, receive)
    server.router.add_post(route.rstrip("/") + "/", receive)  # as PTB's: with or without a trailing slash
    return server


async def serve(application: Application, *, url: str, listen: str, port: int, secret: str,
                on_start, on_shutdown) -> None:
    """Run the bot as a webhook until SIGINT or SIGTERM: start the application, listen, tell the Bot API the
    URL and the secret (only once listening, so Telegram is never sent to a closed port); at the end stop listening
    first, then let the updates already queued finish. What started is undone in reverse order, also when a later
    step fails; a second signal during the stop ends the process at once."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    for stop_signal in stop_signals:
        loop.add_signal_handler(stop_signal, stopping.set)

    def signals_end_the_process() -> None:
        for stop_signal in stop_signals:
            loop.remove_signal_handler(stop_signal)

    path = url.split("://", 1)[1].partition("/")[2]
    runner = web.AppRunner(app(application, path=path, secret=secret), access_log=None, handle_signals=False)
    try:
        async with AsyncExitStack() as started:
            await started.enter_async_context(application)
            started.push_async_callback(on_shutdown, application)
            await on_start(application)
            await application.start()
            started.push_async_callback(application.stop)
            await runner.setup()
            started.push_async_callback(runner.cleanup)
            try:
                await web.TCPSite(runner, listen, port).start()
            except OSError as exc:
                raise CannotListen(f"cannot listen on {listen}:{port} ({exc.strerror or exc})") from None
            try:
                await application.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
            except TelegramError as exc:
                raise CannotListen(f"the Bot API did not take the webhook ({exc.message})") from None
            log.info("listening for updates on %s:%d", listen, port)
            await stopping.wait()
            signals_end_the_process()  # a second signal during the stop below ends it at once
    finally:
        signals_end_the_process()
