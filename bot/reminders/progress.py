"""Live progress of broadcasts: the coordinator's message is edited as delivery proceeds ("1 240 / 3 000 sent
▓▓▓▓░░░░"), at most every few seconds, and ends as the final report. Any process may do it: the figures come
from the outbox, so a restarted process simply goes on."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.i18n import I18n, Translator
from bot.store import broadcasts
from bot.store.db import Store
from bot.store.models import Broadcast, Person, utcnow
from bot.transport import retry_after_seconds

log = logging.getLogger(__name__)
EVERY = timedelta(seconds=3)
BAR = 10
EDIT_TRIES = 3  # an edit answered 429 is tried again after the wait, this many times in all


class Pacer(Protocol):  # the worker's RateLimit
    async def wait(self, chat_id: int) -> None: ...


def progress_text(t: Translator, broadcast: Broadcast, tally: broadcasts.Tally) -> str:
    if tally.waiting and broadcast.state != "cancelled":
        filled = round(BAR * tally.done / tally.total) if tally.total else BAR
        text = t.gettext("{done} / {total} sent {bar}", done=t.number(tally.sent + tally.blocked + tally.opted_out
                                                                     + tally.failed + tally.cancelled),
                         total=t.number(tally.total), bar="▓" * filled + "░" * (BAR - filled))
        if broadcast.state == "paused":
            text += "\n" + t.gettext("Paused.")
        return text
    return t.gettext("Broadcast finished: {total} recipients. Delivered {sent}, blocked the bot {blocked}, "
                     "reminders turned off {opted_out}, failed {failed}, cancelled {cancelled}.\n"
                     "Interested so far: {interested}, of whom applied: {signed_up}.",
                     total=t.number(tally.total), sent=t.number(tally.sent), blocked=t.number(tally.blocked),
                     opted_out=t.number(tally.opted_out), failed=t.number(tally.failed),
                     cancelled=t.number(tally.cancelled), interested=t.number(tally.interested),
                     signed_up=t.number(tally.signed_up))


def buttons(t: Translator, broadcast: Broadcast, tally: broadcasts.Tally) -> InlineKeyboardMarkup:
    b = broadcast.id
    if not tally.waiting or broadcast.state == "cancelled":
        row = [InlineKeyboardButton(t.gettext("Update the figures"), callback_data=f"broadcast:report:{b}")]
    elif broadcast.state == "paused":
        row = [InlineKeyboardButton(t.gettext("▶ Resume"), callback_data=f"broadcast:resume:{b}"),
               InlineKeyboardButton(t.gettext("✖ Cancel"), callback_data=f"broadcast:cancel:{b}")]
    else:
        row = [InlineKeyboardButton(t.gettext("⏸ Pause"), callback_data=f"broadcast:pause:{b}"),
               InlineKeyboardButton(t.gettext("✖ Cancel"), callback_data=f"broadcast:cancel:{b}")]
    return InlineKeyboardMarkup([row])


def _due_reports(store: Store, i18n: I18n) -> list[tuple[int, int, str, InlineKeyboardMarkup]]:
    """(chat, message, text, buttons) for each broadcast whose progress should be shown now."""
    now = utcnow()
    due = []
    with store.session() as session:
        for broadcast in broadcasts.open_ones(session):
            if broadcast.progress_message_id is None:
                continue
            tally = broadcasts.tally(session, broadcast=broadcast)
            finished = tally.waiting == 0
            if not finished and broadcast.reported_at and now - broadcast.reported_at < EVERY:
                continue
            coordinator = session.get(Person, broadcast.coordinator_person_id) if broadcast.coordinator_person_id \
                else None
            t = i18n.translator(coordinator.language if coordinator else None)
            if finished:
                broadcast.state, broadcast.finished_at = "done", now
            broadcast.reported_at = now
            session.add(broadcast)
            due.append((broadcast.chat_id, broadcast.progress_message_id, progress_text(t, broadcast, tally),
                        buttons(t, broadcast, tally)))
    return due


async def report(store: Store, i18n: I18n, bot: Bot, limit: Pacer | None = None) -> None:
    """Show the progress of every broadcast that is due. An edit is a send for Telegram's limits: it is paced by
    the worker's `limit` (when given) with the reminders it sends, and a 429 is waited out and the edit tried
    again; the final report is shown only once (its broadcast is `done` from then on), so it must not be lost."""
    for chat_id, message_id, text, markup in await asyncio.to_thread(_due_reports, store, i18n):
        for attempt in range(EDIT_TRIES):
            if limit is not None:
                await limit.wait(chat_id)
            try:
                await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
            except RetryAfter as exc:
                if attempt + 1 < EDIT_TRIES:
                    await asyncio.sleep(retry_after_seconds(exc))
                    continue
                log.info("progress of a broadcast not shown: Telegram asked to wait again")
            except BadRequest as exc:  # "message is not modified" and the like: the next report will do
                log.debug("progress not shown (%s)", exc.message)
            except (Forbidden, NetworkError):
                log.info("progress of a broadcast could not be shown now")
            break
