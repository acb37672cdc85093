"""Two bot processes on one PostgreSQL behave as one: they share dialogue state and handle each update once.

Each "process" is a complete PTB Application with its own store engine and connection pool; they share only
the PostgreSQL server and the Bot API server, as two `kompis run` webhook processes behind a load balancer do.
The test plays the load balancer, handing each update to one of them (or, for a repeat, to both).
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import select
from telegram import Bot, Update

from bot.app import build_application
from bot.local import LOCAL_TOKEN
from bot.localapi import Limits, LocalBotApi, SyncLocalApiClient
from bot.localapi.threaded import cancel_the_rest
from bot.store import migrate
from bot.store.db import Store
from bot.store.models import Person
from tests.auxil.conversation import Chatter
from tests.conftest import make_config


class LoadBalancedBots:
    def __init__(self, database_url: str):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.stores = [Store(database_url), Store(database_url)]
        migrate.upgrade(self.stores[0])
        self.config = make_config(database_url)
        self.call(self._start())
        self.client = SyncLocalApiClient(self.server.root_url, LOCAL_TOKEN)

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    async def _start(self):
        self.server = LocalBotApi(limits=Limits.unlimited())
        await self.server.start("127.0.0.1", 0)
        self.apps = [build_application(self.config, store, token=LOCAL_TOKEN, base_url=self.server.base_url)
                     for store in self.stores]
        for app in self.apps:
            await app.initialize()
            await app.start()
        self.fetcher = Bot(LOCAL_TOKEN, base_url=self.server.base_url)
        await self.fetcher.initialize()
        self.offset = 0

    async def _next_updates(self) -> list[Update]:
        updates = await self.fetcher.get_updates(offset=self.offset, timeout=2)
        if updates:
            self.offset = updates[-1].update_id + 1
        return list(updates)

    def dispatch(self, *, to: tuple[int, ...]) -> int:
        """Hand every waiting update to the given processes; returns how many updates there were."""
        async def run():
            updates = await self._next_updates()
            for update in updates:
                for index in to:
                    await self.apps[index].update_queue.put(update)
            return len(updates)
        return self.call(run())

    def stop(self):
        async def shutdown():
            for app in self.apps:
                await app.stop()
                await app.shutdown()
            await self.fetcher.shutdown()
            await self.server.stop()
            await cancel_the_rest()
        self.client.close()
        self.call(shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        for store in self.stores:
            store.dispose()


@pytest.fixture
def two_bots(pg_server):
    bots = LoadBalancedBots(pg_server.create_database())
    yield bots
    bots.stop()


def test_a_conversation_continues_across_processes(two_bots):
    anna = Chatter(two_bots.client, {"id": 7001, "first_name": "Anna", "language_code": "sv"})
    steps = [(lambda: anna.says("/start"), "Hej! Jag heter Kompis"),
             (lambda: anna.presses("Svenska"), "Innan vi börjar"),
             (lambda: anna.presses("Ja, det är okej"), "Huvudmeny"),
             (lambda: anna.presses("Mina uppgifter"), "Kompis sparar ditt Telegram-id"),
             (lambda: anna.presses("Radera mina uppgifter"), "Vill du radera"),
             (lambda: anna.presses("Ja, radera allt"), "Allt som Kompis visste om dig är raderat")]
    for number, (act, expected) in enumerate(steps):
        act()
        assert two_bots.dispatch(to=(number % 2,)) == 1  # alternate between the two processes
        anna.sees(expected)


def test_an_update_given_to_both_processes_is_answered_once(two_bots):
    bo = Chatter(two_bots.client, {"id": 7002, "first_name": "Bo", "language_code": "en"})
    bo.says("/start")
    two_bots.dispatch(to=(0, 1))
    bo.sees("Hi! I am Kompis")
    bo.sees_nothing_new(within=1.5)
    bo.presses("English")
    two_bots.dispatch(to=(1, 0))
    bo.sees("Before we start")
    bo.presses("Yes, that is OK")
    two_bots.dispatch(to=(0, 1))
    bo.sees("Main menu")
    bo.sees_nothing_new(within=1.5)
    with two_bots.stores[0].session() as session:
        assert len(session.exec(select(Person)).all()) == 1


def test_concurrent_turns_for_one_chat_in_two_processes_both_count(two_bots):
    """Two different updates of one chat at the same moment in two processes: the loser of the state race
    runs its turn again on fresh state, so neither is lost."""
    cy = Chatter(two_bots.client, {"id": 7003, "first_name": "Cy", "language_code": "sv"})
    cy.says("/start")
    two_bots.dispatch(to=(0,))
    cy.presses("Svenska")
    cy.says("/language")  # both updates now wait at the Bot API, to be handled at the same moment

    async def split():
        first, second = await two_bots._next_updates(), []
        if len(first) < 2:
            second = await two_bots._next_updates()
        updates = first + second
        assert len(updates) == 2
        await asyncio.gather(two_bots.apps[0].update_queue.put(updates[0]),
                             two_bots.apps[1].update_queue.put(updates[1]))
    two_bots.call(split())
    cy.sees_each("Innan vi börjar", "Vilket språk vill du ha?")  # handled side by side: either first
