"""The reminder service a bot process runs beside answering updates (or alone: `kompis worker`): it plans due
reminders every few minutes and sends what is due, round after round. Any number of processes may run it on
one PostgreSQL; planning is idempotent and sending is claimed row by row."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot

from bot.config import Config
from bot.i18n import I18n
from bot.reminders import progress
from bot.reminders.planner import plan_due
from bot.reminders.worker import ReminderWorker
from bot.store.db import Store
from bot.store.models import utcnow

log = logging.getLogger(__name__)
PLAN_EVERY = 300.0  # seconds between planning runs
POLL_EVERY = 15.0  # seconds between rounds when nothing was due
BATCH = 100  # also how often (in sent reminders) a broadcast's progress can be shown


async def serve(*, store: Store, config: Config, i18n: I18n, bot: Bot, name: str | None = None) -> None:
    worker = ReminderWorker(store=store, config=config, i18n=i18n, bot=bot, name=name)
    planned_at = 0.0
    while True:
        try:
            if time.monotonic() - planned_at >= PLAN_EVERY:
                planned = await asyncio.to_thread(_plan, store, config)
                planned_at = time.monotonic()
                if planned.total:
                    log.info("planned %d reminders %s", planned.total, planned.by_rule)
            done = await worker.run_round(BATCH)
            await progress.report(store, i18n, bot, worker.limit)
            if done.claimed:
                log.info("reminders: %d sent, %d postponed, %d skipped, %d cancelled, %d failed", done.sent,
                         done.postponed, done.skipped, done.cancelled, done.failed)
            if done.claimed == BATCH:
                continue  # more may be due right now
        except asyncio.CancelledError:
            raise
        except Exception:  # a store or network hiccup must not end reminders for the life of the process
            log.warning("reminder round failed; trying again shortly", exc_info=True)
        await asyncio.sleep(POLL_EVERY)


async def drain(*, store: Store, config: Config, i18n: I18n, bot: Bot, name: str, plan: bool = True) -> int:
    """Plan (optionally), then send until a round finds nothing due, and stop; returns how many were sent."""
    if plan:
        await asyncio.to_thread(_plan, store, config)
    worker = ReminderWorker(store=store, config=config, i18n=i18n, bot=bot, name=name)
    sent = 0
    while True:
        done = await worker.run_round(BATCH)
        await progress.report(store, i18n, bot, worker.limit)
        sent += done.sent
        if not done.claimed:
            return sent


def _plan(store: Store, config: Config):
    with store.session() as session:
        return plan_due(session, now=utcnow(), config=config.reminders, tz=config.tz)
