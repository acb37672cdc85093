"""The bot against the project's own local Bot API server, in one event loop: the chat and the tests."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from telegram.ext import Application

from bot.app import build_application, running
from bot.config import Config
from bot.localapi import Limits, LocalBotApi
from bot.store.db import Store

LOCAL_TOKEN = "1000001:local-kompis-token"
LOCAL_BOT_USERNAME = "kompis_local_bot"

log = logging.getLogger(__name__)


@asynccontextmanager
async def local_bot(config: Config, store: Store, *, limits: Limits | None = None, port: int | None = None,
                    poll_timeout: int = 10) -> AsyncIterator[tuple[LocalBotApi, Application]]:
    server = LocalBotApi(limits=limits, bot_username=LOCAL_BOT_USERNAME)
    wanted = config.local_api_port if port is None else port
    try:
        await server.start(config.local_api_host, wanted)
    except OSError:
        log.warning("port %s is taken; the local Bot API takes a free port instead", wanted)
        await server.start(config.local_api_host, 0)
    try:
        application = build_application(config, store, token=LOCAL_TOKEN, base_url=server.base_url)
        async with running(application, timeout=poll_timeout):
            yield server, application
    finally:
        await server.stop()
