"""Getting updates: long polling (getUpdates) and webhooks, mutually exclusive
as on Telegram.  Updates stay queued until confirmed by a getUpdates offset
or delivered to the webhook (see webhook.py for the delivery loop)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from .. import errors
from ..errors import ApiError, bad_request
from ..params import Params
from ..state import BotState
from .common import Call, Described, method

MAX_LIMIT = 100
MAX_POLL_SECONDS = 60.0
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CONFLICT = "conflict"  # value a superseded long poll is woken with


def _apply_allowed_updates(call: Call) -> None:
    # Omitted = keep the previous setting; a list (even empty) replaces it.
    if "allowed_updates" in call.p:
        allowed = call.p.json("allowed_updates")
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON array")
        call.bot.updates.set_allowed(str(a) for a in allowed)


@method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot = call.bot
    if bot.webhook.url:
        raise ApiError(409, errors.WEBHOOK_CONFLICT)
    p = call.p
    offset = p.int("offset", 0) or 0
    limit = min(max(p.int("limit", MAX_LIMIT) or MAX_LIMIT, 1), MAX_LIMIT)
    timeout = min(max(p.float("timeout", 0.0) or 0.0, 0.0), MAX_POLL_SECONDS)
    _apply_allowed_updates(call)
    queue = bot.updates
    if offset:
        queue.confirm(offset)
    found = queue.peek(limit)
    if found or timeout <= 0 or call.server.closing:
        return found

    # Only one long poll per bot: a newer one terminates the older with 409,
    # which is how Telegram reveals two bot instances running at once.
    if bot.poller is not None and not bot.poller.done():
        bot.poller.set_result(_CONFLICT)
    waiter = queue.changed.waiter(None)
    bot.poller = waiter
    try:
        await asyncio.wait((waiter,), timeout=timeout)
    finally:
        queue.changed.discard(None, waiter)
        if bot.poller is waiter:
            bot.poller = None
    if waiter.done() and waiter.result() == _CONFLICT:
        raise ApiError(409, errors.POLL_CONFLICT)
    if bot.webhook.url:
        raise ApiError(409, errors.WEBHOOK_CONFLICT)
    return queue.peek(limit)


def _webhook_url(p: Params) -> str:
    url = (p.str("url") or "").strip()
    if url and not re.match(r"https?://[^/\s]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    return url


@method("setWebhook")
async def set_webhook(call: Call) -> Described:
    bot, p = call.bot, call.p
    url = _webhook_url(p)
    secret = p.str("secret_token")
    if secret and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    _apply_allowed_updates(call)
    if p.bool("drop_pending_updates"):
        bot.updates.clear()
    if not url:
        return _remove_webhook(call)
    unchanged = bot.webhook.url == url and bot.webhook.secret_token == (secret or None)
    hook = bot.webhook
    hook.url, hook.secret_token, hook.max_connections = url, secret or None, max_connections
    hook.ip_address = "127.0.0.1"
    hook.last_error_date = hook.last_error_message = None
    if bot.poller is not None and not bot.poller.done():
        bot.poller.set_result(None)  # the waiting getUpdates answers 409
    call.server.webhooks.start(bot)
    return Described(True, "Webhook is already set" if unchanged else "Webhook was set")


def _remove_webhook(call: Call) -> Described:
    bot = call.bot
    was_set = bool(bot.webhook.url)
    bot.webhook.url = ""
    bot.webhook.secret_token = None
    call.server.webhooks.stop(bot)
    return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


@method("deleteWebhook")
async def delete_webhook(call: Call) -> Described:
    if call.p.bool("drop_pending_updates"):
        call.bot.updates.clear()
    return _remove_webhook(call)


def webhook_info(bot: BotState) -> dict[str, Any]:
    hook = bot.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates.items),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = hook.ip_address
        if bot.updates.allowed is not None:
            info["allowed_updates"] = sorted(bot.updates.allowed)
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    return webhook_info(call.bot)
