"""Sending due reminders from the outbox, safely with several workers.

One round: claim due rows under a lease; for each, in its own transaction, decide (person stopped or blocked
the bot → cancelled; task no longer open → skipped; control group → skipped; outside the person's sending
window → back to planned at the next opening; weekly cap reached → back at next week's opening) and mark it
`sending`; only then call the Bot API; then mark it sent. Telegram's limits are kept: a token bucket for the
overall rate, at most one message per chat per second, 429 waited out, network errors and 5xx retried with
back-off, 403 (or 400 "chat not found") marks the person unreachable. After a send, someone who left K
reminders in a row unanswered is put on the coordinators' follow-up list. What happened to a send that was
made is recorded even when the store is briefly away (PostgreSQL restarting, SQLite locked by another writer):
the message is out, so the record is tried again until the store answers, rather than leaving the row
`sending` (counted as failed).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.exc import OperationalError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.config import Config
from bot.i18n import I18n
from bot.reminders import messages
from bot.reminders.policy import PersonTimes, WeeklyCap, next_opening
from bot.store import audit, followups, outbox, people
from bot.store.db import Store
from bot.store.models import Nudge, Person, utcnow
from bot.transport import chat_is_gone, may_have_arrived, retry_after_seconds

log = logging.getLogger(__name__)
SEND_RETRIES = 4
CATCH_UP_SECONDS = 0.5  # how far behind its schedule a worker may make up lost time (see RateLimit)
RECORD_PATIENCE = 600.0  # seconds a send's outcome is tried to be recorded while the store is unavailable


@dataclass
class Round:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    postponed: int = 0
    failed: int = 0
    handed_over: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Prepared:
    nudge_id: int
    person_id: int
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup


class RateLimit:
    """At most `per_second` sends overall and one per chat per second (Telegram's limits per bot).

    The overall rate is a token bucket (in its "virtual schedule" form): the schedule may run up to `catch_up`
    seconds behind the clock, so time lost between two sends (a slow store round trip, claiming the next batch,
    a progress report) is made up by the next few sends, at most `1 + catch_up * per_second` of them at once.
    Without it every delay was lost for good and a worker set to 30/s sent ~28/s on a busy machine. Over any
    stretch of T seconds at most `per_second * T + 1 + catch_up * per_second` sends go out: with the default
    and a worker at 30/s, a burst of 16, about half of the 30 Telegram tolerates (PTB's AIORateLimiter allows
    all 30); K workers at 30/K each, 15 + K together."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic,
                 catch_up: float = CATCH_UP_SECONDS):
        self.interval, self.clock, self.catch_up = 1.0 / per_second, clock, catch_up
        self.next_free = float("-inf")  # the theoretical time of the next send
        self.chat_free: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = self.clock()
        start = max(now, self.next_free - self.catch_up, self.chat_free.get(chat_id, float("-inf")))
        self.next_free = max(self.next_free, start) + self.interval
        self.chat_free[chat_id] = start + 1.0
        if start > now:
            await asyncio.sleep(start - now)


class ReminderWorker:
    def __init__(self, *, store: Store, config: Config, i18n: I18n, bot: Bot, name: str | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.store, self.config, self.i18n, self.bot, self.clock = store, config, i18n, bot, clock
        self.settings = config.reminders
        self.name = name or f"{socket.gethostname()}:{id(self)}"
        self.limit = RateLimit(self.settings.per_second)

    async def run_round(self, batch: int = 200) -> Round:
        done = Round()
        now = self.clock()
        lease = timedelta(seconds=self.settings.lease_seconds)
        claimed = await asyncio.to_thread(self._in_session, lambda s: outbox.claim(
            s, worker=self.name, now=now, lease=lease, limit=batch))
        done.claimed = len(claimed)
        for nudge in claimed:
            prepared = await asyncio.to_thread(self._in_session, lambda s, n=nudge: self._prepare(s, n, done))
            if prepared is not None:
                await self._send(prepared, done)
        return done

    def _in_session(self, work):
        with self.store.session() as session:
            return work(session)

    def _prepare(self, session, nudge: Nudge, done: Round) -> Prepared | None:
        """Decide about one claimed reminder; mark it `sending` when it is to go out now."""
        person = session.get(Person, nudge.person_id)
        now = self.clock()

        def settle(state: str, reason: str, counter: str, due: datetime | None = None) -> None:
            outbox.mark(session, nudge_id=nudge.id, worker=self.name, state=state, reason=reason, due_at=due)
            setattr(done, counter, getattr(done, counter) + 1)

        notice = nudge.rule in outbox.NOTICES  # about the person's own data: not stopped by "stop", not capped
        if person is None or (person.reminders_stopped_at is not None and not notice):
            settle("cancelled", "reminders are off", "cancelled")
            return None
        if person.unreachable_since is not None:
            settle("cancelled", "the person blocked the bot", "cancelled")
            return None
        t = self.i18n.translator(person.language)
        composed = messages.compose(session, nudge, person, t)
        if composed is None:
            settle("skipped", "the task is no longer open", "skipped")
            return None
        if nudge.variant == "control":
            settle("skipped", "control group", "skipped")
            return None
        times = PersonTimes(person.quiet_start, person.quiet_end, person.shift)
        opening = next_opening(now, self.settings.window, times, self.config.tz)
        if opening > now:
            settle("planned", "outside the sending window", "postponed", opening)
            return None
        cap = WeeklyCap(self.settings.per_week)
        if not notice and outbox.sent_since(session, person_id=person.id, since=cap.week_start(now, self.config.tz)) >= cap.limit:
            later = next_opening(cap.next_week(now, self.config.tz), self.settings.window, times, self.config.tz)
            settle("planned", "weekly cap reached", "postponed", later)
            return None
        if not outbox.mark(session, nudge_id=nudge.id, worker=self.name, state="sending"):
            return None  # the lease ran out and another worker has it
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                       for row in composed.buttons])
        return Prepared(nudge.id, person.id, person.chat_id, composed.text, markup)

    async def _send(self, prepared: Prepared, done: Round) -> None:
        for attempt in range(SEND_RETRIES + 1):
            await self.limit.wait(prepared.chat_id)
            try:
                message = await self.bot.send_message(prepared.chat_id, prepared.text, reply_markup=prepared.markup)
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except (Forbidden, BadRequest) as exc:
                if isinstance(exc, Forbidden) or chat_is_gone(exc):  # unreachable until they write again
                    reason = "the person blocked the bot" if isinstance(exc, Forbidden) else "the chat is gone"
                    await self._record(prepared, lambda s, reason=reason: self._blocked(s, prepared, reason))
                    done.failed += 1
                    return
                reason = exc.message
                await self._record(prepared, lambda s, reason=reason: outbox.mark(
                    s, nudge_id=prepared.nudge_id, worker=self.name, state="failed", reason=reason))
                done.failed += 1
                return
            except (TimedOut, NetworkError) as exc:
                if attempt == SEND_RETRIES or may_have_arrived(exc):
                    break
                await asyncio.sleep(0.2 * 2 ** attempt)
                continue
            handed_over = await self._record(prepared, lambda s, sent=message: self._sent(s, prepared, sent.message_id))
            done.sent += 1
            if handed_over:
                done.handed_over.append(prepared.person_id)
            return
        # Not known to have arrived: never sent twice, so it stays `sending` and is counted as failed.
        done.failed += 1
        log.warning("reminder %s: no answer from the Bot API; not known to have arrived, not sent again",
                    prepared.nudge_id)

    async def _record(self, prepared: Prepared, work):
        """Record the outcome of a send that was made, in its own transaction, trying again while the store is
        unavailable (a restart, a lock held by another writer). Safe to repeat: `mark` moves only a row this
        worker holds in `claimed`/`sending`, so a transaction that did commit although its answer was lost
        changes nothing the second time. Gives up (the row stays `sending`) only after RECORD_PATIENCE."""
        deadline = time.monotonic() + RECORD_PATIENCE
        delay = 0.2
        while True:
            try:
                return await asyncio.to_thread(self._in_session, work)
            except OperationalError as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("reminder %s was sent but the store is not available (%s); recording it again in %.1f s",
                            prepared.nudge_id, exc.orig.__class__.__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _sent(self, session, prepared: Prepared, message_id: int) -> bool:
        """Mark it sent; True when the person is now put on the follow-up list."""
        outbox.mark(session, nudge_id=prepared.nudge_id, worker=self.name, state="sent", message_id=message_id,
                    at=self.clock())
        if outbox.unanswered_in_a_row(session, person_id=prepared.person_id) >= self.settings.hand_over_after:
            return followups.open_item(session, person_id=prepared.person_id, reason="not_reached")
        return False

    def _blocked(self, session, prepared: Prepared, reason: str) -> None:
        outbox.mark(session, nudge_id=prepared.nudge_id, worker=self.name, state="failed", reason=reason)
        person = session.get(Person, prepared.person_id)
        if person is not None:
            people.mark_unreachable(session, telegram_user_id=person.telegram_user_id)
            audit.record(session, action="person.blocked", actor_person_id=person.id)
            outbox.cancel_open(session, person_id=person.id, reason=reason)

