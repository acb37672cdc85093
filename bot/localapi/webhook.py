"""Webhook delivery: POST each queued update to the bot's URL.

Like Telegram, updates of one chat go one at a time and in order, while different chats are delivered side by side,
on up to ``max_connections`` connections (setWebhook, default 40); an update is only dropped from the queue once the
receiver answered 2xx. A failed delivery is retried with exponential backoff (capped low: this is a local server),
holding back that chat's later updates but no other chat's, and is recorded as ``last_error_*`` in getWebhookInfo.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Hashable
from typing import Any

import aiohttp

from .state import BotState, now

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.05
MAX_BACKOFF = 2.0
REQUEST_TIMEOUT = 10.0


class WebhookSender:
    """Owns one delivery task per bot that has a webhook set."""

    def __init__(self) -> None:
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def start(self, bot: BotState) -> None:
        task = self._tasks.get(bot.bot_id)
        if task is None or task.done():
            self._tasks[bot.bot_id] = asyncio.get_running_loop().create_task(
                self._deliver_forever(bot), name=f"webhook-{bot.bot_id}"
            )

    def stop(self, bot: BotState) -> None:
        task = self._tasks.pop(bot.bot_id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
            )
        return self._session

    async def _deliver_forever(self, bot: BotState) -> None:
        queue, loop = bot.updates, asyncio.get_running_loop()
        busy: dict[Hashable, asyncio.Task[None]] = {}              # chat -> the delivery of its oldest update
        retry: dict[Hashable, tuple[float, float]] = {}             # chat -> (when to try again, next backoff)
        done = asyncio.Event()

        async def deliver(key: Hashable, update: dict[str, Any]) -> None:
            try:
                error = await self._post(bot, update)
                if error is None:
                    _forget(queue.items, update)  # gone already if drop_pending_updates cleared the queue meanwhile
                    bot.stats["webhook_deliveries"] += 1
                    retry.pop(key, None)
                    return
                bot.stats["webhook_failures"] += 1
                bot.webhook.last_error_date = now()
                bot.webhook.last_error_message = error
                backoff = retry.get(key, (0.0, FIRST_BACKOFF))[1]
                retry[key] = (loop.time() + backoff, min(backoff * 2, MAX_BACKOFF))
            finally:
                del busy[key]
                done.set()

        try:
            while bot.webhook.url:
                done.clear()
                held: set[Hashable] = set()  # chats with an older update in flight or waiting to be retried
                for update in list(queue.items):
                    if len(busy) >= bot.webhook.max_connections:
                        break
                    key = chat_of(update)
                    if key in held or key in busy or retry.get(key, (0.0,))[0] > loop.time():
                        held.add(key)
                        continue
                    held.add(key)
                    busy[key] = loop.create_task(deliver(key, update), name=f"webhook-{bot.bot_id}-{key}")
                waiting = [when for key, (when, _) in retry.items() if key not in busy]
                queued = queue.changed.waiter(None)
                finished = loop.create_task(done.wait())
                try:
                    await asyncio.wait([queued, finished], return_when=asyncio.FIRST_COMPLETED,
                                       timeout=max(0.0, min(waiting) - loop.time()) if waiting else None)
                finally:
                    queue.changed.discard(None, queued)
                    finished.cancel()
        finally:
            for task in busy.values():
                task.cancel()

    async def _post(self, bot: BotState, update: dict) -> str | None:
        """Deliver one update; return None on success or the error text Telegram would show."""
        headers = {"Content-Type": "application/json"}
        if bot.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = bot.webhook.secret_token
        try:
            async with self._client().post(
                bot.webhook.url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except (aiohttp.ClientError, OSError) as exc:
            log.debug("webhook delivery to %s failed: %r", bot.webhook.url, exc)
            return "Connection refused"


def chat_of(update: dict[str, Any]) -> Hashable:
    """The chat an update belongs to (its sender's private chat for updates without one), for the order of
    delivery; an update of no chat and no sender is on its own."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
        user = body.get("from") or body.get("user")
        if isinstance(user, dict) and "id" in user:
            return user["id"]
    return ("update", update.get("update_id"))


def _forget(items, update: dict[str, Any]) -> None:
    for index, item in enumerate(items):
        if item is update:
            del items[index]
            return
