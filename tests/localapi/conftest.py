"""Fixtures for the local Bot API tests: a real server on 127.0.0.1 per test.

The server runs on its own event loop in a background thread
(ThreadedLocalBotApi), so tests stay plain synchronous pytest functions that
drive python-telegram-bot with ``asyncio.run`` and the client side with
``SyncLocalApiClient`` — real HTTP on both sides, no mocks.
"""

from __future__ import annotations

import itertools
import pathlib
import sys
from collections.abc import Callable, Iterator

import pytest

try:
    import bot.localapi  # noqa: F401
except ModuleNotFoundError:  # running without the package installed
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi

_bot_ids = itertools.count(700_000_001)


@pytest.fixture
def make_server() -> Iterator[Callable[..., ThreadedLocalBotApi]]:
    """Factory: ``make_server(Limits(...))`` starts a server stopped after the test."""
    started: list[ThreadedLocalBotApi] = []

    def make(limits: Limits | None = None) -> ThreadedLocalBotApi:
        server = ThreadedLocalBotApi(limits if limits is not None else Limits.unlimited()).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., ThreadedLocalBotApi]) -> ThreadedLocalBotApi:
    """A server without flood limits (tests of limits build their own)."""
    return make_server()


@pytest.fixture
def token() -> str:
    return f"{next(_bot_ids)}:TEST-secret_token"


@pytest.fixture
def client(server: ThreadedLocalBotApi, token: str) -> Iterator[SyncLocalApiClient]:
    with SyncLocalApiClient(server.root_url, token) as local:
        yield local
