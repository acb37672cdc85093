"""Dialogue tests that read like the chat: `anna.says("/start")`, `anna.sees("Hej")`, `anna.presses("Svenska")`.

The bot runs for real: the local Bot API server and the PTB application in a background event loop, the
store on a real database. The test is the user's phone, talking to the local Bot API's client side.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from concurrent.futures import Future

from bot.config import Config
from bot.i18n import I18n, language_name
from bot.app import build_application, running
from bot.local import LOCAL_TOKEN, local_bot
from bot.localapi import Limits, SyncLocalApiClient
from bot.localapi.threaded import cancel_the_rest
from bot.store.db import Store

WAIT = 10.0  # seconds a reply may take on a loaded machine before a test fails

_user_ids = itertools.count(5001)


class RunningBot:
    """The real bot and local Bot API in a background thread with its own event loop."""

    def __init__(self, config: Config, store: Store, *, limits: Limits | None = None, api=None):
        """`api`: a ThreadedLocalBotApi that outlives this bot (to restart the bot against the same Telegram)."""
        self.config, self.store, self.api = config, store, api
        self.i18n = I18n(config.languages, config.default_language)
        self.limits = limits or Limits.unlimited()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kompis-bot", daemon=True)
        self._stop: asyncio.Event | None = None
        self._done: Future | None = None
        self.server = self.application = None

    def start(self) -> "RunningBot":
        self._thread.start()
        ready: Future = Future()

        async def main() -> None:
            self._stop = asyncio.Event()
            try:
                if self.api is not None:  # the Bot API is someone else's: only the bot runs here
                    application = build_application(self.config, self.store, token=LOCAL_TOKEN,
                                                     base_url=self.api.base_url)
                    async with running(application, timeout=1):
                        self.server, self.application = self.api.api, application
                        ready.set_result(True)
                        await self._stop.wait()
                    return
                async with local_bot(self.config, self.store, limits=self.limits, port=0, poll_timeout=1) as (
                        server, application):
                    self.server, self.application = server, application
                    ready.set_result(True)
                    await self._stop.wait()
            except BaseException as exc:
                if not ready.done():
                    ready.set_exception(exc)
                raise

        self._done = asyncio.run_coroutine_threadsafe(main(), self._loop)
        ready.result(timeout=30)
        self.client = SyncLocalApiClient(self.server.root_url, LOCAL_TOKEN)
        return self

    def stop(self) -> None:
        self.client.close()
        self._loop.call_soon_threadsafe(self._stop.set)
        self._done.result(timeout=30)
        asyncio.run_coroutine_threadsafe(cancel_the_rest(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def redeliver(self, update: dict) -> None:
        """Hand an update to the application again, as a webhook retry or a second poller would."""
        from telegram import Update

        future = asyncio.run_coroutine_threadsafe(
            self.application.update_queue.put(Update.de_json(update, self.application.bot)), self._loop)
        future.result(timeout=10)

    def text(self, lang: str, message: str, **values) -> str:
        """What the bot says for a message id in a language: tests in every language read the catalogs."""
        return self.i18n.translator(lang).gettext(message, **values)

    def onboarded_user(self, lang: str = "sv", *, invite: str | None = None, user_id: int | None = None,
                       gender: str | None = None) -> "Chatter":
        """Someone who has been through /start, language and consent, and sees the main menu; with an invite,
        answers the optional gender question if told to (`gender`: a label's msgid, "Woman" say)."""
        user = self.user(language_code=lang, user_id=user_id)
        user.says(f"/start {invite}" if invite else "/start")
        user.presses(language_name(lang))
        user.presses(self.text(lang, "Yes, that is OK"))
        user.sees_menu(self.text(lang, "Help"))
        if gender:
            user.presses(self.text(lang, gender))
            user.sees(self.text(lang, "Thank you, noted."))
        return user

    def user(self, *, language_code: str | None = "sv", first_name: str = "Anna", user_id: int | None = None) -> "Chatter":
        user = {"id": user_id or next(_user_ids), "first_name": first_name, "is_bot": False}
        if language_code:
            user["language_code"] = language_code
        return Chatter(self.client, user)

    def same_user(self, chatter: "Chatter") -> "Chatter":
        """The same person's phone, talking to this bot (after a restart, say)."""
        return Chatter(self.client, chatter.user)  # this bot's Bot API server starts with an empty chat


class Chatter:
    """One person's side of the chat."""

    def __init__(self, client: SyncLocalApiClient, user: dict):
        self.client, self.user = client, user
        self.id = user["id"]
        self.cursor = 0  # the last bot event already looked at by `sees`
        self.toast_cursor = 0  # where `sees_toast` looks from: the newest event before the first press since
        self.presses_since_toast: set[str] = set()  # the callback query ids `sees_toast` takes notices of
        self.seen: list[dict] = []

    # -- what the person does -------------------------------------------------------------------------
    def says(self, text: str) -> dict:
        """Send text; returns the update as Telegram delivered it."""
        sent = self.client.send_text(self.user, text)
        message = next(m for m in self.client.messages(self.id) if m["message_id"] == sent["message_id"])
        return {"update_id": sent["update_id"], "message": message}

    def sees_nothing_new(self, within: float = 1.0) -> None:
        """Nothing the person can see arrives within `within` seconds after the last message looked at. (The answer
        to a press without a notice shows nothing; it may come after the press's reply, as the two go side by side.)"""
        deadline, after = time.monotonic() + within, self.cursor
        while (left := deadline - time.monotonic()) > 0:
            for event in self.client.events(self.id, after=after, wait=left)["events"]:
                after = event["seq"]
                assert event["kind"] == "callback_answer" and not event.get("text"), f"unexpected: {event_text(event)}"

    def presses(self, label: str) -> "Chatter":
        """Press the newest button whose label contains `label` (waiting for it to appear)."""
        deadline = time.monotonic() + WAIT
        while True:
            for message in reversed(self.client.messages(self.id)):
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        if label in button["text"]:
                            self._before_press()
                            self._pressed(self.client.press(self.user, message["message_id"], button["callback_data"]))
                            return self
            if time.monotonic() > deadline:
                raise AssertionError(f"no button {label!r}; the chat shows:\n{self.transcript()}")
            time.sleep(0.05)

    def presses_forged(self, data: str, message_id: int | None = None) -> "Chatter":
        """What a modified client can send: any callback data, on any message."""
        if message_id is None:
            message_id = self.client.messages(self.id)[-1]["message_id"]
        self._before_press()
        self._pressed(self.client.press(self.user, message_id, data, forge=True))
        return self

    def _before_press(self) -> None:
        """The notice on a press can only come after every event so far: `sees_toast` looks from the first press
        since it last looked."""
        if not self.presses_since_toast:
            self.toast_cursor = self.client.events(self.id, after=self.cursor)["last_seq"]

    def _pressed(self, sent: dict) -> None:
        self.presses_since_toast.add(str(sent["callback_query_id"]))

    # -- what the person sees -------------------------------------------------------------------------
    def sees(self, fragment: str) -> str:
        """Wait for a bot message (new, or an edit) after the last one looked at that contains `fragment`."""
        return self.sees_each(fragment)[0]

    def sees_each(self, *fragments: str) -> list[str]:
        """Wait until each fragment has appeared in a bot message after the last one looked at, in any order:
        for answers to updates handled side by side, whose order nobody promises."""
        deadline = time.monotonic() + WAIT
        missing, texts = list(fragments), []
        while missing:
            batch = self.client.events(self.id, after=self.cursor, wait=min(1.0, max(0.0, deadline - time.monotonic())))
            for event in batch["events"]:
                self.cursor = event["seq"]
                self.seen.append(event)
                text = event_text(event)
                found = next((f for f in missing if f in text), None)
                if found is not None:
                    missing.remove(found)
                    texts.append(text)
                    if not missing:
                        break  # later events stay for the next look
            if missing and time.monotonic() > deadline:
                raise AssertionError(f"expected {', '.join(map(repr, missing))}; the chat shows:\n{self.transcript()}")
        return texts

    def shows(self, fragment: str) -> str:
        """Wait until the newest message in the chat (as it stands now, edits applied) contains `fragment`.
        Unlike `sees`, this looks at the screen, not at the stream of events, and moves no cursor."""
        deadline = time.monotonic() + WAIT
        while True:
            messages = self.client.messages(self.id)
            if messages and fragment in _message_text(messages[-1]):
                return _message_text(messages[-1])
            if time.monotonic() > deadline:
                raise AssertionError(f"expected the screen to show {fragment!r}; the chat shows:\n{self.transcript()}")
            time.sleep(0.02)

    def sees_menu(self, button: str) -> str:
        """Wait for the main menu (the newest message carrying `button`) and look at everything up to it."""
        deadline = time.monotonic() + WAIT
        while button not in self.buttons():
            if time.monotonic() > deadline:
                raise AssertionError(f"no menu with {button!r}; the chat shows:\n{self.transcript()}")
            time.sleep(0.05)
        newest = next(m for m in reversed(self.client.messages(self.id))
                      if button in [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                                    for b in row])
        return self.sees(_message_text(newest))

    def has_button(self, label: str) -> None:
        """Wait until the newest message with buttons has one labelled exactly `label` (after an edit, say)."""
        deadline = time.monotonic() + WAIT
        while label not in self.buttons():
            if time.monotonic() > deadline:
                raise AssertionError(f"no button {label!r}; the chat shows:\n{self.transcript()}")
            time.sleep(0.02)

    def photos(self) -> list[dict]:
        """The bot's photo messages in this chat, oldest first."""
        return [m for m in self.client.messages(self.id) if m.get("photo")]

    def message_count(self) -> int:
        return len(self.client.messages(self.id))

    def sees_toast(self, fragment: str) -> str:
        """Wait for a notice (answerCallbackQuery) on a button pressed since the last look. Notices have a cursor of
        their own: the bot answers a press beside its reply, so the two come in either order."""
        deadline = time.monotonic() + WAIT
        while True:
            batch = self.client.events(self.id, after=self.toast_cursor, wait=0.5)
            for event in batch["events"]:
                self.toast_cursor = event["seq"]
                if (event["kind"] == "callback_answer" and str(event["callback_query_id"]) in self.presses_since_toast
                        and fragment in (event.get("text") or "")):
                    self.seen.append(event)
                    self.presses_since_toast.clear()
                    return event["text"]
            if time.monotonic() > deadline:
                raise AssertionError(f"expected the notice {fragment!r}; the chat shows:\n{self.transcript()}")

    def buttons(self) -> list[str]:
        """The labels on the newest message that has buttons."""
        for message in reversed(self.client.messages(self.id)):
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
            if keyboard:
                return [button["text"] for row in keyboard for button in row]
        return []

    def transcript(self) -> str:
        lines = []
        for message in self.client.messages(self.id):
            who = "bot" if message.get("from", {}).get("is_bot") else "user"
            lines.append(f"  {who}: {_message_text(message)!r}")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                lines.append("        " + " | ".join(f"[{b['text']}]" for b in row))
        return "\n".join(lines) or "  (nothing)"


def _message_text(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


def event_text(event: dict) -> str:
    if event["kind"] == "callback_answer":
        return event.get("text") or ""
    return _message_text(event.get("message") or {})
