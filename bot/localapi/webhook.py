"""Webhook delivery: POST each queued update to the bot's URL, in order.

Like Telegram, one update is in flight at a time per bot and an update is
only dropped from the queue once the receiver answered 2xx; failures are
retried with exponential backoff (capped low, this is a local server) and
recorded as ``last_error_*`` in getWebhookInfo.
"""

from __future__ import annotations

import asyncio
import json
import logging

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
        queue = bot.updates
        backoff = FIRST_BACKOFF
        while bot.webhook.url:
            if not queue.items:
                waiter = queue.changed.waiter(None)
                try:
                    await waiter
                finally:
                    queue.changed.discard(None, waiter)
                continue
            update = queue.items[0]
            error = await self._post(bot, update)
            if error is None:
                # The queue may have been cleared (drop_pending_updates) meanwhile.
                if queue.items and queue.items[0] is update:
                    queue.items.popleft()
                bot.stats["webhook_deliveries"] += 1
                backoff = FIRST_BACKOFF
                continue
            bot.stats["webhook_failures"] += 1
            bot.webhook.last_error_date = now()
            bot.webhook.last_error_message = error
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

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
