"""From a Telegram update to a dialogue turn and back to Bot API calls.

A turn runs in one store transaction: claim the update id (a repeat is dropped), load the person and the
chat's state, route to a dialogue, save the state. Only after the commit are the replies sent, so when
another process wrote the same chat in between (StaleState) the turn runs again and nothing was sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest

from bot import drawing
from bot.aiohttp_request import ReadTimedOut, call
from bot.config import Config
from bot.i18n import I18n
from bot.store import audit, chats, outbox, people
from bot.store.chats import StaleState
from bot.store.db import Store
from bot.store.models import utcnow
from bot.updates import Incoming, MemberChange
from dialogues.router import Router
from dialogues.turn import Reply, Turn

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a turn that keeps losing races or finding the database busy gives up after this


@dataclass
class Outcome:
    replies: list[Reply]
    toast: str | None
    lang: str


class TurnRunner:
    """Runs turns against the shared store. Synchronous: the transport calls it in a worker thread."""

    def __init__(self, *, store: Store, config: Config, i18n: I18n, router: Router):
        self.store, self.config, self.i18n, self.router = store, config, i18n, router
        self.bot_username = "kompis_bot"  # the real one is set when the application starts

    def run(self, incoming: Incoming) -> Outcome | None:
        """The turn's replies, or None when this update was already handled (here or by another process)."""
        return self._retrying(lambda: self._run_once(incoming))

    def _run_once(self, incoming: Incoming) -> Outcome | None:
        replies: list[Reply] = []
        try:
            return self._turn(incoming, replies)
        except BaseException:  # this attempt's replies will never be sent: drop the charts not yet begun
            for reply in replies:
                if isinstance(reply.photo, drawing.Ahead):
                    reply.photo.cancel()
            raise

    def _turn(self, incoming: Incoming, replies: list[Reply]) -> Outcome | None:
        with self.store.session() as session:
            callback = incoming.input.callback
            start = chats.claim_and_begin(session, update_id=incoming.update_id, chat_id=incoming.chat_id,
                                          telegram_user_id=incoming.user_id,
                                          pressed_message_id=incoming.message_id if callback is not None else None)
            if start is None:
                return None
            turn = Turn(
                session=session,
                config=self.config,
                i18n=self.i18n,
                chat_id=incoming.chat_id,
                user_id=incoming.user_id,
                telegram_language=incoming.language_code,
                person=start.person,
                state=start.state,
                input=incoming.input,
                user_name=incoming.user_name,
                input_message_id=incoming.message_id,
                bot_username=self.bot_username,
                replies=replies,
            )
            if turn.person is not None and turn.person.unreachable_since is not None:
                people.mark_reachable(session, telegram_user_id=incoming.user_id)  # they wrote: they can be reached
            if turn.person is not None:
                people.seen(session, person=turn.person)
            self.router.route(turn)
            if start.pressed_open_reminder and turn.person is not None and callback.dialogue != "nudge":
                # A press on a reminder: "do it now", or "stop all reminders"; recorded for the effect report.
                outbox.answered_by_pressing(session, person_id=turn.person.id, message_id=incoming.message_id,
                                            answer="stop" if callback.dialogue == "reminders" else "now")
            chats.save_state(session, state=turn.state)
            return Outcome(turn.replies, turn.toast, turn.lang)

    def forget_old_updates(self, age: timedelta) -> int:
        with self.store.session() as session:
            return chats.forget_updates_before(session, before=utcnow() - age)

    def member_changed(self, change: MemberChange) -> None:
        def once() -> None:
            with self.store.session() as session:
                if not chats.claim_update(session, update_id=change.update_id):
                    return
                self._set_reachable(session, change.user_id, not change.blocked)

        self._retrying(once)

    def blocked_by(self, user_id: int) -> None:
        """A send answered 403 (the person blocked the bot) or 400 "chat not found" (their chat is gone): no
        sender tries them again until they write."""

        def once() -> None:
            with self.store.session() as session:
                self._set_reachable(session, user_id, False)

        self._retrying(once)

    @staticmethod
    def _set_reachable(session, user_id: int, reachable: bool) -> None:
        if reachable:
            person = people.mark_reachable(session, telegram_user_id=user_id)
        else:
            person = people.mark_unreachable(session, telegram_user_id=user_id)
        if person is not None:
            audit.record(session, action="person.unblocked" if reachable else "person.blocked",
                         actor_person_id=person.id)

    def language_of(self, user_id: int, telegram_code: str | None) -> str:
        """For the error message: the person's language if the store can tell, else Telegram's."""
        try:
            with self.store.session() as session:
                person = people.person_by_user(session, telegram_user_id=user_id)
                stored = person.language if person else chats.load_state(session, chat_id=user_id).data.get("lang")
        except Exception:  # the store itself may be what failed
            stored = None
        return self.i18n.choose(stored=stored, telegram_code=telegram_code)

    @staticmethod
    def _retrying(work):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return work()
            except StaleState:
                log.info("chat state changed under us; running the turn again (attempt %d)", attempt)
            except OperationalError as exc:  # database busy, locked or restarting
                if attempt == MAX_ATTEMPTS:
                    raise
                log.warning("store not available (%s); retrying", exc.orig.__class__.__name__)
                time.sleep(0.05 * 2 ** attempt)
        raise StaleState("gave up after repeated concurrent changes")


class Delivery:
    """Sends a turn's replies, honouring Telegram's 429 `retry_after`; a 403 or a chat not found marks the person
    unreachable.

    A reply is sent at most once: a send whose answer timed out may have arrived (Telegram has no idempotent
    send), so it is not sent again; the turn's state is committed, so the person's next input goes on from it.
    Edits and callback answers are repeated, as doing them twice changes nothing.

    Texts, edits and callback answers are sent with plain JSON through the Application's request object
    (`bot.aiohttp_request.call`), not PTB's methods, which build objects for every parameter and a Message from every
    answer that nobody here reads (~15 % of a bot's CPU); the errors are PTB's all the same. Photos and documents,
    rare and multipart, go through PTB's methods."""

    def __init__(self, *, bot: Bot, request: BaseRequest, runner: TurnRunner, max_retries: int):
        self.bot, self.request, self.runner, self.max_retries = bot, request, runner, max_retries

    def _api(self, method: str, **parameters):
        """A coroutine making the Bot API call (None leaves a parameter out)."""
        return call(self.request, self.bot.base_url, method, parameters)

    async def deliver(self, incoming: Incoming, outcome: Outcome) -> None:
        """Answer the press beside the replies, not before them: the person sees the edited message one Bot API
        round trip sooner. Both run to the end; what fails in the replies is raised afterwards."""
        if not incoming.callback_query_id:
            await self._replies(incoming, outcome)
            return
        outcomes = await asyncio.gather(self._replies(incoming, outcome), self._answer_query(incoming, outcome),
                                        return_exceptions=True)
        for failure in outcomes:
            if isinstance(failure, BaseException):
                raise failure

    async def _answer_query(self, incoming: Incoming, outcome: Outcome) -> None:
        """Best effort: the answer only stops the button's spinner (and shows the toast). When it fails beyond the
        retries the replies went out all the same, so the person gets no apology for it."""
        try:
            await self._call(lambda: self._api("answerCallbackQuery", callback_query_id=incoming.callback_query_id,
                                               text=outcome.toast))
        except BadRequest:  # the query is too old: the replies still matter
            pass
        except TelegramError as exc:
            log.warning("could not answer a press (%s); its replies are sent", type(exc).__name__)

    async def _replies(self, incoming: Incoming, outcome: Outcome) -> None:
        blocked: set[int] = set()
        for reply in outcome.replies:
            chat_id = reply.chat_id or incoming.chat_id
            if chat_id in blocked:
                continue  # the rest of this reader's replies would fail the same way; others' still go
            try:
                await self._send(incoming, reply)
            except (Forbidden, BadRequest) as exc:
                if isinstance(exc, BadRequest) and not chat_is_gone(exc):
                    raise
                # This reply's reader blocked the bot, or their chat is gone (a deleted account): in a private
                # chat, chat id = user id. They are marked unreachable until they write again.
                log.info("a chat cannot be reached (%s)", exc.message)  # no chat id: it is the person's user id
                blocked.add(chat_id)
                await asyncio.to_thread(self.runner.blocked_by, reply.chat_id or incoming.user_id)

    async def _send(self, incoming: Incoming, reply: Reply) -> None:
        chat_id, text = reply.chat_id or incoming.chat_id, reply.text[:4096]
        markup = _keyboard(reply)
        if reply.document:
            filename, content = reply.document
            await self._call(lambda: self.bot.send_document(
                chat_id, document=InputFile(content, filename=filename), caption=text[:1024]), repeatable=False)
            return
        if reply.photo:
            image = await asyncio.to_thread(reply.photo)
            await self._call(lambda: self.bot.send_photo(
                chat_id, photo=InputFile(image, filename=f"kompis.{drawing.image_kind(image)}"), caption=text[:1024],
                reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None), repeatable=False)
            return
        if reply.edit and incoming.message_id and reply.chat_id is None:
            try:
                await self._call(lambda: self._api("editMessageText", chat_id=chat_id, message_id=incoming.message_id,
                                                   text=text, reply_markup=markup))
                return
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return
                log.info("could not edit message %s (%s); sending a new one", incoming.message_id, exc.message)
        await self._call(lambda: self._api("sendMessage", chat_id=chat_id, text=text, reply_markup=markup),
                         repeatable=False)

    async def _call(self, make_call, *, repeatable: bool = True):
        """Run one Bot API call, waiting out 429s and retrying brief network failures. A call that is not
        `repeatable` (a send) is not made again when it may already have been performed."""
        for attempt in range(self.max_retries + 1):
            try:
                return await make_call()
            except RetryAfter as exc:
                if attempt == self.max_retries:
                    raise
                await asyncio.sleep(retry_after_seconds(exc))
            except (TimedOut, NetworkError) as exc:
                if isinstance(exc, (BadRequest, Forbidden)):
                    raise
                if not repeatable and may_have_arrived(exc):
                    log.warning("a send timed out and may have arrived; not sending it again")
                    return None
                if attempt == self.max_retries:
                    raise
                await asyncio.sleep(0.2 * 2 ** attempt)


def chat_is_gone(exc: BadRequest) -> bool:
    """Telegram's 400 for a chat the bot cannot write into any more (or never could): "chat not found"."""
    return "chat not found" in exc.message.lower()


def may_have_arrived(exc: Exception) -> bool:
    """The request went out in full and no answer came in time: Telegram may have performed it. (A timeout
    while connecting or waiting for a pooled connection means it was not, and a 5xx is an answer.) Every Bot API
    call of Kompis goes through `bot.aiohttp_request`, which tells the two apart."""
    return isinstance(exc, ReadTimedOut)


def retry_after_seconds(exc: RetryAfter) -> float:
    """`retry_after` is int seconds in PTB 22 and becomes a timedelta later; accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        delay = exc.retry_after
    return delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)


def _keyboard(reply: Reply) -> dict | None:
    """The reply's buttons as the Bot API's InlineKeyboardMarkup, in JSON."""
    if not reply.buttons:
        return None
    return {"inline_keyboard": [[{"text": button.label, "callback_data": button.data} for button in row]
                                for row in reply.buttons]}
